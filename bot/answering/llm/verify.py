"""Check a model's reply against the passages it was given, sentence by sentence.

A language model writes fluent text but may cite the wrong passage, shift a date, invent a number
or follow an instruction hidden in a document. Each sentence of the reply is kept only when one
passage it cites supports it on its own:

- the marker points to a passage that was given (``[9]`` with three passages is not);
- every date in the sentence is in the passage, at the sentence's precision ("28 Aug 2019",
  "August 28, 2019" and "2019-08-28" are one date; "2019" is supported by any 2019 date);
- every other number (counts, percentages, rows, case numbers) is in the passage;
- enough of the sentence's content words are in the passage;
- its embedding is close to one sentence (or two adjacent ones) of the passage, and that sentence
  is not an instruction ("ignore previous instructions...", which is never evidence);
- a negated sentence ("never", "not") is backed by a negated passage sentence.

Sentences without a marker are removed, except a plain "the sources do not say" statement.
These are cheap lexical and embedding checks, not logical entailment: see docs/llm.md for limits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from bot.answering.llm.claims import (
    NUMBER,
    DateMention,
    date_mentions,
    date_supported,
    numbers_in,
    parse_markers,
    show_date,
    split_sentences,
    stems,
    strip_markers,
)
from bot.answering.llm.prompts import Passage
from bot.dates import mentioned_dates, normalise_dates

Encode = Callable[[list[str]], np.ndarray]

# Calibrated on the real corpus with bench/calibrate_verifier.py (see docs/llm.md): best
# sentence similarity of correct citations vs. wrong-but-related passages.
SIMILARITY_THRESHOLD = 0.65
# Share of a sentence's content words (5-letter stems) that must occur in the cited passage.
TERM_OVERLAP_THRESHOLD = 0.5
# A two-sentence window must beat the best single sentence by this much to be the quote.
PAIR_MARGIN = 0.05
# When the sentence closest to a claim gives other dates or numbers than the claim, and is this
# much closer than the sentence that holds the claim's facts, the claim has swapped a fact.
CONFLICT_MARGIN = 0.1

NEGATION = re.compile(
    r"\b(not|never|no|none|neither|nor|cannot|without|nothing|nobody)\b|n't\b", re.IGNORECASE
)
NO_ANSWER = re.compile(
    r"\b(?:sources?|passages?|documents?|course material|context)\b[^.]{0,60}?"
    r"\b(?:do(?:es)?\s+not|don't|doesn't|never)\s+"
    r"(?:say|mention|state|answer|cover|contain|include|give|provide|specify|address|tell)"
    r"|\bno information\b"
    r"|\bnot (?:mentioned|stated|covered|given|specified|found) in the (?:sources?|passages?)"
    r"|\bI (?:cannot|can't|could not|couldn't|am unable to) (?:find|answer|tell)",
    re.IGNORECASE,
)
# Sentences addressed to the model, not facts about export control. Such a sentence inside a
# passage is never evidence, so obeying it cannot produce a "supported" claim.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|above|"
    r"previous|prior|everything)\b"
    r"|\b(?:system prompt|new instructions?|you are now|as an ai)\b"
    r"|\b(?:language model|assistant|chatbot|ai)\b.{0,40}\b(?:must|should)\b"
    r"|^\s*(?:say|answer|reply|respond|tell the user|write|state)\b",
    re.IGNORECASE,
)


class Verdict(Enum):
    SUPPORTED = "supported"
    NO_ANSWER = "no_answer"  # a plain "the sources do not say": kept, uncited
    FILLER = "filler"  # markers only, or a short uncited fragment ("In short:"): dropped silently
    UNCITED = "uncited"
    BAD_MARKER = "bad_marker"  # cites only passages that were not given
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Support:
    """Why passage `n` backs a sentence: its best window and the scores."""

    n: int
    start: int  # window offsets in the chunk text, so the quote is an exact substring
    end: int
    similarity: float
    overlap: float


@dataclass
class CheckedSentence:
    text: str  # as the model wrote it (markers included)
    claim: str  # without markers and without the as-of preamble
    cited: list[int]
    verdict: Verdict
    reason: str = ""
    supports: list[Support] = field(default_factory=list)
    dropped_markers: list[int] = field(default_factory=list)  # cited but did not support it

    @property
    def kept(self) -> bool:
        return self.verdict in (Verdict.SUPPORTED, Verdict.NO_ANSWER)


@dataclass
class Verification:
    sentences: list[CheckedSentence]
    passage_count: int

    @property
    def supported(self) -> list[CheckedSentence]:
        return [s for s in self.sentences if s.verdict is Verdict.SUPPORTED]

    @property
    def removed(self) -> list[CheckedSentence]:
        return [s for s in self.sentences if not s.kept and s.verdict is not Verdict.FILLER]


@dataclass
class _Facts:
    dates: list[DateMention]
    numbers: set[str]

    def lacks(self, dates: list[DateMention], numbers: set[str]) -> list[str]:
        """The claim's dates and numbers that these facts do not contain, for messages."""
        missing = [show_date(d) for d in dates if not date_supported(d, self.dates)]
        return missing + sorted(numbers - self.numbers)


