"""Rewording check: does an answer survive the way people retype a question?

A question that passes should still pass when a user types it casually ("korea", no question
mark, "whats"), formally ("South Korea", capitalised, with "?"), or with one typo. This writes
such variants of the dev items that passed in a report (never of held-out items, which are not
for tuning), with a fixed seed, as evaluation sets to run with `bot eval`:

    .venv/bin/bot eval --suite dev --out /tmp/dev                  # the report to start from
    .venv/bin/python bench/rewordings.py /tmp/dev/report.json --out /tmp/rewordings
    .venv/bin/bot eval /tmp/rewordings/rewrites.jsonl --out /tmp/rewrites
    .venv/bin/bot eval /tmp/rewordings/typos.jsonl --out /tmp/typos

Each variant keeps its item's expectations; its id is the item's with "~c", "~f" (casual,
formal) or "~t0", "~t1" (typos). Follow-ups are left out: their history would need rewording
too.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

DEV = Path(__file__).resolve().parent.parent / "evals" / "core.jsonl"


def casual(question: str) -> str:
    text = question.lower().rstrip("?").strip()
    text = text.replace("south korea", "korea").replace("'s ", "s ").replace("’s ", "s ")
    return re.sub(r"\bwhat is\b", "whats", text)


def formal(question: str) -> str:
    text = question.strip()
    if "south korea" not in text.lower():
        text = re.sub(r"\bkorea\b", "South Korea", text, flags=re.IGNORECASE)
    text = text[0].upper() + text[1:]
    return text if text.endswith("?") else text + "?"


def typo(question: str, rng: random.Random) -> str | None:
    """One letter swapped with the next, dropped or doubled, in a word of five letters or more."""
    words = question.split()
    long_words = [i for i, w in enumerate(words) if re.fullmatch(r"[A-Za-z]{5,}", w)]
    if not long_words:
        return None
    i = rng.choice(long_words)
    word, at = words[i], rng.randrange(1, len(words[i]) - 1)
    edits: dict[str, Callable[[], str]] = {
        "swap": lambda: word[:at] + word[at + 1] + word[at] + word[at + 2 :],
        "drop": lambda: word[:at] + word[at + 1 :],
        "double": lambda: word[:at] + word[at] + word[at:],
    }
    words[i] = edits[rng.choice(sorted(edits))]()
    return " ".join(words)


def variants(item: dict, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """The rewrites and the typo variants of one item (none that equal the question)."""
    def copy(suffix: str, question: str | None) -> list[dict]:
        if not question or question.strip() == item["question"].strip():
            return []
        return [{**item, "id": f"{item['id']}~{suffix}", "question": question}]

    rewrites = copy("c", casual(item["question"])) + copy("f", formal(item["question"]))
    typos = copy("t0", typo(item["question"], rng)) + copy("t1", typo(item["question"], rng))
    return rewrites, typos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="report.json of a dev run (`bot eval`)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the two sets")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    passed = {i["id"] for i in json.loads(args.report.read_text())["items"] if i["passed"]}
    rng = random.Random(args.seed)
    rewrites: list[dict] = []
    typos: list[dict] = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        item = json.loads(line) if line.strip() else None
        if not item or item["id"] not in passed or item.get("history"):
            continue
        if not item.get("answerable", True):
            continue
        more_rewrites, more_typos = variants(item, rng)
        rewrites += more_rewrites
        typos += more_typos
    args.out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("rewrites", rewrites), ("typos", typos)):
        path = args.out / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        print(f"{len(rows)} {name}: {path}")


if __name__ == "__main__":
    main()
