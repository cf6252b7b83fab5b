"""Fit the answer-or-refuse model (bot/answering/scope_model.json) on the dev set only.

Features come from the real tutor with the model switched off (BOT_SCOPE_MODEL=off): each dev
item gives one row, labelled by its `answerable` field, plus generated off-topic questions.
A standardised logistic regression (scikit-learn) is fitted; the threshold is the highest
refusal recall on dev whose false-refusal rate stays at or under 3%. The held-out set is only
*reported* (never fitted or swept on).

Usage:
    .venv/bin/python bench/fit_scope.py            # fit, write the JSON, print dev + held-out
    .venv/bin/python bench/fit_scope.py --dry-run  # print, do not write
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from bot.answering.scope_model import FEATURE_NAMES, MODEL_FILE, ScopeFeatures, ScopeModel
from bot.answering.tutor import AskOptions, Tutor
from bot.config import load_settings, offline_environment
from bot.errors import InputError
from bot.evaluation.dataset import load_sets

MAX_FALSE_REFUSALS = 0.03
MIN_CUE_ROWS = 10  # a cue must be seen this often before it can be decisive
# Off-topic questions generated from templates: things a chat box receives that no export
# control course answers. Deliberately generic (not written from any evaluation item).
OFF_TOPIC_TEMPLATES = (
    "What is {x}?",
    "can you tell me about {x}",
    "how does {x} work",
    "explain {x} simply",
)
OFF_TOPIC_SUBJECTS = (
    "the offside rule in football",
    "a good recipe for miso soup",
    "the weather in Osaka",
    "quantum computing",
    "the plot of Hamlet",
    "photosynthesis",
    "the price of bitcoin",
    "how to learn the guitar",
    "the history of the Roman empire",
    "black holes",
    "the best sushi in Tokyo",
    "tax returns for freelancers",
    "the rules of chess",
    "the French revolution",
    "machine learning",
    "how vaccines work",
)
# In-scope subjects asked about the future or for personal advice: the course records what
# was decided and explains rules; it neither predicts nor advises on one person's case.
COURSE_SUBJECTS = (
    "the white list", "Group A", "catch-all controls", "the licence rules for Korea",
    "hydrogen fluoride exports", "the WTO case", "Japan's export controls", "bulk licences",
)  # fmt: skip
FUTURE_TEMPLATES = (
    "will {x} change next year",
    "what will happen to {x} in 2030",
    "is japan going to tighten {x} again",
    "predict what happens next with {x}",
)
ADVICE_TEMPLATES = (
    "should i risk shipping without checking {x}",
    "will i get fined if i ignore {x}",
    "draft my company's application under {x}",
    "can you guarantee my shipment is fine under {x}",
)


def rows(tutor: Tutor, items: list[tuple[str, dict, bool]]) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows (extractive answers only) and labels (1 = must refuse)."""
    xs, ys = [], []
    for question, options, refuse in items:
        try:
            answer = tutor.ask(question, AskOptions(**options))
        except InputError:
            continue
        if "best_similarity" not in answer.evidence:
            continue  # routed to the checker or refused by scope before retrieval
        xs.append([answer.evidence[name] for name in FEATURE_NAMES])
        ys.append(int(refuse))
    return np.array(xs, dtype=float), np.array(ys)


def dataset_rows(tutor: Tutor, path: Path) -> tuple[np.ndarray, np.ndarray]:
    items = [
        (i.question, {"as_of": i.as_of, "history": list(i.history)}, not i.answerable)
        for i in load_sets([path]).items
    ]
    return rows(tutor, items)


def decisive_cues(x: np.ndarray, y: np.ndarray) -> tuple[str, ...]:
    """Binary cues seen at least MIN_CUE_ROWS times, always on must-refuse rows."""
    found = []
    for j, name in enumerate(FEATURE_NAMES):
        column = x[:, j]
        if not set(np.unique(column)) <= {0.0, 1.0}:
            continue
        on = column >= 1.0
        if on.sum() >= MIN_CUE_ROWS and (y[on] == 1).all():
            found.append(name)
    return tuple(found)


def probabilities(scope: ScopeModel, x: np.ndarray) -> np.ndarray:
    """P(refuse) per row, computed by the run-time model itself (decisive cues included)."""
    return np.array([scope.refuse_probability(ScopeFeatures(*row)) for row in x])


def sweep(p: np.ndarray, y: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, false-refusal rate, refusal recall) for each candidate threshold."""
    out = []
    for t in sorted(set(np.round(p, 4)) | {0.5}):
        refused = p >= t
        fr = float(refused[y == 0].mean()) if (y == 0).any() else 0.0
        recall = float(refused[y == 1].mean()) if (y == 1).any() else 0.0
        out.append((float(t), fr, recall))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--c", type=float, default=1.0, help="Inverse regularisation strength.")
    args = parser.parse_args(argv)
    offline_environment()
    settings = replace(load_settings(), scope_model="off")
    tutor = Tutor(settings)
    x_dev, y_dev = dataset_rows(tutor, settings.evals_dir / "core.jsonl")
    generated = [
        (t.format(x=s), {}, True)
        for templates, subjects in (
            (OFF_TOPIC_TEMPLATES, OFF_TOPIC_SUBJECTS),
            (FUTURE_TEMPLATES + ADVICE_TEMPLATES, COURSE_SUBJECTS),
        )
        for t, s in itertools.product(templates, subjects)
    ]
    x_gen, y_gen = rows(tutor, generated)
    x = np.vstack([x_dev, x_gen]) if len(x_gen) else x_dev
    y = np.concatenate([y_dev, y_gen])
    decisive = decisive_cues(x, y)
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=args.c, class_weight="balanced", max_iter=1000)
    model.fit(scaler.transform(x), y)
    scope = ScopeModel(
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        threshold=0.5,
        decisive=decisive,
    )
    p_dev = probabilities(scope, x_dev)
    table = sweep(p_dev, y_dev)
    ok = [row for row in table if row[1] <= MAX_FALSE_REFUSALS]
    threshold, fr, recall = max(ok, key=lambda r: (r[2], -r[1], r[0]))
    print(f"dev rows: {len(y_dev)} ({int(y_dev.sum())} must refuse), generated: {len(y_gen)}")
    print("decisive cues:", list(decisive))
    print("weights:", dict(zip(FEATURE_NAMES, np.round(model.coef_[0], 3), strict=True)))
    print(
        f"threshold {threshold:.4f}: dev false refusals {fr:.3f}, refusal recall {recall:.3f}"
    )

    result = {
        **replace(scope, threshold=threshold).to_dict(),
        "fitted_on": "evals/core.jsonl (dev) + generated off-topic questions",
        "dev": {"false_refusal_rate": fr, "refusal_recall": recall, "rows": int(len(y_dev))},
    }
    heldout = settings.evals_dir / "heldout.jsonl"
    if heldout.is_file():
        x_h, y_h = dataset_rows(tutor, heldout)
        p_h = probabilities(scope, x_h) >= threshold
        h_fr = float(p_h[y_h == 0].mean())
        h_recall = float(p_h[y_h == 1].mean())
        result["heldout_report_only"] = {"false_refusal_rate": h_fr, "refusal_recall": h_recall}
        print(f"held-out (report only): false refusals {h_fr:.3f}, refusal recall {h_recall:.3f}")
    if not args.dry_run:
        MODEL_FILE.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
