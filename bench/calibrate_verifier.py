"""Calibrate the verifier's similarity threshold on the real corpus.

Supported pairs: a claim written as a model would paraphrase it, with the passage it comes from.
Unsupported pairs: the same claim with the passages retrieval ranks next to it that do not hold
the fact (the realistic mistake: citing a related but wrong passage). For each pair the score is
the best cosine similarity between the claim and one sentence (or two adjacent sentences) of the
passage, exactly as `verify.py` computes it.

Run `python bench/calibrate_verifier.py` (needs a built index) to print both distributions and
the threshold that separates them best; tests/test_llm_verify.py checks the chosen constant.
It lives in bench/, not in the runtime package: the app never needs its 32 claims.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bot.answering.llm.claims import date_mentions
from bot.answering.llm.prompts import Passage
from bot.answering.llm.verify import (
    SIMILARITY_THRESHOLD,
    Verdict,
    usable_sentences,
    verify_reply,
)
from bot.dates import DAY_MONTH_YEAR, normalise_dates
from bot.retrieval.hybrid import Hit

if TYPE_CHECKING:
    from bot.answering.tutor import Tutor

log = logging.getLogger(__name__)

# (claim as a model might paraphrase it, the document it comes from, a regex that any passage
# stating the same fact matches: such passages are never used as "wrong passage" examples)
CLAIMS: tuple[tuple[str, str, str], ...] = (
    ("Japan's Cabinet approved the order deleting South Korea from the white list on "
     "2 August 2019.", "white-list-removal-2019",
     r"Cabinet approved.{0,120}2 August 2019|2 August 2019.{0,60}Cabinet"),
    ("The removal of South Korea from the white list became effective on 28 August 2019.",
     "white-list-removal-2019", r"28 August 2019"),
    ("The Cabinet Order that removed South Korea was promulgated on 7 August 2019.",
     "white-list-removal-2019", r"promulgat\w*.{0,40}7 August 2019|7 August 2019 was the promul"),
    ("Once South Korea was off the white list, exporters could no longer ship to it under a "
     "general bulk licence.", "white-list-removal-2019",
     r"general bulk licen[cs]e (?:could|can) no longer|no longer use the general bulk|"
     r"lost the general bulk|could not use the general bulk"),
    ("Starting 4 July 2019, every export contract of the three materials to South Korea "
     "required its own individual licence.", "three-items-individual-licences-2019",
     r"4 July 2019.{0,160}individual licen|individual licen.{0,160}4 July 2019"),
    ("Reviewing an individual licence application for these items took around 90 days.",
     "three-items-individual-licences-2019", r"90 days"),
    ("Hydrogen fluoride is covered by row 3(1) of Appended Table 1.",
     "hydrogen-fluoride-chemistry", r"3\(1\)"),
    ("A mixture counts as controlled when hydrogen fluoride is more than 30% of its weight.",
     "hydrogen-fluoride-chemistry", r"30%"),
    ("Fluorinated polyimide needs a licence once bound fluorine reaches 10% of its weight.",
     "fluorinated-polyimide-control", r"10%"),
    ("South Korea requested WTO consultations with Japan on 11 September 2019.",
     "wto-ds590-request-2019", r"11 September 2019"),
    ("South Korea formally pulled its DS590 complaint on 23 March 2023.",
     "wto-ds590-withdrawal-2023", r"withdr\w*.{0,80}23 March 2023|23 March 2023.{0,80}withdr"),
    ("No WTO panel ever issued a ruling in case DS590.", "wto-ds590-withdrawal-2023",
     r"never ruled|never issued a ruling|no ruling|before any ruling|never decided"),
    ("South Korea went back into Group A with effect from 21 July 2023.",
     "white-list-restoration-2023", r"21 July 2023"),
    ("On 27 June 2023 the Cabinet approved putting South Korea back on Appended Table 3.",
     "white-list-restoration-2023", r"27 June 2023"),
    ("South Korea sat in Group B from 28 August 2019 until 20 July 2023.",
     "korea-group-b-2019-2023", r"Group B"),
    ("During its Group B years, shipments to South Korea fell under catch-all control.",
     "korea-group-b-2019-2023", r"subject to (?:Japan's )?catch-all|reach of catch-all"),
    ("Since 23 March 2023, exporters of the three items to South Korea may once more use a "
     "special general bulk licence.", "three-items-today", r"23 March 2023"),
    ("Japan was taken off South Korea's whitelist with effect from 18 September 2019.",
     "korea-counter-measures-2019", r"18 September 2019"),
    ("Korean exporters shipping strategic items to Japan saw the review period rise from 5 to "
     "15 days.", "korea-counter-measures-2019", r"from 5 days to 15 days"),
    ("On 24 April 2023 South Korea moved Japan back into a single Ga group.",
     "korea-restores-japan-2023", r"24 April 2023"),
    ("South Korea said on 22 August 2019 that it would terminate its GSOMIA intelligence pact "
     "with Japan.", "gsomia-link", r"22 August 2019.{0,80}(?:end|GSOMIA)"),
    ("Japan's first photoresist licences for South Korea came around 7 and 19 August 2019.",
     "first-licences-2019", r"photoresist licen|licen[cs]es for photoresist"),
    ("In July 2019 Japan shipped 479 t of hydrogen fluoride to Korea.",
     "trade-statistics-hf-2019", r"479"),
    ("About 70% of the world's hydrogen fluoride was made in Japan in 2019.",
     "market-share-and-dependence", r"70%"),
    ("The working-level meeting of 12 July 2019 went on for more than five hours.",
     "meeting-2019-07-12", r"five hours|5 hours|5 1/2"),
    ("FEFTA Article 48(1) requires the minister's permission to export specified goods to "
     "specified regions.", "fefta-overview", r"48\(1\)"),
    ("An individual licence is good for just one transaction.", "licence-types",
     r"one transaction|one export transaction|single transaction"),
    ("Exports to Group A destinations are outside catch-all control.", "catch-all-controls",
     r"outside (?:Japan's )?catch-all|catch-all control does not apply|not subject to catch-all"),
    ("Since 1 May 2022 the deemed-export rule also reaches residents in the specific "
     "categories.", "deemed-exports-2022", r"specific categor"),
    ("From 20 December 2019, resist trade between particular companies could use a specific "
     "bulk licence.", "resist-specific-bulk-2019-12", r"20 December 2019"),
    ("METI said trust with South Korea had been badly damaged and inappropriate export cases "
     "had surfaced.", "measures-2019-07-01-announcement", r"trust"),
    ("Since 21 July 2023 there have again been 27 countries in Group A.",
     "group-a-countries", r"27.{0,80}21 July 2023|21 July 2023.{0,80}27"),
)  # fmt: skip


@dataclass(frozen=True)
class Pair:
    claim: str
    chunk_id: str
    kind: str  # supported | wrong_passage | swapped_fact
    similarity: float  # best similarity of the claim to one window of the passage
    passes_other_checks: bool  # dates, numbers, key words, negation, no swapped fact
    support_similarity: float  # similarity of the window that holds the claim's facts

    @property
    def supported(self) -> bool:
        return self.kind == "supported"

    def kept(self, threshold: float) -> bool:
        """The full verifier's verdict at `threshold`."""
        return self.passes_other_checks and self.support_similarity >= threshold


