"""Turn the rule files' YAML into `Rules`, refusing anything a reviewer could not trust.

Checks that need more than one field live here and in rules_items.py (items and parameters)
and rules_reader.py (notes): citations must name a document in meta.documents, conditions may
only test the item's own parameters, a country may be in one group on any day, and two
measures may not claim the same case at the same priority. A verdict
built from rules that passed these checks cannot silently depend on a typo.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from bot.checking.iso_countries import is_country_code, iso_countries
from bot.checking.model import (
    CONTEXT_FIELDS,
    FORMS,
    CatchAll,
    Country,
    Group,
    GroupLicences,
    Item,
    LicenceType,
    Measure,
    Membership,
    Meta,
    Note,
    Rules,
    RulesError,
    compile_terms,
    normalise_name,
)
from bot.checking.rules_items import NAME_ID, ItemsReader
from bot.checking.rules_yaml import YamlNode, read_sections

_DOC_ID = re.compile(r"^[a-z0-9-]+$")
_CODE = re.compile(r"^[A-Z]{2}$")
_GROUP_CODE = re.compile(r"^[A-Z]$")


def load_rules(rules_dir: Path | str) -> Rules:
    """Load and validate every *.yaml file in `rules_dir` (the caller's settings.rules_dir).

    Cached on the files' names, sizes and modification times, so repeated checks are cheap and
    an edited rule file is picked up.
    """
    directory = Path(rules_dir)
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise RulesError(str(directory), "(directory)", "no rule files (*.yaml) found")
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _load(str(directory), stamp)


@functools.lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple[tuple[str, int, int], ...]) -> Rules:
    return build_rules(directory, [Path(path) for path, _, _ in stamp])


def build_rules(directory: str, paths: Sequence[Path]) -> Rules:
    """Read and validate the rule files in `paths` (all of `directory`'s *.yaml)."""
    return _Builder(directory, read_sections(directory, paths)).build()


class _Builder(ItemsReader):
    """Turns validated YAML sections into `Rules`, checking cross-references."""

    def build(self) -> Rules:
        s = self.sections
        meta = self._meta(s["meta"])
        self.parameters = self._parameters(s["parameters"])
        items = self._items(s["items"])
        countries = self._countries(s["countries"])
        groups, memberships = self._groups(s["groups"], s["memberships"], countries)
        lookup = self._country_lookup(countries)
        text_lookup, text_terms = self._text_lookup(countries, s["places"])
        licence_types = self._licence_types(s["licence_types"])
        catch = s["catch_all"].mapping(
            ["citation", "listed", "group_a", "applies_if", "unknown_destination", "questions",
             "technology"]
        )
        citation = self._citation(catch["citation"])
        return Rules(
            source=self.directory,
            meta=meta,
            parameters=self.parameters,
            technology=self._technology(s["technology"]),
            items=items,
            countries=countries,
            country_lookup=lookup,
            country_text_pattern=compile_terms(text_terms),
            country_text_lookup=text_lookup,
            groups=groups,
            memberships=memberships,
            licence_types=licence_types,
            group_licences=self._group_licences(s["group_licences"], groups, licence_types),
            other_licences=self._note(s["other_licences"], ()),
            measures=self._measures(s["measures"], countries, items, licence_types),
            catch_all=CatchAll(
                listed=self._note(catch["listed"], CONTEXT_FIELDS, citation),
                group_a=self._note(catch["group_a"], CONTEXT_FIELDS, citation),
                applies_if=self._note(catch["applies_if"], CONTEXT_FIELDS, citation),
                unknown_destination=self._note(
                    catch["unknown_destination"], CONTEXT_FIELDS, citation
                ),
                questions=catch["questions"].texts(),
                technology=self._note(catch["technology"], CONTEXT_FIELDS),
            ),
        )

    # -- sections ------------------------------------------------------------------------------

    def _meta(self, node: YamlNode) -> Meta:
        m = node.mapping([
            "covered_from", "groups_named_from", "disclaimer", "documents", "questions",
            "unknown_item", "stated_unlisted", "stated_listed", "classification", "ambiguous_item",
            "list_control", "groups_renamed",
        ])
        for doc_node in m["documents"].list():
            self.documents.add(doc_node.new_name(
                _DOC_ID, self.documents, "is not a new document id of the form [a-z0-9-]+"
            ))
        questions = m["questions"].mapping(["item", "destination"])
        return Meta(
            covered_from=m["covered_from"].day(),
            groups_named_from=m["groups_named_from"].day(),
            disclaimer=m["disclaimer"].text(),
            documents=tuple(self.documents),
            item_question=questions["item"].text(),
            destination_question=questions["destination"].text(),
            unknown_item=self._note(m["unknown_item"], ()),
            stated_unlisted=self._note(m["stated_unlisted"], ()),
            stated_listed=self._note(m["stated_listed"], ()),
            classification=self._note(m["classification"], ()),
            ambiguous_item=self._note(m["ambiguous_item"], {"matches"}),
            list_control=self._note(m["list_control"], CONTEXT_FIELDS),
            groups_renamed=self._note(m["groups_renamed"], CONTEXT_FIELDS),
        )

    def _countries(self, node: YamlNode) -> dict[str, Country]:
        """ISO countries (pycountry) plus the aliases the rules add, by alpha-2 code."""
        aliases: dict[str, tuple[str, ...]] = {}
        m = node.mapping(["aliases"])
        for code, names in m["aliases"].mapping(optional=None).items():
            if not _CODE.match(code) or not is_country_code(code):
                names.fail(f"{code!r} is not an ISO 3166 alpha-2 country code")
            aliases[code] = names.texts()
        return iso_countries(aliases)

    def _country_code(self, node: YamlNode, countries: Mapping[str, Country]) -> str:
        code = node.value
        if not isinstance(code, str) or code not in countries:
            node.fail(f"{code!r} is not a country code in countries (quote codes such as \"NO\")")
        return code

    def _country_lookup(self, countries: Mapping[str, Country]) -> dict[str, str]:
        lookup: dict[str, str] = {}
        node = self.sections["countries"].child("aliases", None)
        for country in countries.values():
            for name in (country.code, country.alpha3, country.name, *country.aliases):
                key = normalise_name(name)
                if lookup.setdefault(key, country.code) != country.code:
                    node.child(country.code, name).fail(
                        f"name '{name}' is also used by {lookup[key]}"
                    )
        return lookup

    def _text_lookup(
        self, countries: Mapping[str, Country], places: YamlNode
    ) -> tuple[dict[str, str], list[str]]:
        """Names findable in free text (names, aliases, places; never bare ISO codes)."""
        lookup: dict[str, str] = {}
        terms: list[str] = []
        for country in countries.values():
            for name in (country.name, *country.aliases):
                lookup[normalise_name(name)] = country.code
                terms.append(name)
        for place, code_node in places.mapping(optional=None).items():
            code = self._country_code(code_node, countries)
            if lookup.setdefault(normalise_name(place), code) != code:
                code_node.fail(f"'{place}' is already a name of {lookup[normalise_name(place)]}")
            terms.append(place)
        return lookup, terms

    def _groups(
        self, node: YamlNode, dated: YamlNode, countries: Mapping[str, Country]
    ) -> tuple[dict[str, Group], tuple[Membership, ...]]:
        groups: dict[str, Group] = {}
        spans: list[tuple[Membership, YamlNode]] = []
        for g in node.list():
            m = g.mapping(
                ["code", "name", "citation", "facts", "confidence", "text", "caveat", "members"],
                ["former_name", "default"],
            )
            code = m["code"].new_name(_GROUP_CODE, groups, "must be a new one-letter group code")
            note = self._note_fields(m, {"country"})
            groups[code] = Group(
                code=code, name=m["name"].text(),
                former_name=m["former_name"].text() if "former_name" in m else "",
                default=m["default"].flag() if "default" in m else False,
                confidence=m["confidence"].text(), note=note, caveat=m["caveat"].text(),
            )
            for member in m["members"].list():
                country = self._country_code(member, countries)
                spans.append((Membership(country, code, None, None, note), member))
        if sum(g.default for g in groups.values()) != 1:
            node.fail("exactly one group must have 'default: true'")
        for d in dated.list():
            m = d.mapping(["country", "group", "text", "citation", "facts"], ["from", "to"])
            group = m["group"].text()
            if group not in groups:
                m["group"].fail(f"unknown group '{group}'")
            start, end = self._dates(m, d)
            note = self._note_fields(m, {"country"})
            spans.append((Membership(self._country_code(m["country"], countries), group,
                                     start, end, note), d))
        _check_overlaps(spans)
        return groups, tuple(span for span, _ in spans)

    def _licence_types(self, node: YamlNode) -> dict[str, LicenceType]:
        out: dict[str, LicenceType] = {}
        for t in node.list():
            m = t.mapping(["id", "name", "description", "citation", "facts"])
            type_id = m["id"].new_name(NAME_ID, out, "must be a new lowercase id")
            out[type_id] = LicenceType(
                id=type_id, name=m["name"].text(), description=m["description"].text(),
                note=Note(m["description"].text(), self._citation(m["citation"]),
                          self._facts(m["facts"])),
            )
        return out

    def _type_list(
        self, node: YamlNode, licence_types: Mapping[str, LicenceType]
    ) -> tuple[str, ...]:
        return node.known_texts(licence_types, "unknown licence type '{}'")

    def _group_licences(
        self, node: YamlNode, groups: Mapping[str, Group], licence_types: Mapping[str, LicenceType]
    ) -> dict[str, GroupLicences]:
        out: dict[str, GroupLicences] = {}
        for g in node.list():
            m = g.mapping(["group", "licence_types", "text", "citation", "facts"])
            group = m["group"].text()
            if group not in groups or group in out:
                m["group"].fail(f"'{group}' is not a group, or is given twice")
            out[group] = GroupLicences(
                group=group,
                licence_types=self._type_list(m["licence_types"], licence_types),
                note=self._note_fields(m, CONTEXT_FIELDS),
            )
        for group in groups:
            if group not in out:
                node.fail(f"group '{group}' has no entry")
        return out

    def _measures(
        self, node: YamlNode, countries: Mapping[str, Country], items: Mapping[str, Item],
        licence_types: Mapping[str, LicenceType],
    ) -> tuple[Measure, ...]:
        measures: list[tuple[Measure, YamlNode]] = []
        for mn in node.list():
            m = mn.mapping(
                ["id", "countries", "items", "forms", "text", "citation", "facts"],
                ["from", "to", "priority", "licence_types"],
            )
            measure_items = m["items"].known_texts(items, "unknown item '{}'")
            forms = m["forms"].known_texts(FORMS, f"form must be one of {', '.join(FORMS)}")
            start, end = self._dates(m, mn)
            measures.append((Measure(
                id=m["id"].text(),
                countries=tuple(self._country_code(c, countries) for c in m["countries"].list()),
                items=measure_items,
                forms=forms,
                start=start,
                end=end,
                priority=m["priority"].integer() if "priority" in m else 0,
                licence_types=self._type_list(m["licence_types"], licence_types)
                if "licence_types" in m else None,
                note=self._note_fields(m, CONTEXT_FIELDS),
            ), mn))
        for i, (a, _) in enumerate(measures):
            for b, b_node in measures[i + 1:]:
                if (a.licence_types is not None and b.licence_types is not None
                        and a.priority == b.priority and set(a.countries) & set(b.countries)
                        and set(a.items) & set(b.items) and set(a.forms) & set(b.forms)
                        and _overlap(a.start, a.end, b.start, b.end)):
                    b_node.fail(f"overlaps measure '{a.id}' with the same priority; "
                                "give one a higher priority")
        return tuple(m for m, _ in measures)


def _overlap(a0: date | None, a1: date | None, b0: date | None, b1: date | None) -> bool:
    return (a0 is None or b1 is None or a0 <= b1) and (b0 is None or a1 is None or b0 <= a1)


def _check_overlaps(spans: list[tuple[Membership, YamlNode]]) -> None:
    """A country may be in only one group on any day."""
    by_country: dict[str, list[tuple[Membership, YamlNode]]] = {}
    for span, node in spans:
        for other, _ in by_country.get(span.country, []):
            if _overlap(span.start, span.end, other.start, other.end):
                node.fail(f"{span.country} is in group {span.group} and group {other.group} "
                          "on the same day")
        by_country.setdefault(span.country, []).append((span, node))
