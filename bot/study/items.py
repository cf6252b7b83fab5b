"""Quiz items generated from the course: blanks in cited sentences and dated true/false states.

Nothing here is a hand-written question: a fill-in item blanks a typed value (date, number,
identifier) out of a corpus sentence, and its distractors are values of the same type from
other documents; a true/false item states a timeline state on a day well inside its period.
The same seed gives the same items, so a printed quiz and its Moodle import agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from dataclasses import dataclass, field

from bot.ingest.documents import SourceDocument
from bot.study.spans import DAY_MONTH_YEAR, Span, body_sentences, find_spans, long_date
from bot.study.timeline import LANES, Timeline

TOPICS: dict[str, str] = {
    "timeline": "Timeline of the case",
    "white-list": "The white list (Group A)",
    "three-items": "The three items",
    "law": "The law",
    "wto": "The WTO case DS590",
    "korea-measures": "Korea's measures",
}
MIXED = "mixed"
# Which documents feed which topic, read from their ids and kinds (several topics may share one).
TOPIC_PATTERNS = {
    "white-list": r"white-list|group|appended-table-3",
    "three-items": r"three-items|resist|polyimide|hydrogen-fluoride|appended-table-1|first-lic",
    "law": r"fefta|export-trade-control|foreign-exchange|catch-all|licence-types|penalt|record",
    "wto": r"^wto-|gsomia",
    "korea-measures": r"^korea-",
}
LANE_TOPICS = {
    "korea-group": ("white-list", "timeline"),
    "licence-hydrogen-fluoride": ("three-items", "timeline"),
    "licence-fluorinated-polyimide": ("three-items", "timeline"),
    "licence-resist": ("three-items", "timeline"),
    "wto": ("wto", "timeline"),
    "korea-measures": ("korea-measures", "timeline"),
}
BLANK = "_____"
STATE_MARGIN_DAYS = 30  # a true/false day sits this far from any change in its lane
MIN_WORD_OVERLAP = 0.5  # a sentence this close to the question could make a distractor true
WORD = re.compile(r"[A-Za-z][A-Za-z-]+")


@dataclass(frozen=True)
class Item:
    """One question with its answer, its choices and the sentence that proves it."""

    id: str
    kind: str  # multichoice | shortanswer | truefalse
    answer_type: str  # date | number | identifier | state
    topics: tuple[str, ...]
    question: str
    answer: str  # the correct choice; "true" or "false" for a true/false item
    sentence: str  # the course sentence that answers it (cited in the feedback)
    doc_id: str
    title: str
    source_url: str
    choices: tuple[str, ...] = ()
    ask: str = ""  # what the consistency check asks the tutor
    as_of: str = ""  # ISO day the question is about (true/false) or asked as of
    fact_docs: tuple[str, ...] = field(default_factory=tuple)  # docs a right answer cites


def topics_of(doc: SourceDocument) -> tuple[str, ...]:
    found = [t for t, pattern in TOPIC_PATTERNS.items() if re.search(pattern, doc.id)]
    if doc.kind in ("event", "timeline", "state"):
        found.append("timeline")
    if doc.doc_type == "regulation" and "law" not in found:
        found.append("law")
    return tuple(found)


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _seeded(seed: int, key: str) -> random.Random:
    return random.Random(f"{seed}:{key}")


def _item_id(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:10]


@dataclass(frozen=True)
class _Value:
    """One typed value in the corpus, with what the distractor rules compare (precomputed)."""

    span: Span
    doc_id: str
    key: str
    words: frozenset[str]


@dataclass(frozen=True)
class _Pool:
    """Every typed value in the corpus."""

    values: tuple[_Value, ...]

    def distractors(self, span: Span, doc_id: str, sentence: str, rng: random.Random) -> list[str]:
        """Up to three values of the same type from other documents that cannot also be true."""
        context = _words(sentence[: span.start] + sentence[span.end :])
        need = MIN_WORD_OVERLAP * max(len(context), 1)
        excluded = {span.key} | {v.key for v in self.values if v.doc_id == doc_id}
        excluded |= {v.key for v in self.values if len(context & v.words) >= need}
        seen: dict[str, str] = {}
        for v in self.values:
            same_type = (v.span.kind, v.span.unit) == (span.kind, span.unit)
            if same_type and v.doc_id != doc_id and v.key not in excluded:
                seen.setdefault(v.key, v.span.text)
        options = sorted(seen.values())
        rng.shuffle(options)
        return options[:3]


def _pool(docs: list[SourceDocument]) -> _Pool:
    return _Pool(
        tuple(
            _Value(span, doc.id, span.key, frozenset(_words(s)))
            for doc in docs
            for s in body_sentences(doc.text)
            for span in find_spans(s)
        )
    )


def _cloze(doc: SourceDocument, sentence: str, span: Span, pool: _Pool, seed: int) -> Item | None:
    rng = _seeded(seed, f"{doc.id}:{sentence}:{span.start}")
    blanked = sentence[: span.start] + BLANK + sentence[span.end :]
    undated = span.kind != "date" and not DAY_MONTH_YEAR.search(blanked)
    if doc.kind == "state" and doc.valid_from and undated:
        blanked = f"(As of {long_date(doc.valid_from)}) {blanked}"  # a state needs its date
    distractors = pool.distractors(span, doc.id, sentence, rng)
    typed = span.kind in ("date", "number")
    kind = "shortanswer" if typed and rng.random() < 0.4 else "multichoice"
    if kind == "multichoice" and len(distractors) < 3:
        if not typed:
            return None
        kind = "shortanswer"
    choices = ()
    if kind == "multichoice":
        choices = tuple(sorted([span.text, *distractors], key=lambda _: rng.random()))
    prompt = "Fill in the blank" if kind == "shortanswer" else "Choose the missing value"
    what = span.unit if span.kind == "identifier" else span.kind
    return Item(
        id=_item_id(doc.id, sentence, str(span.start)),
        kind=kind,
        answer_type=span.kind,
        topics=topics_of(doc),
        question=f"{prompt} ({what}): {blanked}",
        answer=span.text,
        sentence=sentence,
        doc_id=doc.id,
        title=doc.title,
        source_url=doc.source_url,
        choices=choices,
        ask=re.sub(r"\s+", " ", blanked.replace(BLANK, _question_words(span))).strip(),
        # A blanked date is asked about all periods; another value in a state document is
        # asked on the state's first day, when the state holds.
        as_of=doc.valid_from.isoformat()
        if undated and doc.kind == "state" and doc.valid_from
        else "",
        fact_docs=(doc.id,),
    )


def _question_words(span: Span) -> str:
    """What the blank asks, so the tutor is asked a question, not a sentence with a hole."""
    if span.kind == "date":
        return "which date"
    if span.kind == "number":
        return "what percentage" if span.unit == "%" else f"how many {span.unit}"
    return f"which {span.unit}"


def cloze_items(docs: list[SourceDocument], seed: int) -> list[Item]:
    """One item per sentence that holds exactly one value of its type."""
    pool = _pool(docs)
    items = []
    for doc in docs:
        for sentence in body_sentences(doc.text):
            spans = find_spans(sentence)
            for span in spans:
                if sum(s.kind == span.kind for s in spans) != 1:
                    continue
                item = _cloze(doc, sentence, span, pool, seed)
                if item is not None:
                    items.append(item)
    return items


def _changes(timeline: Timeline, lane: str) -> list[dt.date]:
    states = [s for s in timeline.states if s.lane == lane]
    return [s.start for s in states] + [s.end + dt.timedelta(1) for s in states if s.end]


def _best_sentence(docs: dict[str, SourceDocument], doc_id: str, label: str) -> str:
    """The document's sentence closest in words to a state label (what the feedback quotes)."""
    words = _words(label)
    return max(
        body_sentences(docs[doc_id].text),
        key=lambda s: len(words & _words(s)) / len(words | _words(s)),  # Jaccard: concise wins
    )


