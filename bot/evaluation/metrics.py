"""Scoring one answer against its item, and rolling item scores up overall and per tag.

Ranking metrics come from `ir_measures` (the trec_eval definitions everyone cites), so our
numbers can be compared with published ones; everything else is a plain, explainable rule
whose failure reason is written down for the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import ir_measures
from ir_measures import RR, R, Success, nDCG

from bot.answering.types import Answer
from bot.evaluation.dataset import EvalItem

MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class MetricInfo:
    """A summary metric: its key (used by --min), its label and which way is better."""

    key: str
    label: str
    higher_is_better: bool = True
    rate: bool = True  # a 0..1 share, charted on a fixed 0..1 axis


SUMMARY_METRICS: tuple[MetricInfo, ...] = (
    MetricInfo("pass_rate", "Pass rate"),
    MetricInfo("correctness", "Answer correctness"),
    MetricInfo("citation_precision", "Citation precision"),
    MetricInfo("citation_recall", "Citation recall"),
    MetricInfo("citation_validity", "Valid citations"),
    MetricInfo("hit_at_k", "Hit@k"),
    MetricInfo("recall_at_k", "Recall@k"),
    MetricInfo("mrr", "MRR"),
    MetricInfo("ndcg_at_k", "nDCG@k"),
    MetricInfo("refusal_accuracy", "Refusal accuracy"),
    MetricInfo("false_refusal_rate", "False refusals", higher_is_better=False),
    MetricInfo("latency_p50_ms", "Latency p50 (ms)", higher_is_better=False, rate=False),
    MetricInfo("latency_p95_ms", "Latency p95 (ms)", higher_is_better=False, rate=False),
    MetricInfo("answer_chars_p50", "Answer length p50 (chars)", higher_is_better=False, rate=False),
    MetricInfo("errors", "Errors", higher_is_better=False, rate=False),
    MetricInfo("n_items", "Items", rate=False),
)
METRICS_BY_KEY = {m.key: m for m in SUMMARY_METRICS}
RATE_METRICS = tuple(m for m in SUMMARY_METRICS if m.rate)


def metric_key(name: str, k: int | None = None) -> str | None:
    """Accept `hit@k`, `hit@6`, `nDCG@k`, `MRR`... as spellings of the summary keys."""
    key = name.strip().lower().replace("-", "_")
    key = re.sub(r"@(k|\d+)$", "_at_k", key)
    key = {"hit_rate": "hit_at_k", "success_at_k": "hit_at_k", "rr": "mrr"}.get(key, key)
    return key if key in METRICS_BY_KEY else None


# -- retrieval ----------------------------------------------------------------------------


def doc_ranking(retrieved: Iterable[Mapping[str, Any]]) -> list[str]:
    """Document ids in rank order, each kept at its first (best) rank."""
    ranked = sorted(retrieved, key=lambda r: int(r.get("rank", 0)))
    return list(dict.fromkeys(str(r["doc_id"]) for r in ranked))


def answer_ranking(answer: Answer) -> tuple[list[str], str]:
    """The answer's document ranking and where it came from.

    The product checker retrieves nothing: the documents its rules cite are the ones it used,
    so for checker answers without retrieved passages the cited documents are the ranking.
    """
    if not answer.retrieved and answer.mode == "checker":
        return list(dict.fromkeys(c.doc_id for c in answer.citations)), "citations"
    return doc_ranking(answer.retrieved), "retrieved"


def retrieval_scores(
    expected: Mapping[str, Sequence[str]], rankings: Mapping[str, Sequence[str]], k: int
) -> dict[str, dict[str, float]]:
    """Hit@k, recall@k, RR and nDCG@k per query id, computed by ir_measures.

    Queries without expected documents are left out: there is nothing to find, so a ranking
    metric would only add noise. Scores are strictly decreasing so trec_eval's tie-breaking
    (by document id) cannot reorder our ranking.
    """
    qrels = {q: {d: 1 for d in docs} for q, docs in expected.items() if docs}
    if not qrels:
        return {}
    run = {
        q: {d: float(len(rankings[q]) - i) for i, d in enumerate(rankings[q])}
        for q in qrels
        if rankings.get(q)
    }
    names = {Success @ k: "hit_at_k", R @ k: "recall_at_k", RR: "mrr", nDCG @ k: "ndcg_at_k"}
    scores: dict[str, dict[str, float]] = {q: dict.fromkeys(names.values(), 0.0) for q in qrels}
    for metric in ir_measures.iter_calc(list(names), qrels, run):
        scores[metric.query_id][names[metric.measure]] = float(metric.value)
    return scores


# -- answer ---------------------------------------------------------------------------------


def missing_groups(text: str, item: EvalItem) -> list[int]:
    """Indexes of must_include groups none of whose alternatives occurs in `text`."""
    return [
        i
        for i, group in enumerate(item.patterns())
        if not any(pattern.search(text) for pattern in group)
    ]


def _matches_any(text: str, item: EvalItem) -> bool:
    return any(p.search(text) for group in item.patterns() for p in group)


@dataclass
class CitationCheck:
    """How well the citations back the answer, and what is structurally wrong with them."""

    precision: float | None
    recall: float | None
    problems: list[str] = field(default_factory=list)
    unsupported_docs: list[str] = field(default_factory=list)
    uncited_docs: list[str] = field(default_factory=list)


def check_citations(answer: Answer, item: EvalItem) -> CitationCheck:
    """Precision: cited documents that are expected or quote a required fact. Recall: expected
    documents that were cited. Structure: every [n] in the text is listed, every quote is a
    verbatim part of its passage.

    Precision is None when there is nothing to judge: no citations, or an item with neither
    expected documents nor must_include (a draft exported from feedback).
    """
    cited = list(dict.fromkeys(c.doc_id for c in answer.citations))
    supported = {
        c.doc_id
        for c in answer.citations
        if c.doc_id in item.expected_docs or any(q and _matches_any(q, item) for q in c.quotes)
    }
    has_truth = bool(item.expected_docs or item.must_include)
    precision = len(supported) / len(cited) if cited and has_truth else None
    recall = (
        len(set(item.expected_docs) & set(cited)) / len(set(item.expected_docs))
        if item.expected_docs
        else None
    )
    problems: list[str] = []
    listed = {c.n for c in answer.citations}
    for n in sorted({int(m) for m in MARKER.findall(answer.answer)} - listed):
        problems.append(f"citation [{n}] in the text has no listed source")
    for c in answer.citations:
        if not c.quote.strip():
            problems.append(f"citation [{c.n}] ({c.doc_id}) has an empty quote")
        elif any(q not in c.chunk_text for q in c.quotes):
            problems.append(f"the quote of citation [{c.n}] is not in its passage ({c.doc_id})")
    if not answer.refused and not answer.citations:
        problems.append("the answer cites no source")
    return CitationCheck(
        precision=precision,
        recall=recall,
        problems=problems,
        unsupported_docs=[d for d in cited if d not in supported] if has_truth else [],
        uncited_docs=[d for d in item.expected_docs if d not in cited],
    )


# -- one item -------------------------------------------------------------------------------


@dataclass
class ItemScore:
    """Everything the report says about one item: its answer, its metrics and why it failed."""

    id: str
    question: str
    tags: list[str]
    answerable: bool
    where: str
    as_of: str = ""
    answer: str = ""
    mode: str = ""
    refused: bool = False
    error: str | None = None
    correct: bool = False
    missing: list[str] = field(default_factory=list)
    citation_precision: float | None = None
    citation_recall: float | None = None
    citations_valid: bool = False
    citations: list[dict[str, Any]] = field(default_factory=list)
    ranking: list[str] = field(default_factory=list)
    ranking_source: str = "retrieved"
    expected_docs: list[str] = field(default_factory=list)
    hit_at_k: float | None = None
    recall_at_k: float | None = None
    mrr: float | None = None
    ndcg_at_k: float | None = None
    latency_ms: float | None = None
    passed: bool = False
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemScore:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def _base(item: EvalItem) -> ItemScore:
    return ItemScore(
        id=item.id,
        question=item.question,
        tags=list(item.tags),
        answerable=item.answerable,
        where=item.where,
        as_of=item.as_of or "",
        expected_docs=list(item.expected_docs),
    )


def score_error(item: EvalItem, message: str) -> ItemScore:
    """An item the pipeline could not answer at all: it fails, and says why."""
    score = _base(item)
    score.error = message
    score.mode = "error"
    score.reasons = [f"error: {message}"]
    if item.expected_docs:
        score.hit_at_k = score.recall_at_k = score.mrr = score.ndcg_at_k = 0.0
    return score


def _score_retrieval(
    score: ItemScore, item: EvalItem, k: int, retrieval: Mapping[str, float] | None
) -> None:
    """Hit@k, recall@k, MRR and nDCG@k of the answer's ranking, and which documents it missed."""
    if retrieval is None:
        retrieval = retrieval_scores({item.id: item.expected_docs}, {item.id: score.ranking}, k)
        retrieval = retrieval.get(item.id, {})
    score.hit_at_k = retrieval.get("hit_at_k", 0.0)
    score.recall_at_k = retrieval.get("recall_at_k", 0.0)
    score.mrr = retrieval.get("mrr", 0.0)
    score.ndcg_at_k = retrieval.get("ndcg_at_k", 0.0)
    for doc in item.expected_docs:
        if doc not in score.ranking[:k]:
            score.notes.append(f"expected document {doc!r} was not retrieved in the top {k}")


