"""Optional language-model answers whose every sentence is checked against its cited source.

The extractive answer stays the default (`llm` setting empty). With a model configured, the tutor
asks it to answer from the numbered passages, then keeps only the sentences that the passage
they cite supports (`verify.py`), and falls back to the extractive answer when nothing survives
or the model cannot be reached.
"""

from bot.answering.llm.backends import LanguageModelError, LocalChatModel, load_chat_model
from bot.answering.llm.generate import (
    compose_verified,
    condense_question,
    generate_answer,
    passages_for,
)
from bot.answering.llm.prompts import Passage, build_messages
from bot.answering.llm.verify import SIMILARITY_THRESHOLD, Verdict, verify_reply

__all__ = [
    "SIMILARITY_THRESHOLD",
    "LanguageModelError",
    "LocalChatModel",
    "Passage",
    "Verdict",
    "build_messages",
    "compose_verified",
    "condense_question",
    "generate_answer",
    "load_chat_model",
    "passages_for",
    "verify_reply",
]