def state_items(docs: list[SourceDocument], timeline: Timeline, seed: int) -> list[Item]:
    """A true and a false statement for a day inside each state, far from any change.

    An open-ended state is sampled up to a year after the last recorded change, not up to
    today, so the same seed gives the same quiz on any day.
    """
    by_id = {d.id: d for d in docs}
    dated = [s.start for s in timeline.states] + [e.day for e in timeline.events]
    horizon = max(dated) + dt.timedelta(365)
    items = []
    for state in timeline.states:
        rng = _seeded(seed, f"{state.doc_id}:{state.lane}")
        end = state.end or horizon
        changes = _changes(timeline, state.lane)
        days = [
            state.start + dt.timedelta(d)
            for d in range((end - state.start).days + 1)
            if all(
                abs((state.start + dt.timedelta(d) - c).days) > STATE_MARGIN_DAYS for c in changes
            )
        ]
        if not days:
            continue
        day = rng.choice(days)
        lane_states = [s for s in timeline.states if s.lane == state.lane]
        holding = [s for s in lane_states if s.holds_on(day)]
        held_labels = {s.label for s in holding}
        false_labels = sorted({s.label for s in lane_states} - held_labels)
        statements = [(state.label, "true")]
        if false_labels:
            statements.append((rng.choice(false_labels), "false"))
        for label, truth in statements:
            subject = LANES[state.lane]
            proof = state if truth == "true" else holding[0]
            items.append(
                Item(
                    id=_item_id(state.doc_id, state.lane, day.isoformat(), label),
                    kind="truefalse",
                    answer_type="state",
                    topics=LANE_TOPICS[state.lane],
                    question=f"True or false? On {long_date(day)} ({subject}): {label}.",
                    answer=truth,
                    sentence=_best_sentence(by_id, proof.doc_id, proof.label),
                    doc_id=proof.doc_id,
                    title=proof.title,
                    source_url=proof.source_url,
                    ask=f"{subject}: {label}?",
                    as_of=day.isoformat(),
                    fact_docs=tuple(s.doc_id for s in holding),
                )
            )
    return items


def generate_items(docs: list[SourceDocument], timeline: Timeline, seed: int) -> list[Item]:
    """Every candidate item, in a fixed order (the quiz picks from these with the seed)."""
    return cloze_items(docs, seed) + state_items(docs, timeline, seed)


def for_topic(items: list[Item], topic: str) -> list[Item]:
    return list(items) if topic == MIXED else [i for i in items if topic in i.topics]
