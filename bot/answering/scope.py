"""Questions about another country's own export-control rules are outside the course.

The corpus covers Japan's rules (and South Korea's, for the 2019–2023 case). Asked "What are
the export-control rules in Taiwan?", similarity search still finds Korea's or Japan's rules
and would quote them as if they answered: the question names a jurisdiction no document is
about. A country named as a *destination* ("exports to Taiwan") stays in scope: that is
Japan's rules applied to it, which the checker and the corpus do cover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.checking.countries import exporting_country, find_countries
from bot.checking.model import compile_terms
from bot.checking.rules import Country, Rules

JAPAN = re.compile(r"\b(?:Japan|Japanese|METI|FEFTA)\b", re.IGNORECASE)
RULE_WORDS = (
    r"(?:export[- ]control\w*|controls?|rules?|regulations?|laws?|legislation|regimes?|"
    r"systems?|licen[cs]ing|licen[cs]es?|requirements?|entity lists?|control lists?)"
)

# Words that end a noun phrase: after "to Germany without", the licence is not Germany's.
FUNCTION_WORDS = r"(?:without|with|for|to|from|by|and|or|but|a|an|the|any|no|if|in|on|at)"


# Jurisdictions with export-control rules of their own that are not countries.
UNIONS = (Country("EU", "EU", "the European Union", ("EU", "eu", "European Union")),)
UNION_NAMES = tuple((union, compile_terms(union.aliases)) for union in UNIONS)


def jurisdictions(documents: Iterable[dict]) -> set[str]:
    """Country codes the corpus has documents about ('JP-KR' counts for both)."""
    codes: set[str] = set()
    for meta in documents:
        codes.update(str(meta.get("jurisdiction") or "").upper().split("-"))
    return codes


def foreign_jurisdiction(text: str, rules: Rules, covered: set[str]) -> Country | None:
    """The country (or union of countries) whose own rules the question asks about, when no
    document covers it."""
    exporter = exporting_country(text, rules)
    named = find_countries(text, rules) + [
        (union.code, m.group(0)) for union, names in UNION_NAMES if (m := names.search(text))
    ]
    for code, words in named:
        if code in covered:
            continue
        name = re.escape(words)
        # "rules ... in Taiwan" asks about Taiwan's rules unless the rules are Japan's
        asks_rules_in = not JAPAN.search(text) and re.search(
            rf"\b{RULE_WORDS}\b[^.?!]{{0,60}}?\b(?:in|of|under)\s+(?:the\s+)?{name}\b",
            text,
            re.IGNORECASE,
        )
        # ("Germany's own export rules", "German dual-use rules"; a word such as "without"
        # or "for" after the country ends its name: "to Germany without a licence"; and a
        # destination before a bare licence word: "hf 55% to germany licence needed?")
        asks_country_rules = re.search(
            rf"(?:\b{name}(?:'s|’s)|(?<!\bto )(?<!\binto )(?<!\bfor )\b{name}n?)\s+(?:own\s+)?"
            rf"(?:(?!{FUNCTION_WORDS}\b)[\w-]+\s+){{0,2}}{RULE_WORDS}\b",
            text,
            re.IGNORECASE,
        )
        # "does the UK need / does Germany require a licence ...": the country as the one
        # that requires or controls asks about its own rules.
        country_requires = re.search(
            rf"\b(?:does|do|did|would|will|can)\s+(?:the\s+)?{name}\s+(?:also\s+)?"
            # ("what did the eu have to do with ds590" asks how it took part, not its rules)
            r"(?:require|need|demand|impose|control|regulate|restrict|ban|license|"
            r"have(?!\s+to\s+do\s+with)|ask for|"
            r"handle|treat|manage|police|oversee|screen|enforce|deal with|do about)\b",
            text,
            re.IGNORECASE,
        )
        # "under the us ear", "under China's law", "a licence from the us commerce
        # department": that country's own rules.
        under_country = re.search(
            rf"\bunder\s+(?:the\s+)?{name}\b|\blicen[cs]es?\b[^.?!]{{0,30}}\bfrom\s+(?:the\s+)?{name}\b",
            text,
            re.IGNORECASE,
        )
        # "can american firms sell euv resist to korea": the exporter's own country's rules.
        exports = code == exporter
        if asks_rules_in or asks_country_rules or country_requires or under_country or exports:
            return rules.countries.get(code) or next(u for u in UNIONS if u.code == code)
    return None


def _in_a_sentence(name: str) -> str:
    """"the United States", "the Netherlands": a plural or "United ..." name takes "the"."""
    plural = name.startswith("United ") or (name.endswith("s") and " " not in name.strip())
    return f"the {name}" if plural and not name.startswith("the ") else name


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def out_of_scope_message(country: Country) -> str:
    name = _in_a_sentence(country.name)
    return (
        f"I can't answer that from the course material: it covers Japan's export controls (and "
        f"South Korea's, for the 2019–2023 case), not {_possessive(name)} own rules, so I won't "
        f"guess. I can explain Japan's rules for exports to {name}: ask about those, or use "
        "Check my product."
    )
