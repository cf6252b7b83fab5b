"""The decision: product, destination and date in; verdict with cited steps out.

Everything here is a pure function of the request and the rules (the only outside input is
today's date when none is given), so every verdict can be traced to rule texts, and each rule
text to a corpus document and fact-sheet ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from bot.checking.countries import Placement, find_countries, place, resolve_country
from bot.checking.describe import (
    extract_parameters,
    find_items,
    find_technology,
    own_classification,
    resolve_item,
)
from bot.checking.model import (
    CheckInputError,
    ControlEntry,
    Item,
    Note,
    Parameter,
    Rules,
    Value,
    fill,
    format_value,
)
from bot.checking.result import (
    LICENCE_REQUIRED,
    NEED_MORE_INFORMATION,
    NOT_LISTED,
    CatchAllInfo,
    CheckRequest,
    CheckResult,
    LicenceInfo,
    Step,
)
from bot.checking.summary import Outcome, summarise
from bot.dates import format_date


def check_product(request: CheckRequest, rules: Rules) -> CheckResult:
    """Decide whether Japan's export controls catch the product, and which licence it needs.

    Args:
        request: the product (description and/or item), destination, date and parameters.
        rules: validated rules, from `load_rules(settings.rules_dir)` by the caller.

    Raises:
        CheckInputError: unknown country or item, bad date, impossible parameter.
    """
    return _Decision(request, rules).run()


class _Decision:
    """One check, building its steps in order; split into methods only for reading."""

    def __init__(self, request: CheckRequest, rules: Rules) -> None:
        self.request = request
        self.rules = rules
        self.steps: list[Step] = []
        self.missing: list[str] = []
        self.questions: list[str] = []
        self.asks: dict[str, str] = {}
        self.item: Item | None = None
        listed = request.listed  # the exporter's own classification, said or written
        if listed is None:
            listed = own_classification(request.description)
        self.unlisted, self.listed = listed is False, listed is True

    def add(self, note: Note, asks: str = "", **values: object) -> None:
        self.steps.append(Step(fill(note.text, values), note.citation, asks))

    def ask(self, name: str, question: str) -> None:
        if name not in self.missing:
            self.missing.append(name)
            self.questions.append(question)
            self.asks[question] = name

    # -- the whole check -----------------------------------------------------------------------

    def run(self) -> CheckResult:
        rules, request = self.rules, self.request
        self.as_of = self._as_of()
        explicit = {name: self._parameter(name).parse(value)
                    for name, value in request.params.items()}
        item = self.item = self._item()
        technology = request.technology
        if technology is None:  # not said: technology when the description says so
            technology = find_technology(request.description, rules) is not None
        self.form = "technology" if technology else "goods"
        outcome, params = self._outcome(item, explicit, technology)
        placement = self._destination()
        licence_ids = self._destination_steps(placement, item, outcome)
        catch = self._catch_all(placement, outcome)
        if placement is None:
            self.ask("destination", rules.meta.destination_question)
        self._period_note(placement, item)
        if item is None:
            self.add(rules.meta.classification)
        verdict = NEED_MORE_INFORMATION if self.missing else (
            LICENCE_REQUIRED if outcome == "listed" else
            NOT_LISTED if outcome == "not_listed" else NEED_MORE_INFORMATION
        )
        licences = tuple(
            LicenceInfo(t, rules.licence_types[t].name, rules.licence_types[t].description)
            for t in (licence_ids if verdict == LICENCE_REQUIRED else ())
        )
        entries: tuple[ControlEntry, ...] = ()
        if item is not None:
            entries = (item.technology_entry if technology else item.goods_entry,)
        return CheckResult(  # keyword per field: the result is the JSON's contract
            verdict=verdict,
            summary=summarise(Outcome(verdict, outcome, placement, licences, catch, item is None,
                                      tuple(self.missing), self.as_of)),
            item=item.id if item else None,
            item_name=item.name if item else None,
            form=self.form if item else None,
            control_entries=entries,
            licence_types=licences,
            catch_all=catch,
            missing_parameters=tuple(self.missing),
            questions=tuple(self.questions),
            steps=tuple(self.steps),
            as_of=self.as_of,
            disclaimer=rules.meta.disclaimer,
            destination=placement.info() if placement else None,
            parameters=params,
            asks=self.asks,
        )

    def _outcome(
        self, item: Item | None, explicit: Mapping[str, Value], technology: bool
    ) -> tuple[str, dict[str, Value]]:
        """The item test's outcome ('listed', 'not_listed', 'open', 'unknown') and the
        parameters it used; without an item, the exporter's own classification if stated."""
        meta = self.rules.meta
        if item is None and self.unlisted:
            self.add(meta.stated_unlisted)
            return "not_listed", {}
        if item is None and self.listed:
            self.add(meta.stated_listed)
            return "listed", {}
        if item is None:
            self.ask("item", meta.item_question)
            return "unknown", {}
        if technology:
            self.add(self.rules.technology.note, item=item.name)
        self.add(item.entry)
        params = self._params(item, explicit)
        return self._test_item(item, params), params

    # -- inputs --------------------------------------------------------------------------------

    def _as_of(self) -> date:
        request, today = self.request, date.today()
        day = request.date or (min(request.period[1], today) if request.period else today)
        floor = self.rules.meta.covered_from
        if day < floor:
            raise CheckInputError(
                f"{format_date(day)} is before {format_date(floor)}: this tutor's sources cover "
                f"dates from {format_date(floor)} on"
            )
        return day

    def _parameter(self, name: str) -> Parameter:
        parameter = self.rules.parameters.get(name.strip())
        if parameter is None:
            raise CheckInputError(
                f"Unknown parameter {name!r}: known parameters are "
                f"{', '.join(self.rules.parameters)}"
            )
        return parameter

    def _item(self) -> Item | None:
        rules, request = self.rules, self.request
        if request.item:
            return resolve_item(request.item, rules)
        # a later turn that names one item switches to it ("is polyimide listed" -> "what
        # about resist"), as its other values replace the earlier ones
        named = (find_items(turn, rules) for turn in reversed(request.later))
        found = next((f for f in named if len(f) == 1), None) or find_items(
            request.description, rules
        )
        if len(found) > 1:
            matches = ", ".join(f"{rules.items[i].name} ('{w}')" for i, w in found)
            self.add(rules.meta.ambiguous_item, asks="item", matches=matches)
            return None
        if not found:
            if not self.unlisted and not self.listed:  # the exporter's own classification
                self.add(rules.meta.unknown_item)  # needs no match
            return None
        item_id, words = found[0]
        item = rules.items[item_id]
        self.steps.append(Step(
            f"The description mentions '{words}', so it is checked as {item.name}.",
            item.entry.citation,
        ))
        return item

    def _params(self, item: Item, explicit: Mapping[str, Value]) -> dict[str, Value]:
        """Values given explicitly first, then what the description states."""
        stated = extract_parameters(self.request.description, item, self.rules)
        for turn in self.request.later:
            stated = stated.updated_by(extract_parameters(turn, item, self.rules))
        params: dict[str, Value] = {}
        sources = []
        for name in item.parameters:
            if name in explicit:
                params[name] = explicit[name]
                sources.append(f"{name}={format_value(explicit[name])} (given)")
            elif name in stated.values:
                params[name] = stated.values[name]
                sources.append(f"{name}={format_value(params[name])} (from the description: "
                               f"'{stated.evidence[name]}')")
            elif name in stated.conflicts:
                words = "', '".join(stated.conflicts[name])
                self.steps.append(Step(
                    f"The description states differing values for {name} ('{words}'), so "
                    "it is not used: give it explicitly.",
                    item.entry.citation, name,
                ))
        ignored = [n for n in explicit if n not in item.parameters]
        if ignored:
            sources.append(f"ignored (not a parameter of {item.name}): {', '.join(ignored)}")
        if sources:
            self.steps.append(Step("Parameters: " + "; ".join(sources) + ".",
                                   item.entry.citation))
        for name, note in stated.notes.items():
            if name in params and name not in explicit:
                self.add(note, **params)
        for constraint in item.constraints:
            if all(c.evaluate(params) for c in constraint.when) and any(
                c.evaluate(params) is False for c in constraint.require
            ):
                message = fill(constraint.message, params)
                raise CheckInputError(f"Contradictory parameters: {message}")
        return params

    def _destination(self) -> Placement | None:
        rules, request = self.rules, self.request
        found = find_countries(request.description, rules)
        if request.destination:
            country = resolve_country(request.destination, rules)
            how = ""
            others = [words for code, words in found if code != country.code]
            if others:
                how = (f" The description also names '{', '.join(others)}'; this check uses "
                       f"the destination given.")
        elif len(found) == 1:
            country = rules.countries[found[0][0]]
            how = f" (Destination taken from the description: '{found[0][1]}'.)"
        else:
            if found:
                named = ", ".join(f"'{w}'" for _, w in found)
                self.steps.append(Step(
                    f"The description names more than one destination ({named}); give one.",
                    rules.default_group.note.citation, "destination",
                ))
            return None
        placement = place(country, self.as_of, rules)
        text = f"{fill(placement.note.text, {'country': country.name})} {placement.group.caveat}"
        text += how
        self.steps.append(Step(
            f"Destination on {format_date(self.as_of)}: {country.name} ({country.code}), "
            f"{placement.group.name}. {text}", placement.note.citation,
        ))
        return placement

    # -- the item test -------------------------------------------------------------------------

    def _test_item(self, item: Item, params: Mapping[str, Value]) -> str:
        """'listed', 'not_listed' or 'open' (parameters missing, or the rules cannot tell)."""
        statuses = [(clause, *clause.status(params)) for clause in item.clauses]
        matched = [c for c, status, _ in statuses if status == "match"]
        listed = [c for c in matched if c.outcome == "listed"]
        if listed:
            self.add(listed[0].note, **params)
            return "listed"
        if matched:
            self.add(matched[0].note, **params)
            for question in matched[0].questions:
                self.questions.append(question)
            return "open"
        # Ask the kind first: a clause that lacks a choice (the kind of resist) asks only for
        # that, so an EUV buyer is never asked for an e-beam resist's sensitivity.
        needed: set[str] = set()
        for _, status, missing in statuses:
            if status == "open":
                kinds = {n for n in missing if self.rules.parameters[n].kind == "choice"}
                needed |= kinds or set(missing)
        if needed:
            for name in item.parameters:
                if name in needed:
                    self.ask(name, self.rules.parameters[name].question)
            return "open"
        self.add(item.not_listed, **params)
        for note in item.not_listed_notes:
            self.add(note, **params)
        return "not_listed"

    # -- destination, licences, catch-all ------------------------------------------------------

    def _destination_steps(
        self, placement: Placement | None, item: Item | None, outcome: str
    ) -> tuple[str, ...]:
        rules = self.rules
        if placement is None:
            if outcome == "listed":
                self.add(rules.meta.list_control)
            return ()
        if self.as_of < rules.meta.groups_named_from:
            self.add(rules.meta.groups_renamed, date=format_date(self.as_of))
        if outcome != "listed" and (item is None or outcome == "not_listed"):
            return ()
        if outcome == "listed":
            self.add(rules.meta.list_control)
        measures = [m for m in rules.measures if item is not None
                    and m.applies(placement.country.code, item.id, self.form, self.as_of)]
        for measure in measures:
            self.add(measure.note)
        deciding = [m for m in measures if m.licence_types is not None]
        if deciding:
            licence_ids = max(deciding, key=lambda m: m.priority).licence_types or ()
        else:
            group_rule = rules.group_licences[placement.group.code]
            self.add(group_rule.note)
            self.add(rules.other_licences)
            licence_ids = group_rule.licence_types
        names = ", ".join(rules.licence_types[t].name for t in licence_ids)
        prefix = "Licence types" if outcome == "listed" else "If it is listed, the licence types"
        self.steps.append(Step(
            f"{prefix} for {placement.country.name} on {format_date(self.as_of)}: {names}.",
            rules.licence_types[licence_ids[0]].note.citation,
        ))
        return licence_ids

    def _catch_all(self, placement: Placement | None, outcome: str) -> CatchAllInfo:
        rules = self.rules
        catch = rules.catch_all
        if outcome == "listed":
            note, status, questions = catch.listed, "not_relevant", ()
        elif placement is None:
            note, status, questions = catch.unknown_destination, "depends", catch.questions
        elif placement.group.code == "A":
            note, status, questions = catch.group_a, "does_not_apply", ()
        else:
            note, status, questions = catch.applies_if, "applies_if", catch.questions
        values = {"date": format_date(self.as_of),
                  "country": placement.country.name if placement else "the destination"}
        text = fill(note.text, values)
        if outcome in ("open", "unknown") and status != "depends":
            text = f"If the product is not listed: {text[0].lower()}{text[1:]}"
        self.steps.append(Step(text, note.citation))
        if self.form == "technology" and status != "not_relevant":
            self.add(catch.technology)
        if status == "applies_if" and outcome != "open":
            self.questions.extend(q for q in questions if q not in self.questions)
        return CatchAllInfo(status, text, tuple(questions), note.citation)

    def _period_note(self, placement: Placement | None, item: Item | None) -> None:
        """Say so when the year or month asked about straddles a change of the rules."""
        period = self.request.period
        if period is None or placement is None:
            return
        start, end = period
        changes: dict[date, Note] = {}
        spans = [(m.start, m.end, m.note) for m in self.rules.memberships
                 if m.country == placement.country.code]
        if item is not None:
            spans += [(m.start, m.end, m.note) for m in self.rules.measures
                      if placement.country.code in m.countries and item.id in m.items
                      and self.form in m.forms]
        for first, last, note in spans:
            for day in (first, last + timedelta(days=1) if last else None):
                if day is not None and start < day <= end:
                    changes.setdefault(day, note)
        if not changes:
            return
        days = sorted(changes)
        self.steps.append(Step(
            f"The question gives a period ({format_date(start)} to {format_date(end)}); this check "
            f"uses {format_date(self.as_of)}. The rules changed within it on "
            f"{', '.join(format_date(d) for d in days)}: for another day, give an exact date.",
            changes[days[0]].citation, "date",
        ))
