"""Destinations: resolve what the user typed to a country, and find its group on a date.

Groups change over time (South Korea left Group A on 28 August 2019 and came back on 21 July
2023), so a group is always asked for a given day, never stored per country.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

from bot.checking.result import DestinationInfo
from bot.checking.rules import (
    CheckInputError,
    Country,
    Group,
    Membership,
    Note,
    Rules,
    normalise_name,
)

EXPORTING_COUNTRY = "JP"


@dataclass(frozen=True)
class Placement:
    """A country's group on one day, with the rule text that says so."""

    country: Country
    group: Group
    note: Note

    def info(self) -> DestinationInfo:
        """The placement as the result reports it (codes and names, not rule objects)."""
        country, group = self.country, self.group
        return DestinationInfo(country.code, country.name, group.code, group.name, group.caveat)


def resolve_country(text: str, rules: Rules) -> Country:
    """Turn 'KR', 'KOR', 'South Korea', 'ROK', 'Korea' ... into a country, or explain why not."""
    key = normalise_name(text)
    code = rules.country_lookup.get(key)
    if code is None:
        names = sorted(rules.country_lookup)
        close = difflib.get_close_matches(key, names, n=3, cutoff=0.75)
        shown = dict.fromkeys(rules.countries[rules.country_lookup[k]].name for k in close)
        hint = f" Did you mean: {', '.join(shown)}?" if shown else ""
        raise CheckInputError(
            f"Unknown country {text!r}: give an ISO 3166 code such as KR or US, or a name such "
            f"as 'South Korea'.{hint}"
        )
    if code == EXPORTING_COUNTRY:
        raise CheckInputError(
            "Japan is the exporting country. For technology given to a non-resident inside Japan "
            "(a deemed export), give the recipient's country as the destination."
        )
    return rules.countries[code]


FOUND_COUNTRIES_KEPT = 4096  # texts whose countries the rules keep (`Rules.found_countries`)


def find_countries(text: str, rules: Rules) -> list[tuple[str, str]]:
    """Destinations named in free text, as (code, words matched), in order, without repeats.

    Japan is skipped: it is where the goods come from, not where they go.
    """
    cache = rules.found_countries
    found = cache.get(text)
    if found is None:
        found = _countries_in(text, rules)
        if len(cache) >= FOUND_COUNTRIES_KEPT:
            cache.clear()
        cache[text] = found
    return list(found)


# "the Australia Group" is an export-control regime named after a country, not a destination;
# "Korea group B" still names Korea.
ORGANISATION_AFTER = re.compile(r"\s+group\b(?!\s+[a-d]\b)", re.IGNORECASE)


def _countries_in(text: str, rules: Rules) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for match in rules.country_text_pattern.finditer(text):
        if ORGANISATION_AFTER.match(text, match.end()):
            continue
        code = rules.country_text_lookup.get(normalise_name(match.group(0)))
        if code and code != EXPORTING_COUNTRY and code not in seen:
            seen.add(code)
            found.append((code, match.group(0)))
    return tuple(found)


def membership_on(country: str, day: date, rules: Rules) -> Membership | None:
    """The explicit group membership covering `day`, if any."""
    return next((m for m in rules.memberships if m.country == country and m.covers(day)), None)


def place(country: Country, day: date, rules: Rules) -> Placement:
    """The country's group on `day`: its membership, else the default group (C)."""
    membership = membership_on(country.code, day, rules)
    if membership is None:
        group = rules.default_group
        return Placement(country, group, group.note)
    return Placement(country, rules.groups[membership.group], membership.note)


# Japan's export controls govern what leaves Japan. A shipment *to* Japan ("does korea need a
# licence to export hf to japan"), or one another country's firms make ("can american firms
# sell euv resist to korea", "do korean firms need a licence to re-export it"), falls under
# that country's own rules.
TO_JAPAN = re.compile(
    r"(?<!according )(?<!due )(?<!compared )\b(?:to|into)\s+japan\b(?!\s*(?:'s|’s|s)\b)",
    re.IGNORECASE,
)
_ACTORS = (
    r"(?:compan(?:y|ies)|firms?|exporters?|manufacturers?|makers?|suppliers?|producers?|"
    r"subsidiar(?:y|ies)|business(?:es)?|sellers?|vendors?)"
)
_EXPORTS = (
    r"(?:need|needs|require|requires|sell|sells|export|exports|re-?exports?|ship|ships|send|"
    r"sends|supply|supplies|deliver|delivers)"
)
_MODAL = r"(?:still|also|legally|need\s+to|needs\s+to|have\s+to|has\s+to|wants?\s+to|plans?\s+to)"


def exporting_country(text: str, rules: Rules) -> str | None:
    """The code of the country, other than Japan, whose firms (or which itself) export in the
    question: "american firms sell", "does korea need a licence to export"; None otherwise."""
    for code, words in find_countries(text, rules):
        name = re.escape(words)
        firms_export = re.search(
            rf"\b{name}\s+(?:[\w-]+\s+)?{_ACTORS}\s+(?:{_MODAL}\s+)?{_EXPORTS}\b", text, re.I
        )
        country_needs = re.search(
            rf"\b(?:does|do|did|would|will|must|can)\s+(?:the\s+)?{name}\s+(?:still\s+|also\s+)?"
            r"need\s+(?:an?\s+|any\s+)?(?:export\s+)?(?:licen[cs]es?|permits?|permission)\b",
            text,
            re.I,
        )
        if firms_export or country_needs:
            return code
    return None
