"""Product checker: does Japan's export control catch this product, and which licence applies?

A decision by explicit rules kept as data in corpus/rules/*.yaml (validated on load), not by
similarity search: every verdict lists its reasoning steps, each citing a corpus document.
"""

from bot.checking.command import check_command
from bot.checking.decide import check_product
from bot.checking.render import render_markdown, render_text
from bot.checking.result import (
    LICENCE_REQUIRED,
    NEED_MORE_INFORMATION,
    NOT_LISTED,
    CheckRequest,
    CheckResult,
)
from bot.checking.routing import parse_check_question
from bot.checking.rules import CheckInputError, Rules, RulesError, load_rules

__all__ = [
    "LICENCE_REQUIRED",
    "NEED_MORE_INFORMATION",
    "NOT_LISTED",
    "CheckInputError",
    "CheckRequest",
    "CheckResult",
    "Rules",
    "RulesError",
    "check_command",
    "check_product",
    "load_rules",
    "parse_check_question",
    "render_markdown",
    "render_text",
]