@dataclass
class _Evidence:
    """A passage prepared once per reply: usable sentence windows and their facts."""

    passage: Passage
    windows: list[tuple[int, int]]  # single sentences first, then adjacent pairs
    singles: int
    vectors: np.ndarray
    facts: list[_Facts]  # per window, including the passage's title and validity dates
    whole: _Facts  # the whole usable passage
    stems: set[str]


def _without_as_of(claim: str, as_of: dt.date | None) -> str:
    """Drop "As of <the as-of date>," which restates the question's date, not a source fact."""
    if as_of is None:
        return claim
    normalised = normalise_dates(claim)

    def replace(m: re.Match[str]) -> str:
        days = mentioned_dates(m.group(1))
        return "" if days and days[0] == as_of else m.group(0)

    date = r"(\d{1,2}\s+\w+\.?\s+(?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d)"
    stripped = re.sub(rf"\b(?:as of|as at|on)\s+{date}\s*[,:]?\s*", replace, normalised, flags=re.I)
    stripped = stripped.strip()
    return stripped[:1].upper() + stripped[1:] if stripped != normalised.strip() else claim


# -- the verifier -----------------------------------------------------------------------------
def usable_sentences(passage: Passage) -> list[tuple[int, int]]:
    """Sentence spans of the chunk that are not instructions to a model."""
    text = passage.hit.text
    spans = [
        (int(s), int(e))
        for s, e in json.loads(passage.hit.metadata.get("sentences") or "[]")
        if not INSTRUCTION.search(text[int(s) : int(e)])
    ]
    if not spans and text.strip() and not INSTRUCTION.search(text):
        spans = [(0, len(text))]
    return spans


def _facts(text: str) -> _Facts:
    dates, _ = date_mentions(text)
    return _Facts(dates, numbers_in(normalise_dates(text), evidence=True))


def _prepare(passages: list[Passage], encode: Encode) -> dict[int, _Evidence]:
    prepared: dict[int, _Evidence] = {}
    for passage in passages:
        singles = usable_sentences(passage)
        # A claim may merge two adjacent sentences ("promulgated on 7 August, in force 21 days
        # later"), so adjacent pairs are windows too.
        windows = singles + [(a[0], b[1]) for a, b in zip(singles, singles[1:], strict=False)]
        texts = [passage.hit.text[s:e] for s, e in windows]
        meta = passage.hit.metadata
        # The prompt shows the validity dates with every sentence of the passage, so they count
        # for each window; the title counts for key words only, because the quote shown to the
        # reader must hold the claim's dates and numbers itself.
        validity = f"{meta.get('valid_from', '')} {meta.get('valid_to', '')}"
        heading = f"{meta.get('title', '')} {meta.get('section', '')}"
        body = " ".join(texts[: len(singles)])
        prepared[passage.n] = _Evidence(
            passage=passage,
            windows=windows,
            singles=len(singles),
            vectors=encode(texts) if texts else np.zeros((0, 1), dtype=np.float32),
            facts=[_facts(f"{validity} {text}") for text in texts],
            whole=_facts(f"{validity} {body}"),
            stems=stems(f"{heading} {body}"),
        )
    return prepared


def _best(sims: np.ndarray, indices: list[int], singles: int) -> int:
    """The most similar window; a pair only when it beats the best single sentence clearly."""
    best = max(indices, key=lambda i: sims[i])
    single = [i for i in indices if i < singles]
    if single:
        best_single = max(single, key=lambda i: sims[i])
        if sims[best] - sims[best_single] < PAIR_MARGIN:
            return best_single
    return best


