"""From a free-text description to a candidate item and the parameters it states.

Matching is by aliases and patterns kept in the YAML rules, not by similarity: the checker must
be able to say exactly which words made it pick an item or a value, and must ask rather than
guess when the words disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.checking.rules import (
    CheckInputError,
    Extractor,
    Item,
    Note,
    Rules,
    Value,
    normalise_name,
)


@dataclass(frozen=True)
class Extraction:
    """Parameters stated in a description, with the words that stated them."""

    values: dict[str, Value] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)  # why a word means its value

    def updated_by(self, newer: Extraction) -> Extraction:
        """These statements with a later turn's on top: what it states replaces what was said
        before (and settles a conflict); what it leaves out still holds."""
        return Extraction(
            {**self.values, **newer.values},
            {**self.evidence, **newer.evidence},
            {**{k: v for k, v in self.conflicts.items() if k not in newer.values},
             **newer.conflicts},
            {**{k: v for k, v in self.notes.items() if k not in newer.values}, **newer.notes},
        )  # fmt: skip


def find_items(text: str, rules: Rules) -> list[tuple[str, str]]:
    """Items the description names, as (item id, words matched), in the order of the rules."""
    found = []
    for item in rules.items.values():
        match = item.alias_pattern.search(text)
        if match:
            found.append((item.id, match.group(0)))
    return found


def resolve_item(name: str, rules: Rules) -> Item:
    """An item from its id or one of its aliases ('resist', 'HF', 'fluorinated-polyimide')."""
    key = normalise_name(name)
    for item in rules.items.values():
        if key in {normalise_name(item.id), normalise_name(item.name)} | {
            normalise_name(a) for a in item.aliases
        }:
            return item
    raise CheckInputError(
        f"Unknown item {name!r}: choose one of {', '.join(rules.items)}"
    )


# "non-listed machine parts", "my product is not on any control list": the exporter's own
# classification. Not "not on the white list", which is a destination's group.
UNLISTED = re.compile(
    r"\b(?:non-?listed|unlisted|not\s+list(?:ed|-controlled)\b|"
    r"(?:not|isn'?t|aren'?t|never\s+been)\s+(?:on|in)\s+(?:any|a|the)\s+"
    r"(?:(?!white\b)[\w-]+\s+){0,2}lists?\b)",
    re.IGNORECASE,
)


# "a list-controlled item going to the us", "our listed products": the exporter's own
# classification the other way. Only an attributive phrase: "is it listed?" asks.
LISTED = re.compile(
    r"\b(?:an?|our|my|the|this|that|these|those)\s+(?:[\w-]+\s+)?"
    r"(?:list[- ]controlled|listed)\s+(?:items?|products?|goods|chemicals?|materials?|parts?|"
    r"equipment|substances?)\b",
    re.IGNORECASE,
)


def own_classification(text: str) -> bool | None:
    """The exporter's own classification, when the description states one: False for "on no
    control list" (the checker then answers with the catch-all for the destination), True for
    "a list-controlled item" (the licence duty and types, with no specification to test), and
    None when it says neither (the checker asks which of its items the product is)."""
    if UNLISTED.search(text):
        return False
    return True if LISTED.search(text) else None


def find_technology(text: str, rules: Rules) -> str | None:
    """The word that makes the description about technology (know-how, drawings...), if any."""
    match = rules.technology.pattern.search(text)
    return match.group(0) if match else None


def extract_parameters(text: str, item: Item, rules: Rules) -> Extraction:
    """Parameters of `item` stated in `text`; differing statements are left out, not guessed.

    Raises CheckInputError when the text states an impossible value (such as 140% fluorine).
    """
    candidates: dict[str, list[tuple[int, Value, str, Note | None]]] = {}
    for extractor in item.extractors:
        for value, words in _matches(text, extractor, rules):
            candidates.setdefault(extractor.parameter, []).append(
                (extractor.priority, value, words, extractor.note)
            )
    result = Extraction()
    for name, found in candidates.items():
        top = max(priority for priority, _, _, _ in found)
        best = [(value, words, note) for priority, value, words, note in found if priority == top]
        values = {value for value, _, _ in best}
        if len(values) == 1:
            # The words that explain themselves best: a word with a cited meaning ("ArF
            # immersion"), else the longest match.
            value, words, note = max(best, key=lambda b: (b[2] is not None, len(b[1])))
            result.values[name] = value
            result.evidence[name] = words
            if note is not None:
                result.notes[name] = note
        else:
            result.conflicts[name] = tuple(dict.fromkeys(words for _, words, _ in best))
    return result


def _matches(text: str, extractor: Extractor, rules: Rules) -> list[tuple[Value, str]]:
    parameter = rules.parameters[extractor.parameter]
    out: list[tuple[Value, str]] = []
    for pattern in extractor.patterns:
        for match in pattern.finditer(text):
            if _next_to(text, match, extractor.skip_context):
                continue
            if extractor.value is not None:
                out.append((extractor.value, match.group(0)))
                continue
            try:
                out.append((parameter.parse(match.group(1)), match.group(0)))
            except CheckInputError as exc:
                raise CheckInputError(
                    f"The description states {match.group(0)!r}: {exc}"
                ) from None
    return out


def _next_to(text: str, match: re.Match[str], words: tuple[str, ...]) -> bool:
    """True when one of `words` sits right before or after the match ('99.999% purity')."""
    if not words:
        return False
    alternatives = "|".join(re.escape(w) for w in words)
    after = text[match.end(): match.end() + 30]
    before = text[max(0, match.start() - 30): match.start()]
    return bool(
        re.match(rf"\s*(?:{alternatives})", after, re.I)
        or re.search(rf"(?:{alternatives})\s*(?:of|is|:|=)?\s*$", before, re.I)
    )