def _score(tutor: Tutor, claim: str, hit: Hit, kind: str) -> Pair:
    passage = Passage(1, hit)
    spans = usable_sentences(passage)
    texts = [hit.text[s:e] for s, e in spans]
    texts += [hit.text[a[0] : b[1]] for a, b in zip(spans, spans[1:], strict=False)]
    vectors = tutor.cache.vectors([claim, *texts])
    similarity = float(np.max(vectors[1:] @ vectors[0])) if texts else 0.0
    # threshold=-1 runs every other check; the similarity cut is applied afterwards.
    checked = verify_reply(f"{claim} [1]", [passage], tutor.cache.vectors, threshold=-1.0)
    supports = [s.supports[0] for s in checked.sentences if s.verdict is Verdict.SUPPORTED]
    return Pair(
        claim,
        hit.chunk_id,
        kind,
        similarity,
        bool(supports),
        supports[0].similarity if supports else -1.0,
    )


def swap_fact(claim: str, passage_text: str) -> str | None:
    """The claim with its first date (or number) replaced by another one the passage gives."""
    text = normalise_dates(claim)
    claim_dates, _ = date_mentions(text)
    if claim_dates:
        theirs, _ = date_mentions(passage_text)
        ours = {d.day for d in claim_dates}
        other = next((d for d in theirs if d.precision == 2 and d.day not in ours), None)
        match = DAY_MONTH_YEAR.search(text)
        if other is None or match is None:
            return None
        return f"{text[: match.start()]}{other.day.day} {other.day:%B %Y}{text[match.end() :]}"
    match = re.search(r"\b(\d+)(%?)(?![\d(])", text)
    if match is None:
        return None
    same_kind = re.findall(rf"\b(\d+){re.escape(match.group(2))}(?![\d(%])", passage_text)
    others = sorted(set(same_kind) - {match.group(1)})
    if not others:
        return None
    return f"{text[: match.start(1)]}{others[0]}{text[match.end(1) :]}"


