"""The case as lanes of dated states and events, read from the corpus front matter.

The timeline has no list of its own: a `state` document names its lanes and a short state label
in its `timeline` front matter (its period is its valid_from/valid_to), and any document may list
dated `events`, each naming the fact-sheet id it comes from. So the Timeline tab, `bot timeline`
and the quiz's true/false items all read the same, cited dates the chat answers from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import CorpusError
from bot.ingest.documents import SourceDocument, load_corpus, parse_date

# Lane id -> the subject it follows, in display order (top to bottom).
LANES: dict[str, str] = {
    "korea-group": "South Korea's group in Japan's country list",
    "licence-hydrogen-fluoride": "Licence regime: hydrogen fluoride",
    "licence-fluorinated-polyimide": "Licence regime: fluorinated polyimide",
    "licence-resist": "Licence regime: resist",
    "wto": "WTO case DS590",
    "korea-measures": "South Korea's measures against Japan",
}
FACT_ID = re.compile(r"^[TLRKFC]\d+$")


@dataclass(frozen=True)
class State:
    """Something that held in one lane from `start` to `end` (None: it still holds)."""

    lane: str
    label: str
    start: dt.date
    end: dt.date | None
    doc_id: str
    title: str
    source_url: str

    def holds_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Event:
    """Something that happened on one day in one lane, with the fact-sheet id it rests on."""

    lane: str
    day: dt.date
    label: str
    fact: str
    doc_id: str
    title: str
    source_url: str


@dataclass(frozen=True)
class LaneStatus:
    """What a lane says on one day: the states that hold and the last event before it."""

    lane: str
    states: tuple[State, ...]
    last_event: Event | None


@dataclass(frozen=True)
class Timeline:
    states: tuple[State, ...]
    events: tuple[Event, ...]

    def status_on(self, day: dt.date) -> list[LaneStatus]:
        """Each lane's states on `day` and its latest event on or before `day`."""
        out = []
        for lane in LANES:
            states = tuple(s for s in self.states if s.lane == lane and s.holds_on(day))
            past = [e for e in self.events if e.lane == lane and e.day <= day]
            out.append(LaneStatus(lane, states, max(past, key=lambda e: e.day, default=None)))
        return out

    def event_by_key(self, key: str) -> Event | None:
        """The event whose `event_key` is `key` (the UI's list passes keys, not objects)."""
        return next((e for e in self.events if event_key(e) == key), None)


def event_key(event: Event) -> str:
    return f"{event.day.isoformat()} · {event.label} ({LANES[event.lane]})"


def _lanes(raw: object, where: str) -> list[str]:
    lanes = raw if isinstance(raw, list) else [raw]
    unknown = [str(lane) for lane in lanes if lane not in LANES]
    if unknown:
        raise CorpusError(
            f"{where}: timeline lane(s) {', '.join(unknown)} not one of {list(LANES)}"
        )
    return [str(lane) for lane in lanes]


def _states(doc: SourceDocument) -> list[State]:
    spec = doc.timeline
    if "state" not in spec and "lanes" not in spec:
        return []
    if doc.kind != "state" or doc.valid_from is None:
        raise CorpusError(f"{doc.path}: only a document of kind 'state' has timeline lanes/state")
    if not str(spec.get("state") or "").strip():
        raise CorpusError(f"{doc.path}: timeline lanes need a short `state` label")
    return [
        State(
            lane,
            str(spec["state"]),
            doc.valid_from,
            doc.valid_to,
            doc.id,
            doc.title,
            doc.source_url,
        )
        for lane in _lanes(spec.get("lanes"), doc.path)
    ]


def _events(doc: SourceDocument) -> list[Event]:
    raw = doc.timeline.get("events") or []
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise CorpusError(f"{doc.path}: timeline events must be a list of mappings")
    events = []
    for item in raw:
        missing = [k for k in ("date", "lane", "label", "fact") if not item.get(k)]
        if missing:
            raise CorpusError(f"{doc.path}: a timeline event lacks {', '.join(missing)}")
        if not FACT_ID.match(str(item["fact"])):
            raise CorpusError(f"{doc.path}: event fact {item['fact']!r} is not a fact id (T16)")
        day = parse_date(item["date"], where=doc.path, field_name="timeline.events.date")
        (lane,) = _lanes(item["lane"], doc.path)
        events.append(
            Event(
                lane, day, str(item["label"]), str(item["fact"]), doc.id, doc.title, doc.source_url
            )
        )
    return events


def build_timeline(docs: list[SourceDocument]) -> Timeline:
    """Collect every state and event from the documents' front matter, in date order."""
    states = [s for doc in docs for s in _states(doc)]
    events = [e for doc in docs for e in _events(doc)]
    return Timeline(
        tuple(sorted(states, key=lambda s: (list(LANES).index(s.lane), s.start))),
        tuple(sorted(events, key=lambda e: (e.day, list(LANES).index(e.lane)))),
    )


def load_timeline(corpus_dir: Path) -> Timeline:
    return build_timeline(load_corpus(corpus_dir))