def score_item(
    item: EvalItem,
    answer: Answer,
    k: int,
    latency_ms: float | None = None,
    retrieval: Mapping[str, float] | None = None,
) -> ItemScore:
    """Score one answer; `retrieval` lets the runner pass scores computed for a whole batch."""
    score = _base(item)
    score.answer = answer.answer
    score.as_of = answer.as_of.isoformat()
    score.mode = answer.mode
    score.refused = bool(answer.refused)
    score.latency_ms = answer.timings_ms.get("total", latency_ms)
    score.citations = [
        {"n": c.n, "doc_id": c.doc_id, "title": c.title, "quote": " … ".join(c.quotes)}
        for c in answer.citations
    ]

    score.ranking, score.ranking_source = answer_ranking(answer)
    if item.expected_docs:
        _score_retrieval(score, item, k, retrieval)

    # Correctness: answerable items must be answered with every fact; the others refused.
    missing = missing_groups(answer.answer, item)
    score.missing = [" | ".join(item.must_include[i]) for i in missing]
    if item.answerable:
        score.correct = not score.refused and not missing
    else:
        score.correct = score.refused and not missing
    reasons: list[str] = []
    if item.answerable and score.refused:
        reasons.append("refused, but the question is answerable")
    if not item.answerable and not score.refused:
        reasons.append("answered, but the question should be refused")
    for i in missing:
        reasons.append(f"missing must_include group {i + 1}: {' | '.join(item.must_include[i])}")

    check = check_citations(answer, item)
    score.citation_precision = check.precision
    score.citation_recall = check.recall
    score.citations_valid = not check.problems and (
        not item.answerable or check.precision is None or check.precision == 1.0
    )
    reasons.extend(check.problems)
    if item.answerable:
        for doc in check.unsupported_docs:
            reasons.append(
                f"cites {doc!r}, which is not expected and whose quote has no required fact"
            )
    if not score.refused:
        for doc in check.uncited_docs:
            score.notes.append(f"expected document {doc!r} was not cited")
    score.reasons = reasons
    score.passed = score.correct and score.citations_valid and not reasons
    return score