def calibration_pairs(tutor: Tutor, negatives_per_claim: int = 3) -> list[Pair]:
    """Score every claim against its own passage, its nearest wrong passages, and a swap."""
    chunks = tutor.index.snapshot().metadatas
    pairs: list[Pair] = []
    for claim, doc_id, key in CLAIMS:
        holds = re.compile(key, re.IGNORECASE)
        own = [
            Hit(chunk_id, meta, 1.0, rank=1)
            for chunk_id, meta in chunks.items()
            if meta["doc_id"] == doc_id and holds.search(str(meta["chunk_text"]))
        ]
        if not own:
            raise ValueError(f"no chunk of {doc_id} matches {key!r}: update CLAIMS")
        scored = [(_score(tutor, claim, h, "supported"), h) for h in own]
        best, own_hit = max(scored, key=lambda pair: pair[0].similarity)
        pairs.append(best)
        wrong = [
            h
            for h in tutor.index.search(claim, None, 10)
            if h.chunk_id != best.chunk_id and not holds.search(h.text)
        ]
        pairs.extend(_score(tutor, claim, h, "wrong_passage") for h in wrong[:negatives_per_claim])
        swapped = swap_fact(claim, own_hit.text)
        if swapped:
            pairs.append(_score(tutor, swapped, own_hit, "swapped_fact"))
    return pairs


def best_threshold(pairs: list[Pair]) -> tuple[float, float]:
    """The cut with the best balanced accuracy of the full verifier (middle of any plateau)."""
    scored = []
    for cut in np.round(np.arange(0.30, 0.91, 0.01), 2):
        pos = np.mean([p.kept(cut) for p in pairs if p.supported])
        neg = np.mean([not p.kept(cut) for p in pairs if not p.supported])
        scored.append((round(float(pos + neg) / 2, 6), float(cut)))
    top = max(score for score, _ in scored)
    plateau = [cut for score, cut in scored if score == top]
    return float(np.round(np.median(plateau), 2)), top


def report(pairs: list[Pair], threshold: float = SIMILARITY_THRESHOLD) -> str:
    lines = []
    for kind in ("supported", "wrong_passage", "swapped_fact"):
        sims = np.array([p.similarity for p in pairs if p.kind == kind])
        kept = np.mean([p.kept(threshold) for p in pairs if p.kind == kind])
        lines.append(
            f"{kind:14} n={len(sims):3}  similarity min={sims.min():.3f} "
            f"p10={np.percentile(sims, 10):.3f} median={np.median(sims):.3f} "
            f"max={sims.max():.3f}  kept by the verifier at {threshold:.2f}: {kept:.0%}"
        )
    cut, accuracy = best_threshold(pairs)
    lines.append(
        f"best cut {cut:.2f} (balanced accuracy {accuracy:.3f}); in use {threshold:.2f} "
        f"(balanced accuracy {_balanced(pairs, threshold):.3f})"
    )
    return "\n".join(lines)


def _balanced(pairs: list[Pair], cut: float) -> float:
    pos = np.mean([p.kept(cut) for p in pairs if p.supported])
    neg = np.mean([not p.kept(cut) for p in pairs if not p.supported])
    return float(pos + neg) / 2


def main() -> None:
    from bot.answering.tutor import Tutor
    from bot.config import load_settings, offline_environment

    offline_environment()
    logging.basicConfig(level=logging.WARNING)
    pairs = calibration_pairs(Tutor(load_settings()))
    for p in sorted(pairs, key=lambda p: (p.kind, p.support_similarity)):
        print(
            f"{p.kind:13} sim={p.similarity:.3f} support={p.support_similarity:.3f} "
            f"kept={p.kept(SIMILARITY_THRESHOLD)!s:5} {p.chunk_id[:36]:36} {p.claim[:70]}"
        )
    print(report(pairs))


if __name__ == "__main__":
    main()
