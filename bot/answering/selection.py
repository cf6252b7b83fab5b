"""Which scored sentences make the answer: the best few, an overview, the state on the date.

A precise question gets the best sentence and a few close to it from one document per
period; a broad one gets the lead fact of each of a few documents; a question about the state
on a date is answered from the document describing that state, with the earlier state after it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from functools import lru_cache

from bot.answering.sentences import Candidate, is_state
from bot.dates import Period, mentioned_dates, names_a_day

MAX_SENTENCES = 6

SCORE_MARGIN = 0.2

DUPLICATE_SIMILARITY = 0.85

STATE_QUESTION = re.compile(r"^\s*(is|are|was|were|does|do|can|may)\b", re.IGNORECASE)

NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")

EVENT_KINDS = ("event", "timeline")  # front-matter kinds of documents that tell what happened

MAX_DOCS = 1  # per period: one document for the state on the date, one for its history

NEXT_SENTENCE_BONUS = 0.05

# Broad questions ("explain ...", "what happened ...") get the lead fact of a few documents.
OVERVIEW_DOCS = 4

OVERVIEW_MARGIN = 0.05

# An overview quotes a document's earliest dated event within this much of its best sentence.
EARLIEST_EVENT_MARGIN = 0.1

# A short answer is filled to this many sentences from its lead document, within this margin.
MIN_SENTENCES = 3

FILL_MARGIN = 0.45

# A sentence beside the lead (a supporting one, an overview's, a fill) needs this share of the
# evidence threshold; the lead itself needs all of it.
SUPPORT_SHARE = 0.8


def current_states(current: list[Candidate], threshold: float) -> list[Candidate]:
    """For a question about the state today: the state documents, when an event would lead.

    The removal of 2019 is a true event, but on a date in 2024 "Is South Korea on the white
    list?" is answered by the document that describes the state then. A timeless background
    fact ("Is fluorinated polyimide entry 1C009.b?") is not displaced.
    """
    usable = [c for c in current if c.similarity >= threshold]
    if not usable:
        return []
    lead = max(usable, key=lambda c: c.score)
    if str(lead.hit.metadata.get("kind", "")) not in EVENT_KINDS:
        return []
    return [c for c in current if is_state(c)]


def _repeats(cand: Candidate, other: Candidate) -> bool:
    """Says the same thing: close in meaning and no number or date the other lacks."""
    if float(cand.vector @ other.vector) <= DUPLICATE_SIMILARITY:
        return False
    return set(NUMBERS.findall(cand.text)) <= set(NUMBERS.findall(other.text))


# "Sources give three dates for the end of DS590." is incomplete without the three dates, which
# follow it and may not name DS590 at all (so their similarity to the question is low).
ANNOUNCES = re.compile(
    r"(?<!\bthe )(?<!\bthese )(?<!\bthose )(?<!\bits )(?<!\btheir )"  # "the three items": a name
    r"\b(two|three|four|[2-4])\s+(?:\w+\s+)?(?:dates|reasons|conditions|changes|steps|"
    r"items|ways|types|kinds|groups|criteria|parts|points|measures|requirements)\b",
    re.IGNORECASE,
)
COUNT_WORDS = {"two": 2, "three": 3, "four": 4}

# A bullet in the passage's text, just before a sentence: the sentence is one item of a list.
BULLET = re.compile(r"(?:^|\n)[ \t]*[-*\u2022][ \t]+$")


def _follows(cand: Candidate, chosen: list[Candidate]) -> bool:
    """True for the sentence right after a chosen one (same document, only whitespace between),
    and for the one right before a chosen sentence that leans on it."""
    start = cand.doc_start
    end = start + len(cand.text)
    doc = cand.doc_id
    for c in chosen:
        if c.doc_id != doc:
            continue
        if 0 <= start - (c.doc_start + len(c.text)) <= 3:
            return True
        if 0 <= c.doc_start - end <= 3 and c.leans_back:
            return True
    return False


def select(
    cands: list[Candidate], threshold: float, whole_lists: bool = False
) -> list[Candidate]:
    """The best sentence and a few more close to it, skipping near-repeats.

    The sentence right after a chosen one is exempt from the margin and goes first: "Japan
    named three conditions." is usually followed by the conditions. A sentence naming the asked
    day or name is evidence even when it is the only one ("what is stella chemifa"). A
    sentence that a list follows ("... are listed below.") brings the list; with `whole_lists`
    (a question after kinds or an overview), so does any chosen item of a list.
    """
    cands = [_as_evidence(c, threshold) for c in cands]
    if not cands or max(c.similarity for c in cands) < threshold:
        return []
    chosen: list[Candidate] = []
    best = max(c.score for c in cands)
    while len(chosen) < MAX_SENTENCES:
        announced = [
            c
            for c in _announced(cands, chosen, whole_lists)
            if not any(_repeats(c, x) for x in chosen)
        ]
        if announced:
            chosen.append(announced[0])
            continue
        ranked = sorted(
            (c for c in cands if c not in chosen),
            key=lambda c: -(c.score + (NEXT_SENTENCE_BONUS if _follows(c, chosen) else 0.0)),
        )
        picked = _first_acceptable(ranked, chosen, best, threshold)
        if picked is None:
            break
        chosen.append(picked)
    return chosen


def _announced(
    cands: list[Candidate], chosen: list[Candidate], whole_lists: bool = False
) -> list[Candidate]:
    """The sentences a chosen one announces ("... three dates ..."), in reading order."""
    out: list[Candidate] = []
    for lead in chosen:
        items = _list_after(lead, cands)
        if whole_lists and is_list_item(lead):
            items = _list_around(lead, cands)
        out.extend(c for c in items if c not in chosen and c not in out)
        count = _announced_count(lead.text)
        if not count:
            continue
        after = sorted(
            (
                c
                for c in cands
                if c.hit.doc_id == lead.hit.doc_id and c.doc_start > lead.doc_start
            ),
            key=lambda c: c.doc_start,
        )
        out.extend(c for c in after[:count] if c not in chosen and c not in out)
    return out


def is_list_item(cand: Candidate) -> bool:
    return bool(BULLET.search(cand.hit.text[max(0, cand.start - 8) : cand.start]))


def _list_after(lead: Candidate, cands: list[Candidate]) -> list[Candidate]:
    """The list that follows a sentence that is not itself an item ("... listed below.")."""
    if is_list_item(lead):
        return []
    return _run(lead, cands, 1)[1:]


def _list_around(item: Candidate, cands: list[Candidate]) -> list[Candidate]:
    """All the items of the list `item` belongs to, in reading order."""
    before = _run(item, cands, -1)
    return [*reversed(before[1:]), *_run(item, cands, 1)]


def _run(start: Candidate, cands: list[Candidate], step: int) -> list[Candidate]:
    """`start`, then the list items that follow it (step 1) or precede it (step -1) in its
    passage, with nothing but a bullet and whitespace between neighbours."""
    same = sorted((c for c in cands if c.hit.chunk_id == start.hit.chunk_id), key=lambda c: c.start)
    run = [start]
    i = same.index(start) + step
    while 0 <= i < len(same) and is_list_item(same[i]):
        near, far = (same[i], run[-1]) if step < 0 else (run[-1], same[i])
        if start.hit.text[near.end : far.start].strip(" \t\n-*\u2022"):
            break
        run.append(same[i])
        i += step
    return run


@lru_cache(maxsize=8192)
def _announced_count(text: str) -> int:
    """How many sentences the text announces ("three dates"), 0 for none. Cached: the choice
    of an answer asks it of every chosen sentence at every step."""
    m = ANNOUNCES.search(text)
    if not m:
        return 0
    word = m.group(1).lower()
    return int(word) if word.isdigit() else COUNT_WORDS[word]


def filled(chosen: list[Candidate], cands: list[Candidate], threshold: float) -> list[Candidate]:
    """Sentences from the lead's own document and period that round off a short answer.

    The lead document was picked as the one that answers; a one- or two-sentence answer then
    often stops at the score margin just before the sentence holding the asked fact (the
    date beside the event, the name beside the meeting). Within the lead document a wider
    margin is safe: the extra sentences tell more of the same story, never another one.
    """
    if not chosen or len(chosen) >= MIN_SENTENCES:
        return []
    lead = chosen[0]
    pool = sorted(
        (
            c
            for c in cands
            if c.hit.doc_id == lead.hit.doc_id
            and c.period is lead.period
            and c.score >= lead.score - FILL_MARGIN
            and c.similarity >= threshold * SUPPORT_SHARE
        ),
        key=lambda c: -c.score,
    )
    extra: list[Candidate] = []
    for cand in pool:
        if len(chosen) + len(extra) >= MIN_SENTENCES:
            break
        if cand not in chosen and not any(_repeats(cand, c) for c in (*chosen, *extra)):
            extra.append(cand)
    return extra


def _as_evidence(cand: Candidate, threshold: float) -> Candidate:
    """A sentence naming the asked-about day, or holding every rare term of the question (a
    name), counts as close enough, whatever its wording."""
    if (cand.names_day or cand.names_subject) and cand.similarity < threshold:
        return replace(cand, similarity=threshold)
    return cand


def _first_acceptable(
    ranked: list[Candidate], chosen: list[Candidate], best: float, threshold: float
) -> Candidate | None:
    for cand in ranked:
        follows = _follows(cand, chosen)
        if cand.similarity < threshold * (0.5 if follows else SUPPORT_SHARE):
            continue
        if not follows and cand.score < best - SCORE_MARGIN:
            continue
        if any(_repeats(cand, c) for c in chosen):
            continue
        docs = {c.hit.doc_id for c in chosen if c.period is cand.period}
        if cand.hit.doc_id not in docs and len(docs) >= MAX_DOCS:
            continue
        return cand
    return None


def earlier_state(
    question: str, cands: list[Candidate], chosen: list[Candidate], threshold: float
) -> list[Candidate]:
    """The state that held before, when the answer speaks of a state that changed.

    A student asking "Is South Korea in Group A?" in 2024 should also read that it was not,
    until 20 July 2023: one sentence from a document whose period has ended.
    """
    if not STATE_QUESTION.match(question) or any(c.period is Period.HISTORY for c in chosen):
        return []
    starts = [str(c.hit.metadata["valid_from"]) for c in chosen if c.hit.metadata.get("valid_from")]
    if not starts:
        return []
    if any(d.isoformat() < max(starts) for c in chosen for d in mentioned_dates(c.text)):
        return []  # the answer already tells what held before its period began
    ended = [
        c
        for c in cands
        if c.period is Period.HISTORY
        and c.hit.metadata.get("valid_to")
        and c.similarity >= threshold
    ]
    return [max(ended, key=lambda c: c.score)] if ended else []


def select_overview(cands: list[Candidate], threshold: float) -> list[Candidate]:
    """The lead fact of each of the few best documents, in time order when they are events.

    "How did Korea respond?" is answered by several documents (the WTO complaint, Korea's own
    whitelist change, the GSOMIA notice), not by the best sentences of one of them.
    """
    best_by_doc: dict[str, Candidate] = {}
    for cand in cands:
        if cand.period is not Period.CURRENT:
            continue
        if cand.similarity < threshold * SUPPORT_SHARE and not cand.names_day:
            continue
        held = best_by_doc.get(cand.hit.doc_id)
        if held is None or cand.score > held.score:
            best_by_doc[cand.hit.doc_id] = cand
    if not best_by_doc:
        return []
    ranked = sorted(best_by_doc.values(), key=lambda c: -c.score)
    ranked = [_earliest_near(best, cands, threshold) for best in ranked]
    top = ranked[0].score
    chosen: list[Candidate] = []
    for cand in ranked:
        if len(chosen) >= OVERVIEW_DOCS or cand.score < top - OVERVIEW_MARGIN:
            break
        if any(_repeats(cand, c) for c in chosen):
            continue
        chosen.append(cand)
    return sorted(chosen, key=_event_order)


# "the difference between list control and catch all", "parameter sheet vs item comparison
# table": the two things compared.
SIDES = re.compile(
    r"\bdifference\s+between\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)(?=\s*(?:[?.!,;(]|\s-\s|\blike\b|$))"
    r"|^(?:\W*(?:explain|compare)\s+)?(?P<c>[\w' -]+?)\s+(?:vs\.?|versus|compared\s+(?:to|with))\s+"
    r"(?P<d>.+?)(?=\s*(?:[?.!,;(]|\s-\s|\blike\b|$))",
    re.IGNORECASE,
)


def compared_sides(question: str) -> tuple[str, str] | None:
    m = SIDES.search(question)
    if not m:
        return None
    return (m["a"], m["b"]) if m["a"] else (m["c"], m["d"])


def with_both_sides(
    chosen: list[Candidate], cands: list[Candidate], sides: tuple[str, str], threshold: float
) -> list[Candidate]:
    """A comparison answered about one side only ("the difference between individual and
    bulk licence" quoting the bulk licences alone) gets the best sentence naming the other."""
    out = list(chosen)
    for side in sides:
        named = _phrase(side)
        if named is None or any(named.search(c.text) for c in out):
            continue
        naming = [c for c in cands if named.search(c.text) and c.similarity >= threshold * 0.5]
        if not naming:
            continue
        if len(out) >= MAX_SENTENCES:
            out.remove(min(out, key=lambda c: c.score))
        out.append(max(naming, key=lambda c: c.score))
    return out


def _phrase(side: str) -> re.Pattern[str] | None:
    """The side's words in order, as a phrase ("list control", not "list-controlled")."""
    words = re.findall(r"[\w']+", side)
    while words and words[0].lower() in {"a", "an", "the", "between"}:
        words = words[1:]
    if not words:
        return None
    body = r"[\s-]+".join(re.escape(w) for w in words)
    return re.compile(rf"\b{body}(?:s|es)?\b", re.IGNORECASE)


def _event_order(cand: Candidate) -> tuple[int, dt.date, float]:
    """Dated facts first, oldest first; undated ones after, best first."""
    dates = mentioned_dates(cand.text)
    return (0, min(dates), -cand.score) if dates else (1, dt.date.max, -cand.score)


def _earliest_near(best: Candidate, cands: list[Candidate], threshold: float) -> Candidate:
    """The document's earliest dated event close to its best sentence, which an overview quotes
    instead, with the best one's score: an overview tells the story from its start, and a
    document's best sentence is often its epilogue ("how did korea respond?" had led with the
    2023 return, not the 2019 counter-measures). A question naming its day keeps that day's
    sentence; an undated or year-only sentence, or one leaning on the sentence before, is
    never the earliest."""
    if best.names_day or not names_a_day(best.text):
        return best
    near = [
        c
        for c in cands
        if c.hit.doc_id == best.hit.doc_id
        and c.period is Period.CURRENT
        and c.score >= best.score - EARLIEST_EVENT_MARGIN
        and c.similarity >= threshold * SUPPORT_SHARE
        and names_a_day(c.text)
        and not c.leans_back
    ]
    first = min(near, key=lambda c: min(mentioned_dates(c.text)), default=best)
    if min(mentioned_dates(first.text)) >= min(mentioned_dates(best.text)):
        return best
    return replace(first, score=best.score)
