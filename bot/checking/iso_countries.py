"""ISO 3166-1 countries from pycountry, with the course's own aliases added.

pycountry ships the codes and names (it follows Debian's iso-codes), so the rules keep only
what ISO does not have: abbreviations (ROK, UAE), English short forms (Turkey) and the
Japanese and Korean names a question may use. The shown name is ISO's common name where it
has one ("South Korea", not "Korea, Republic of"); the ISO and official names are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping

import pycountry

from bot.checking.model import Country


def is_country_code(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def iso_countries(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, Country]:
    """Every ISO country by alpha-2 code, in code order; `aliases` adds names by code."""
    out: dict[str, Country] = {}
    for entry in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        shown = getattr(entry, "common_name", None) or entry.name
        iso_names = [n for n in (entry.name, getattr(entry, "official_name", None))
                     if n and n != shown]
        names = tuple(dict.fromkeys([*iso_names, *aliases.get(entry.alpha_2, ())]))
        out[entry.alpha_2] = Country(entry.alpha_2, entry.alpha_3, shown, names)
    return out