# -- roll-up --------------------------------------------------------------------------------


def _mean(values: Iterable[float | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), without needing numpy."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(scores: Sequence[ItemScore]) -> dict[str, float | int | None]:
    """The summary row: shares in 0..1, latency in ms, None where nothing was measured."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    latencies = [s.latency_ms for s in scores if s.latency_ms is not None]
    lengths = [float(len(s.answer)) for s in scores if s.error is None and not s.refused]
    summary: dict[str, float | int | None] = {
        "n_items": len(scores),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "passed": sum(s.passed for s in scores),
        "pass_rate": _mean(float(s.passed) for s in scores),
        "correctness": _mean(float(s.correct) for s in answerable),
        "citation_precision": _mean(s.citation_precision for s in scores),
        "citation_recall": _mean(s.citation_recall for s in answerable),
        "citation_validity": _mean(float(s.citations_valid) for s in scores),
        "hit_at_k": _mean(s.hit_at_k for s in scores),
        "recall_at_k": _mean(s.recall_at_k for s in scores),
        "mrr": _mean(s.mrr for s in scores),
        "ndcg_at_k": _mean(s.ndcg_at_k for s in scores),
        "refusal_accuracy": _mean(float(s.refused) for s in unanswerable),
        "false_refusal_rate": _mean(float(s.refused) for s in answerable),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        # Regex checks reward long answers (a pasted passage matches a lot): watch the length.
        "answer_chars_p50": percentile(lengths, 50),
        "errors": sum(s.error is not None for s in scores),
        "checker_items": sum(s.mode == "checker" for s in scores),
    }
    return summary


def summarize_by_tag(scores: Sequence[ItemScore]) -> dict[str, dict[str, float | int | None]]:
    """One summary per tag, tags in alphabetical order."""
    tags = sorted({t for s in scores for t in s.tags})
    return {tag: summarize([s for s in scores if tag in s.tags]) for tag in tags}


def check_gates(
    summary: Mapping[str, Any],
    minimums: Iterable[tuple[str, float]] = (),
    maximums: Iterable[tuple[str, float]] = (),
) -> list[str]:
    """One message per bar the run misses; a metric that was not measured misses its bar."""
    failures: list[str] = []
    for bars, below in ((minimums, True), (maximums, False)):
        for key, bar in bars:
            value = summary.get(key)
            if value is None:
                failures.append(f"{key} was not measured (no items it applies to), needs {bar:g}")
            elif below and float(value) < bar:
                failures.append(f"{key} = {float(value):.4g} is below the minimum {bar:g}")
            elif not below and float(value) > bar:
                failures.append(f"{key} = {float(value):.4g} is above the maximum {bar:g}")
    return failures
