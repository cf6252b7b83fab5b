"""Evaluation: metrics on hand-made answers with hand-derived values, set validation, the
compare diff, the gate's exit codes, the app tab's handlers, and one run of real items through
the real tutor."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from bot.answering.types import Answer, Citation
from bot.cli import cli
from bot.errors import InputError
from bot.evaluation.compare import compare_reports
from bot.evaluation.dataset import EvalItem, EvalSetError, load_sets
from bot.evaluation.metrics import (
    check_citations,
    check_gates,
    doc_ranking,
    metric_key,
    percentile,
    retrieval_scores,
    score_item,
    summarize,
    summarize_by_tag,
)
from bot.evaluation.runner import EvalRun, RunOptions, evaluate

DAY = dt.date(2024, 1, 1)
WHITE_LIST = "white-list-removal-2019"


# -- helpers ------------------------------------------------------------------------------


def item(**fields) -> EvalItem:
    base = {
        "id": "q1",
        "question": "When did the removal take effect?",
        "must_include": [["28\\s+August\\s+2019", "2019-08-28"]],
        "expected_docs": [WHITE_LIST],
        "answerable": True,
        "tags": ["student"],
    }
    return EvalItem(**(base | fields))


def cite(n: int, doc_id: str, quote: str, chunk: str | None = None) -> Citation:
    return Citation(
        n=n,
        doc_id=doc_id,
        title=doc_id,
        section="",
        source_url="",
        quote=quote,
        score=1.0,
        chunk_id=f"{doc_id}-c",
        chunk_text=f"Before. {quote} After." if chunk is None else chunk,
    )


def answer(
    text: str = "It took effect on 28 August 2019. [1]",
    citations: list[Citation] | None = None,
    docs: list[str] | None = None,
    refused: bool = False,
    mode: str = "extractive",
    total_ms: float = 100.0,
) -> Answer:
    if citations is None:
        citations = [cite(1, WHITE_LIST, "It took effect on 28 August 2019.")]
    docs = [WHITE_LIST] if docs is None else docs
    return Answer(
        question="q",
        as_of=DAY,
        answer=text,
        refused=refused,
        citations=citations,
        retrieved=[
            {"rank": i + 1, "doc_id": d, "chunk_id": f"{d}-{i}", "score": 1.0 / (i + 1)}
            for i, d in enumerate(docs)
        ],
        timings_ms={"total": total_ms},
        mode=mode,
    )


REFUSED = dict(text="I can't answer that from the course material.", citations=[], refused=True)


# -- retrieval (ir_measures) --------------------------------------------------------------


def test_expected_doc_at_rank_two():
    scores = score_item(item(), answer(docs=["other", WHITE_LIST, "third"]), k=6)
    assert scores.hit_at_k == 1.0
    assert scores.recall_at_k == 1.0
    assert scores.mrr == 0.5
    # DCG = 1/log2(3); the ideal ranking puts the one relevant doc first (IDCG = 1).
    assert scores.ndcg_at_k == pytest.approx(1 / math.log2(3))


def test_chunks_of_one_document_count_once_at_their_best_rank():
    retrieved = [
        {"rank": 1, "doc_id": "a"},
        {"rank": 3, "doc_id": "b"},
        {"rank": 2, "doc_id": "a"},
    ]
    assert doc_ranking(retrieved) == ["a", "b"]
    scores = score_item(item(expected_docs=["b"]), answer(docs=["a", "a", "b"]), k=6)
    assert scores.mrr == 0.5  # b is the second *document*, although its chunk is third


def test_two_expected_one_found_first():
    got = retrieval_scores({"q": ["a", "b"]}, {"q": ["a", "x", "y"]}, k=3)["q"]
    assert got["hit_at_k"] == 1.0
    assert got["recall_at_k"] == 0.5
    assert got["mrr"] == 1.0
    assert got["ndcg_at_k"] == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_cutoff_and_misses():
    got = retrieval_scores({"q": ["c"], "none": ["z"]}, {"q": ["a", "b", "c"], "none": []}, k=2)
    assert got["q"]["hit_at_k"] == 0.0  # c is third, outside the top 2
    assert got["q"]["mrr"] == pytest.approx(1 / 3)  # RR has no cutoff
    assert got["none"] == {"hit_at_k": 0.0, "recall_at_k": 0.0, "mrr": 0.0, "ndcg_at_k": 0.0}


def test_no_expected_docs_means_no_retrieval_metric():
    scores = score_item(item(expected_docs=[]), answer(), k=6)
    assert scores.hit_at_k is None and scores.mrr is None


def test_checker_answers_rank_the_documents_they_cite():
    got = answer(
        text="Yes: you need an individual licence. [1] [2]",
        citations=[cite(1, "three-items-today", "A licence is needed."), cite(2, WHITE_LIST, "y")],
        docs=[],
        mode="checker",
    )
    scores = score_item(item(must_include=[["licence"]]), got, k=6)
    assert scores.ranking == ["three-items-today", WHITE_LIST]
    assert scores.ranking_source == "citations"
    assert scores.mrr == 0.5
    assert scores.passed


# -- answers ------------------------------------------------------------------------------


def test_correct_when_every_group_matches_case_insensitively():
    it = item(must_include=[["fluorinated polyimide"], ["RESIST"], ["hydrogen fluoride", "HF"]])
    text = "Fluorinated polyimide, resist and HF. [1]"
    got = score_item(it, answer(text=text, citations=[cite(1, WHITE_LIST, "HF")]), k=6)
    assert got.correct and got.passed


def test_missing_group_is_named():
    it = item(must_include=[["polyimide"], ["resist"], ["hydrogen fluoride"]])
    got = score_item(it, answer(text="Polyimide and resist. [1]"), k=6)
    assert not got.correct and not got.passed
    assert got.missing == ["hydrogen fluoride"]
    assert "missing must_include group 3: hydrogen fluoride" in got.reasons


def test_citation_precision_and_recall():
    it = item(expected_docs=["a", "d"])
    got = answer(
        text="One [1]. Two [2]. Three [3].",
        citations=[
            cite(1, "a", "Anything."),  # expected
            cite(2, "b", "It took effect on 28 August 2019."),  # quotes a required fact
            cite(3, "c", "Unrelated."),  # neither
        ],
    )
    check = check_citations(got, it)
    assert check.precision == pytest.approx(2 / 3)
    assert check.recall == 0.5
    assert check.unsupported_docs == ["c"]
    scores = score_item(it, got, k=6)
    assert not scores.citations_valid and not scores.passed
    assert any("'c'" in r for r in scores.reasons)


def test_marker_without_source_and_quote_outside_passage():
    got = answer(
        text="On 28 August 2019 [1] [3].",
        citations=[cite(1, WHITE_LIST, "28 August 2019", chunk="A different passage.")],
    )
    problems = check_citations(got, item()).problems
    assert "citation [3] in the text has no listed source" in problems
    assert any("quote of citation [1] is not in its passage" in p for p in problems)
    assert not score_item(item(), got, k=6).passed


def test_answer_without_citations_is_invalid():
    got = score_item(item(), answer(citations=[]), k=6)
    assert got.correct and not got.citations_valid and not got.passed
    assert "the answer cites no source" in got.reasons


def test_refusals():
    unanswerable = item(id="food", must_include=[], expected_docs=[], answerable=False)
    refused = score_item(unanswerable, answer(**REFUSED), k=6)
    assert refused.passed and refused.correct
    answered = score_item(unanswerable, answer(), k=6)
    assert not answered.passed
    assert "answered, but the question should be refused" in answered.reasons
    wrongly = score_item(item(), answer(**REFUSED), k=6)
    assert not wrongly.passed
    assert "refused, but the question is answerable" in wrongly.reasons
    summary = summarize([refused, answered, wrongly])
    assert summary["refusal_accuracy"] == 0.5
    assert summary["false_refusal_rate"] == 1.0
    assert summary["pass_rate"] == pytest.approx(1 / 3)


def test_feedback_draft_passes_when_answered_and_fails_when_refused():
    draft = item(id="fb-1", must_include=[], expected_docs=[], tags=["feedback", "draft"])
    answered = score_item(draft, answer(citations=[cite(1, "any-doc", "Some sentence.")]), k=6)
    assert answered.correct and answered.passed
    assert answered.citation_precision is None  # nothing to judge the citations against
    refused = score_item(draft, answer(**REFUSED), k=6)
    assert not refused.correct and not refused.passed


def test_latency_percentiles_and_tags():
    scores = [
        score_item(item(id=f"q{i}", tags=tags), answer(total_ms=ms), k=6)
        for i, (ms, tags) in enumerate(
            [(100, ["a"]), (200, ["a", "b"]), (300, ["b"]), (400, ["b"])]
        )
    ]
    summary = summarize(scores)
    assert summary["latency_p50_ms"] == 250.0
    assert summary["latency_p95_ms"] == pytest.approx(385.0)  # 300 + 0.85 * (400 - 300)
    assert percentile([5.0], 95) == 5.0
    by_tag = summarize_by_tag(scores)
    assert list(by_tag) == ["a", "b"]
    assert by_tag["a"]["n_items"] == 2 and by_tag["b"]["latency_p50_ms"] == 300.0


def test_gates_and_metric_names():
    assert metric_key("hit@k") == "hit_at_k"
    assert metric_key("nDCG@6") == "ndcg_at_k"
    assert metric_key("MRR") == "mrr"
    assert metric_key("nonsense") is None
    summary = {"pass_rate": 0.8, "refusal_accuracy": None, "latency_p95_ms": 900.0}
    assert check_gates(summary, [("pass_rate", 0.8)]) == []
    assert "pass_rate = 0.8 is below the minimum 0.9" in check_gates(summary, [("pass_rate", 0.9)])
    assert "not measured" in check_gates(summary, [("refusal_accuracy", 0.5)])[0]
    assert "above the maximum" in check_gates(summary, [], [("latency_p95_ms", 500)])[0]


# -- compare --------------------------------------------------------------------------------


def _report(passed: dict[str, bool], tag_pass: float) -> dict:
    return {
        "created": "then",
        "config": {"files": ["x.jsonl"]},
        "summary": {"pass_rate": sum(passed.values()) / len(passed), "latency_p50_ms": 100.0},
        "by_tag": {"student": {"pass_rate": tag_pass}},
        "items": [
            {"id": i, "question": f"question {i}", "passed": p, "reasons": [] if p else ["why"]}
            for i, p in passed.items()
        ],
    }


def test_compare_lists_flips_and_deltas():
    before = _report({"a": True, "b": False, "gone": True}, 0.5)
    now = _report({"a": False, "b": True, "new": True}, 1.0)
    now["summary"]["latency_p50_ms"] = 150.0
    diff = compare_reports(now, before)
    assert [e["id"] for e in diff["fixed"]] == ["b"]
    assert [e["id"] for e in diff["broken"]] == ["a"]
    assert diff["broken"][0]["reasons"] == ["why"]
    assert diff["fixed"][0]["reasons"] == ["why"]  # why it used to fail
    assert diff["added"] == ["new"] and diff["removed"] == ["gone"]
    metrics = {m["key"]: m for m in diff["metrics"]}
    assert metrics["pass_rate"]["delta"] == pytest.approx(0.0)
    assert metrics["latency_p50_ms"]["delta"] == 50.0
    assert metrics["latency_p50_ms"]["verdict"] == "worse"
    assert diff["tags"]["student"]["pass_rate"]["delta"] == 0.5


# -- set files ------------------------------------------------------------------------------


def line(**fields) -> str:
    base = {
        "id": "ok-1",
        "question": "When did South Korea's removal from the white list take effect?",
        "must_include": [["28 August 2019"]],
        "expected_docs": [WHITE_LIST],
        "answerable": True,
        "tags": ["student"],
    }
    return json.dumps(base | fields)


def test_malformed_lines_are_named_and_valid_items_kept(tmp_path: Path):
    path = tmp_path / "set.jsonl"
    bad_regex = line(id="bad-re", must_include=[["(unclosed"]])
    path.write_text(
        "\n".join(
            [
                line(),  # 1
                '{"id": "broken", "question": ',  # 2 malformed JSON
                line(id="extra")[:-1] + ', "colour": "red"}',  # 3 unknown field
                json.dumps({"id": "short", "question": "Is it?"}),  # 4 missing fields
                bad_regex,  # 5
                line(),  # 6 duplicate of line 1
                "",  # 7 blank lines are fine
                line(id="ok-2", as_of="2020-06-01", history=["Earlier question?"]),  # 8
                line(id="bad-date", as_of="2020-02-30"),  # 9
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    dataset = load_sets([path])
    assert [i.id for i in dataset.items] == ["ok-1", "ok-2"]
    assert dataset.items[1].history == ["Earlier question?"]
    messages = [str(p) for p in dataset.problems]
    assert [p.line for p in dataset.problems] == [2, 3, 4, 5, 6, 9]
    assert messages[0].startswith(f"{path}:2: malformed JSON")
    assert "unknown field(s) 'colour'" in messages[1]
    assert "missing required field(s) 'must_include'" in messages[2]
    assert "invalid regular expression '(unclosed'" in messages[3]
    assert f"duplicate id 'ok-1' (first at {path}:1)" in messages[4]
    assert "not a real date" in messages[5]


def test_missing_or_empty_set_is_an_error(tmp_path: Path):
    with pytest.raises(EvalSetError, match="does not exist"):
        load_sets([tmp_path / "nope.jsonl"])
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"(?s)No valid items.*empty.jsonl:1"):
        load_sets([empty])


# -- runner and command with a stand-in tutor ----------------------------------------------


class FakeTutor:
    """Answers from a table; the real tutor is exercised in the integration test below."""

    settings = SimpleNamespace(top_k=6, retriever="hybrid", llm="", embedding_model="fake")

    def __init__(self, answers: dict[str, Answer | Exception]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, object]] = []

    def ask(self, question: str, options: object = None) -> Answer:
        self.asked.append((question, options))
        got = self.answers.get(question, answer(**REFUSED))
        if isinstance(got, Exception):
            raise got
        return got

    def source_documents(self) -> dict[str, dict]:
        return {WHITE_LIST: {}, "other": {}}


def write_set(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD_Q = "When did South Korea's removal from the white list take effect?"


def test_runner_options_errors_and_unknown_docs(tmp_path: Path):
    path = write_set(
        tmp_path,
        line(),
        line(id="typed", question="???", must_include=[], expected_docs=[], answerable=False),
        line(id="boom", question="crash", expected_docs=["no-such-doc"]),
    )
    tutor = FakeTutor(
        {GOOD_Q: answer(), "???": InputError("no words"), "crash": RuntimeError("bug")}
    )
    run = evaluate(tutor, load_sets([path]), RunOptions(as_of="2020-01-01", k=3, retriever="bm25"))
    by_id = {s.id: s for s in run.items}
    assert by_id["ok-1"].passed
    assert by_id["typed"].passed and by_id["typed"].mode == "input-error"  # a refusal
    assert by_id["boom"].error == "RuntimeError: bug" and not by_id["boom"].passed
    options = tutor.asked[0][1]
    assert (options.as_of, options.k, options.retriever) == ("2020-01-01", 3, "bm25")
    assert run.config["k"] == 3 and run.summary["errors"] == 1
    warnings = [p for p in run.problems if p.level == "warning"]
    assert len(warnings) == 1 and "'no-such-doc' is not in the index" in warnings[0].message
    assert EvalRun.from_dict(run.to_dict()).items[0] == run.items[0]


def invoke(args: list[str], tutor: object) -> object:
    return CliRunner().invoke(cli, ["eval", *args], obj={"tutor": tutor})


def test_gate_exit_codes(tmp_path: Path):
    path = write_set(tmp_path, line(), line(id="ok-2", question="Unknown question?"))
    tutor = FakeTutor({GOOD_Q: answer()})  # the second question gets refused: 1 of 2 passes
    out = tmp_path / "out"
    result = invoke([str(path), "--out", str(out), "--min", "pass_rate=0.9"], tutor)
    assert result.exit_code == 1, result.output
    assert "Gate failed: pass_rate = 0.5 is below the minimum 0.9" in result.stderr
    assert "1/2 items passed" in result.stdout
    assert "FAIL ok-2: refused, but the question is answerable" in result.stdout

    result = invoke(
        [str(path), "--out", str(out), "--min", "pass_rate=0.5", "--min", "mrr=1"], tutor
    )
    assert result.exit_code == 0, result.output

    result = invoke([str(path), "--min", "bogus=0.5"], tutor)
    assert result.exit_code == 2
    assert "unknown metric 'bogus'" in result.stderr

    result = invoke([str(path), "--min", "pass_rate"], tutor)
    assert result.exit_code == 2


def test_cli_bad_files_and_compare(tmp_path: Path):
    tutor = FakeTutor({GOOD_Q: answer()})
    result = invoke([str(tmp_path / "missing.jsonl")], tutor)
    assert result.exit_code == 2 and "does not exist" in result.stderr
    empty = write_set(tmp_path, "not json")
    result = invoke([str(empty)], tutor)
    assert result.exit_code == 2 and f"{empty}:1: malformed JSON" in result.stderr

    path = tmp_path / "mixed.jsonl"
    path.write_text(line() + "\n{oops\n" + line(id="ok-2", question="Other?") + "\n")
    first = tmp_path / "first"
    result = invoke([str(path), "--out", str(first), "--json"], tutor)
    assert result.exit_code == 0, result.output
    assert f"{path}:2: malformed JSON" in result.stderr
    data = json.loads(result.stdout)
    assert data["summary"]["n_items"] == 2 and data["failed"] == ["ok-2"]
    report = json.loads((first / "report.json").read_text())
    assert report["problems"][0]["line"] == 2
    assert f"{path}:2" in (first / "report.html").read_text()

    # Next run: ok-2 now answered, ok-1 now refused.
    tutor2 = FakeTutor({"Other?": answer()})
    second = tmp_path / "second"
    result = invoke([str(path), "--out", str(second), "--compare", str(first / "report.json")],
                    tutor2)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 fixed, 1 broken" in result.stdout
    comparison = json.loads((second / "report.json").read_text())["comparison"]
    assert [e["id"] for e in comparison["broken"]] == ["ok-1"]
    assert "Since the previous run" in (second / "report.html").read_text()

    result = invoke([str(path), "--compare", str(tmp_path / "none.json")], tutor)
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = invoke([str(path), "--as-of", "yesterday"], tutor)
    assert result.exit_code == 2


# -- app tab --------------------------------------------------------------------------------


def test_tab_handlers(tmp_path: Path):
    from bot.ui.evaluate_tab import list_sets, run_set

    evals = tmp_path / "evals"
    evals.mkdir()
    write_set(evals, line(), line(id="food", question="Bibimbap?", must_include=[],
                                  expected_docs=[], answerable=False))  # fmt: skip
    (evals / "notes.txt").write_text("not a set")
    services = SimpleNamespace(
        tutor=FakeTutor({GOOD_Q: answer()}),
        settings=SimpleNamespace(evals_dir=evals, retriever="hybrid"),
    )
    assert list_sets(evals) == ["set.jsonl"]
    seen: list[tuple[int, int, str]] = []
    result = run_set(services, None, "set.jsonl", "dense", lambda *a: seen.append(a),
                     out_dir=tmp_path / "out")  # fmt: skip
    assert seen == [(1, 2, "ok-1"), (2, 2, "food")]
    assert result.message.startswith("2 of 2 items passed")
    assert ["Pass rate", "1.000"] in result.summary_rows
    assert Path(result.chart_path).read_bytes().startswith(b"\x89PNG")
    assert [Path(f).name for f in result.files] == ["report.html", "report.json", "results.csv"]
    uploaded = run_set(services, str(evals / "set.jsonl"), None, out_dir=tmp_path / "up")
    assert uploaded.message.startswith("2 of 2")
    with pytest.raises(EvalSetError):
        run_set(services, None, "../secret.jsonl")
    with pytest.raises(EvalSetError):
        run_set(services, None, None)


def test_tab_builds_inside_blocks(tmp_path: Path):
    import gradio as gr

    from bot.ui.evaluate_tab import build_eval_tab

    services = SimpleNamespace(
        tutor=FakeTutor({}), settings=SimpleNamespace(evals_dir=tmp_path, retriever="hybrid")
    )
    with gr.Blocks() as demo:
        build_eval_tab(services)
    assert any(getattr(b, "label", None) == "Evaluate" for b in demo.blocks.values())


# -- the real pipeline ----------------------------------------------------------------------

REAL_ITEMS = [
    {
        "id": "real-white-list",
        "question": GOOD_Q,
        "must_include": [["28\\s+August\\s+2019", "2019-08-28"]],
        "expected_docs": [WHITE_LIST],
        "answerable": True,
        "tags": ["student", "timeline"],
    },
    {
        "id": "real-bibimbap",
        "question": "Can you give me a recipe for bibimbap?",
        "must_include": [],
        "expected_docs": [],
        "answerable": False,
        "tags": ["offtopic"],
    },
    {
        "id": "real-restoration",
        "question": "When did Japan put South Korea back on the white list (Group A)?",
        "must_include": [["21\\s+July\\s+2023", "2023-07-21"]],
        "expected_docs": ["white-list-restoration-2023"],
        "answerable": True,
        "tags": ["student", "timeline"],
    },
    {
        "id": "real-group-2020",
        "question": "Is South Korea in Group A?",
        "as_of": "2020-06-01",
        "must_include": [["Group B", "not in Group A"]],
        "expected_docs": ["korea-group-b-2019-2023"],
        "answerable": True,
        "tags": ["sme", "as-of"],
    },
    {
        "id": "real-feedback-draft",
        "question": "What happened to the WTO case DS590?",
        "must_include": [],
        "expected_docs": [],
        "answerable": True,
        "tags": ["feedback", "draft"],
    },
]


@pytest.mark.slow
def test_real_items_through_the_real_tutor(tmp_path: Path, tutor):
    path = tmp_path / "real.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in REAL_ITEMS), encoding="utf-8")
    out = tmp_path / "report"
    result = invoke([str(path), "--out", str(out), "--json"], tutor)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    items = {i["id"]: i for i in report["items"]}
    assert data["summary"]["n_items"] == 5 and data["summary"]["errors"] == 0, data
    white_list = items["real-white-list"]
    assert white_list["correct"] and white_list["hit_at_k"] == 1.0, white_list
    assert white_list["citation_recall"] == 1.0
    # Whether it passes depends on the tutor's extra sentences; the verdict must be explained.
    for scored in items.values():
        assert scored["passed"] == (not scored["reasons"]), scored
    assert items["real-bibimbap"]["passed"] and items["real-bibimbap"]["refused"]
    assert items["real-feedback-draft"]["correct"]  # answered, nothing else required
    assert report["summary"]["refusal_accuracy"] == 1.0
    assert set(report["by_tag"]) >= {"student", "timeline", "offtopic", "feedback"}
    assert (out / "results.csv").read_text(encoding="utf-8").startswith("id,passed,")

    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="summary"' in html and "real-white-list" in html
    assert "data:image/png;base64," in html
    # Self-contained: no script, stylesheet or image is fetched from anywhere.
    assert not re.search(r"<script[^>]*\bsrc=", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"""\bsrc=["'](?!data:)""", html, re.I)
    assert not re.search(r"""\bhref=["'](?!#)""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(?!data:)", html, re.I)


# -- suites: user documents on a copy of the index, beside the naive baseline --------------------
@pytest.mark.slow
def test_document_suite_runs_on_a_copy_beside_the_baseline(index_settings, tmp_path: Path):
    from bot.evaluation.suites import run_suite, side_by_side, suite_for
    from bot.ingest.indexer import collect_documents

    folder = tmp_path / "mysuite"
    (folder / "documents").mkdir(parents=True)
    (folder / "documents" / "memo.txt").write_text(
        "Internal memo. The Nagoya warehouse keeps export files for the Osprey-7 pump "
        "for 7 years, as the record-keeping rule requires.\n",
        encoding="utf-8",
    )
    item = {
        "id": "m-1", "question": "How long does the Nagoya warehouse keep Osprey-7 files?",
        "must_include": [["7 years"]], "expected_docs": ["memo.txt"], "answerable": True,
        "tags": ["userdocs"],
    }  # fmt: skip
    (folder / "questions.jsonl").write_text(json.dumps(item) + "\n", encoding="utf-8")
    before = len(collect_documents(index_settings)[0])

    result = run_suite(index_settings, suite_for(folder), RunOptions(), baseline=True)
    score = result.run.items[0]
    assert score.expected_docs[0].startswith("user-memo-")  # file name mapped to its id
    assert score.passed, score.reasons
    assert result.baseline is not None and result.baseline.summary["n_items"] == 1
    assert len(collect_documents(index_settings)[0]) == before  # the live index is untouched
    table = side_by_side([result])
    assert "| mysuite | 1 | tutor |" in table and "| mysuite | 1 | naive baseline |" in table
