"""The one-line verdict a check opens with, written from its outcome.

Kept apart from the decision (`decide.py`) because it is wording, not reasoning: the steps
carry the reasons, this says what they add up to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.checking.countries import Placement
from bot.checking.result import LICENCE_REQUIRED, NOT_LISTED, CatchAllInfo, LicenceInfo
from bot.dates import format_date


@dataclass(frozen=True)
class Outcome:
    """What the check found: its verdict, the item test's outcome and the destination's rules."""

    verdict: str
    outcome: str  # 'listed', 'not_listed', 'open' or 'unknown' (the item test)
    placement: Placement | None
    licences: tuple[LicenceInfo, ...]
    catch: CatchAllInfo
    own_classification: bool  # no item of the rules was tested: the exporter's own word
    missing: tuple[str, ...]
    as_of: date


def summarise(found: Outcome) -> str:
    placement, day = found.placement, format_date(found.as_of)
    if found.verdict == LICENCE_REQUIRED:
        names = ", ".join(t.name for t in found.licences)
        return (f"Listed: you need a licence, as for every destination (Group A included). "
                f"Licence types for {placement.country.name} on {day}: "
                f"{names}.") if placement else "Listed."
    not_listed = ("Not on any control list, by your own classification"
                  if found.own_classification else "Not listed under these entries")
    if found.verdict == NOT_LISTED:
        if found.catch.status == "does_not_apply":
            return (f"{not_listed}; catch-all control does not apply "
                    f"({placement.country.name} is in Group A)." if placement else "")
        return (f"{not_listed}, but catch-all applies if METI informs you "
                "or you know or have reason to know of a weapons end use or end user.")
    if found.outcome == "listed":
        return ("Listed: a licence is required for every destination. Give the destination "
                "to see which licence types can be used.")
    if found.outcome == "not_listed":
        return (f"{not_listed}; whether catch-all control can apply "
                "depends on the destination: give it.")
    wanted = ", ".join(found.missing) or "the details asked below"
    return (f"Need more information: {wanted}. If the product is listed, you need a licence "
            "for every destination, Group A included.")