def _check_one(
    claim: str, vector: np.ndarray, evidence: _Evidence, threshold: float
) -> tuple[Support | None, str]:
    """(support, "") when `evidence` backs `claim`; (None, reason) otherwise.

    The dates and numbers must sit in the same sentence (or pair) that carries the meaning:
    a passage that says "promulgated on 7 August, in force on 28 August" does not support
    "in force on 7 August", although both dates are in it.
    """
    n = evidence.passage.n
    if not evidence.windows:
        return None, f"source [{n}] has no usable text"
    dates, date_spans = date_mentions(claim)
    numbers = numbers_in(normalise_dates(claim), date_spans)
    missing = evidence.whole.lacks(dates, numbers)
    if missing:
        return None, f"source [{n}] does not mention {', '.join(missing)}"
    terms = stems(claim)
    overlap = len(terms & evidence.stems) / len(terms) if terms else 0.0
    if overlap < TERM_OVERLAP_THRESHOLD:
        return None, f"source [{n}] shares too few of its key words ({overlap:.0%})"
    sims = evidence.vectors @ vector
    holding = [i for i, facts in enumerate(evidence.facts) if not facts.lacks(dates, numbers)]
    if not holding:
        return None, f"source [{n}] mentions {', '.join(_facts_shown(dates, numbers))} elsewhere"
    best = _best(sims, holding, evidence.singles)
    similarity = float(sims[best])
    if similarity < threshold:
        return None, f"source [{n}] says something else (similarity {similarity:.2f})"
    # Compare sentence with sentence where one holds the facts: a pair that holds them only
    # through its other sentence ("promulgated on 7 August. It took effect on 28 August.")
    # must not hide a swapped date.
    singles_holding = [i for i in holding if i < evidence.singles]
    if singles_holding:
        pool, anchor = list(range(evidence.singles)), max(singles_holding, key=lambda i: sims[i])
    else:
        pool, anchor = list(range(len(evidence.windows))), best
    closest = max(pool, key=lambda i: sims[i])
    swapped = closest not in holding and sims[closest] - sims[anchor] > CONFLICT_MARGIN
    if (dates or numbers) and swapped:
        start, end = evidence.windows[closest]
        other = _facts(evidence.passage.hit.text[start:end])
        theirs = [show_date(d) for d in other.dates] or sorted(other.numbers - numbers)
        return None, (
            f"source [{n}] gives {', '.join(theirs[:3])} for this, "
            f"not {', '.join(_facts_shown(dates, numbers))}"
        )
    start, end = evidence.windows[best]
    if NEGATION.search(claim) and not NEGATION.search(evidence.passage.hit.text[start:end]):
        return None, f"source [{n}] does not state the negation"
    return Support(n, start, end, round(similarity, 4), round(overlap, 3)), ""


def _facts_shown(dates: list[DateMention], numbers: set[str]) -> list[str]:
    return [show_date(d) for d in dates] + sorted(numbers)


def verify_reply(
    reply: str,
    passages: list[Passage],
    encode: Encode,
    as_of: dt.date | None = None,
    threshold: float = SIMILARITY_THRESHOLD,
) -> Verification:
    """Judge every sentence of `reply` against the numbered `passages` it may cite.

    Args:
        reply: the model's text, with [n] markers.
        passages: what the prompt numbered [1]..[n].
        encode: texts -> normalised vectors (the tutor's sentence embeddings or their cache).
        as_of: the answer's date; "As of <that date>," is not a claim that needs a source.
        threshold: lowest sentence-to-passage cosine similarity that counts as support.

    Returns:
        One `CheckedSentence` per sentence, in reply order.
    """
    by_number = {p.n: p for p in passages}
    evidence = _prepare(passages, encode)
    checked: list[CheckedSentence] = []
    pending: list[tuple[CheckedSentence, str]] = []
    seen: set[str] = set()
    for sentence in split_sentences(reply):
        cited = parse_markers(sentence)
        body = strip_markers(sentence)
        claim = _without_as_of(body, as_of)
        valid = [n for n in cited if n in by_number]
        words = re.findall(r"[^\W\d_]+", claim)
        item = CheckedSentence(sentence, claim, cited, Verdict.FILLER)
        checked.append(item)
        key = " ".join(words).lower()
        if key in seen:
            item.reason = "repeats an earlier sentence"  # small models loop; say it once
            continue
        seen.add(key)
        if not stems(claim) and not NUMBER.search(claim):
            continue  # markers only, or an "As of <date>:" preamble
        if NO_ANSWER.search(claim) and not NUMBER.search(claim):
            item.verdict = Verdict.NO_ANSWER
        elif cited and not valid:
            item.verdict = Verdict.BAD_MARKER
            item.reason = f"it cites {_list(cited)}, but there were only {len(passages)} sources"
        elif not cited:
            if len(words) >= 3:
                item.verdict, item.reason = Verdict.UNCITED, "it cites no source"
        else:
            pending.append((item, claim))
    if pending:
        _judge_cited(pending, encode, evidence, threshold, len(passages))
    return Verification(checked, len(passages))


def _judge_cited(
    pending: list[tuple[CheckedSentence, str]],
    encode: Encode,
    evidence: dict[int, _Evidence],
    threshold: float,
    n_passages: int,
) -> None:
    """Check each cited sentence against the passages it cites (one batch of embeddings)."""
    vectors = encode([claim for _, claim in pending])
    for (item, claim), vector in zip(pending, vectors, strict=True):
        reasons: list[str] = []
        for n in item.cited:
            if n not in evidence:
                reasons.append(f"[{n}] is not one of the {n_passages} sources")
                continue
            support, reason = _check_one(claim, vector, evidence[n], threshold)
            if support is None:
                reasons.append(reason)
            else:
                item.supports.append(support)
        item.dropped_markers = [n for n in item.cited if n not in {s.n for s in item.supports}]
        if item.supports:
            item.verdict = Verdict.SUPPORTED
        else:
            item.verdict, item.reason = Verdict.UNSUPPORTED, "; ".join(reasons)


def _list(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)
