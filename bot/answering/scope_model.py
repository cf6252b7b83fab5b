"""Answer or refuse: a logistic model over the evidence, fitted on the dev set, not hand rules.

One similarity bar cannot tell "explain catch-all controls simply" (casual, in scope) from
"what are China's export rules on gallium" (on-topic words, out of scope). Several weak signals
together can: how close the best sentence is, how strong the exact-word match is, how many of
the question's words the course uses at all, names the course never mentions, and cues for the
future or for personal advice. `bench/fit_scope.py` fits the weights with scikit-learn on the
dev set (answerable vs must-refuse items plus generated off-topic questions), chooses the
threshold there, and writes `scope_model.json`; at run time this module only applies it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("scope_model.json")
# The world's future, not the asker's own plans: "will japan ...", "is japan going to add ...",
# but not "how long will it take", "will i need a licence" (today's rules) or "going to korea"
# (a destination).
FUTURE = re.compile(
    r"\b(?:will|won'?t|gonna)\b(?!\s+(?:i|we|it|you|my|our)\b)|"
    r"\bgoing to\s+(?!(?:the|a|an|our|my|their|its|this|that|these|those)\b)\w+\s+\w|"
    r"\bwould\s+(?!(?:i|we|it|you|my|our|the|a|an|this|that)\b)\w+\b.*\bif\b|"
    r"\b(?:next (?:year|time|government|election)|in the future|predict\w*|forecast\w*|"
    r"likely to|expect(?:ed)? to|by 20[3-9]\d|in 20[3-9]\d)\b",
    re.IGNORECASE,
)
# A past announcement or expectation: "METI said it would ...", "DS590 was expected to ...".
PAST_WILL = re.compile(
    r"\b(said|announced|stated|decided) (?:it|that \w+|they) would\b|"
    r"\b(?:was|were)\b[^.?!]{0,30}\bexpected to\b",
    re.I,
)
# One person's own case: legal strategy, their documents, their past shipments. "What should I
# do before shipping?" asks for the general procedure, which the course explains; "Japan set
# conditions to review the curbs" is history, not a request to review the user's papers.
ADVICE = re.compile(
    r"\b(should (?:i|we) (?:sue|self|risk|admit|report|tell|hide|appeal|fight|plead)|"
    r"will (?:i|we) (?:get|be)|am i (?:going|liable|safe)|"
    r"(?:i|we) (?:already |just |recently )?(?:shipped|exported|sent|sold) |under investigation|"
    r"(?:can|should|could) (?:i|we) appeal|would (?:i|we) win|"
    r"(?:i|we)(?:'ve| have)? (?:got|gotten|received) (?:an?|the|this) (?:[\w-]+ )?"
    r"(?:notice|letter|warning|order|notification)|"
    r"(?:write|draft|review|prepare|fill (?:in|out)) (?:our|my) |"
    r"(?:^|you |please |pls )(?:write|draft|review|prepare|fill (?:in|out)) the |"
    r"my (?:lawyer|case(?! stud)|"
    r"order|shipment)|our (?:lawyer|case)|represent (?:me|us)|guarantee|sue|get (?:fined|arrested|"
    r"caught)|is it safe|legal advice|advise (?:me|us)|best defen[cs]e|"
    r"(?:get|be|are|am) (?:in|into) trouble|"
    r"(?:shipments?|exports?|sales?|deliver(?:y|ies)) (?:i|we) (?:already )?"
    r"(?:made|did|sent|shipped))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ScopeFeatures:
    """The evidence signals the refusal decision rests on (all in 0..1 or small counts)."""

    best_similarity: float
    top_dense: float
    top_bm25: float
    known_share: float
    unknown_names: float
    coverage: float
    future_cue: float
    advice_cue: float

    def vector(self) -> list[float]:
        return [float(v) for v in asdict(self).values()]


FEATURE_NAMES = tuple(ScopeFeatures.__dataclass_fields__)


def cues(question: str) -> tuple[float, float]:
    """(future, advice) cues of a question; "said it would" is a past announcement."""
    future = bool(FUTURE.search(question)) and not PAST_WILL.search(question)
    return float(future), float(bool(ADVICE.search(question)))


@dataclass(frozen=True)
class ScopeModel:
    """Standardised logistic regression: P(refuse) = sigmoid(w · (x - mean) / scale + b)."""

    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float
    # Cues that never came with an answerable question in the fitting data (a question about
    # the future, say): a logistic weight stays finite under regularisation, so strong
    # evidence could outvote them; the fit records them as decisive instead.
    decisive: tuple[str, ...] = ()

    def refuse_probability(self, features: ScopeFeatures) -> float:
        if any(getattr(features, name) >= 1.0 for name in self.decisive):
            return 1.0
        x = features.vector()
        z = self.intercept + sum(
            w * (v - m) / (s or 1.0)
            for w, v, m, s in zip(self.coef, x, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-z))

    def refuses(self, features: ScopeFeatures) -> bool:
        return self.refuse_probability(features) >= self.threshold

    def to_dict(self) -> dict:
        return {"features": list(FEATURE_NAMES), **asdict(self)}


@lru_cache(maxsize=4)
def load_scope_model(path: str = str(MODEL_FILE)) -> ScopeModel | None:
    """The fitted model, or None when the file is absent (then only the similarity floor)."""
    file = Path(path)
    if not file.is_file():
        return None
    data = json.loads(file.read_text(encoding="utf-8"))
    if tuple(data.get("features", ())) != FEATURE_NAMES:
        raise ValueError(f"{file}: features {data.get('features')} != {list(FEATURE_NAMES)}")
    return ScopeModel(
        coef=tuple(data["coef"]),
        intercept=float(data["intercept"]),
        mean=tuple(data["mean"]),
        scale=tuple(data["scale"]),
        threshold=float(data["threshold"]),
        decisive=tuple(data.get("decisive", ())),
    )
