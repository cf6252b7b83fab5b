"""Export the packaged embedding model to ONNX once, so questions never need torch.

Loading torch and sentence-transformers costs seconds on every start; onnxruntime plus the
model's own `tokenizers` file loads in a fraction of that and gives the same vectors. The
export runs at the first index (or whenever it is missing or stale), writes the graph into the
data folder with a manifest beside it (source model and its files' sha256, export settings,
the graph's sha256, the check against sentence-transformers), and is deterministic: the same
weights and settings give the same bytes.

Only `export_model` imports torch; everything else here is cheap enough for the query path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import TutorError

log = logging.getLogger(__name__)

# Bump when the wrapper below or EXPORT_SETTINGS change: every older export becomes stale.
EXPORT_VERSION = 1
EXPORT_SETTINGS: dict[str, Any] = {
    "version": EXPORT_VERSION,
    "exporter": "torch.onnx.export (TorchScript, dynamo=False)",
    "opset": 17,
    "inputs": ["input_ids", "attention_mask", "token_type_ids"],
    "output": "embedding",
    "dynamic_axes": "batch, sequence",
    "pooling": "mean over attention mask",
    "normalize": "L2",
    "dtype": "float32",
}
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "export.json"
# The source files whose change makes an export stale (weights, architecture, tokenizer, pooling).
SOURCE_FILES = (
    "model.safetensors",
    "config.json",
    "tokenizer.json",
    "sentence_bert_config.json",
    "modules.json",
    "1_Pooling/config.json",
)
# A fixed sample for the check against sentence-transformers (questions and passages alike).
CHECK_SAMPLE = (
    "When was South Korea removed from the white list?",
    "Which three items did Japan move to individual licences on 4 July 2019?",
    "Hydrogen fluoride (HF) is used to etch and clean silicon wafers.",
    "Resist (photoresist) is listed in row 7(19) of Appended Table 1.",
    "The WTO case DS590 was withdrawn by South Korea in March 2023.",
    "A catch-all control applies to items not on the list when the exporter knows of a "
    "military end use.",
    "Group A countries are outside Japan's catch-all control.",
    "Fluorinated polyimide is used in flexible displays.",
    "On 21 July 2023 South Korea returned to Group A.",
    "What records does an exporter have to keep?",
    "ホワイト国とは何ですか?",
    "불화수소는 어떤 규제를 받나요?",
    "a",
    "a recipe for bibimbap",
    "Article 48 of the Foreign Exchange and Foreign Trade Act requires a licence. " * 12,
)
MIN_CHECK_COSINE = 0.9999
CHECK_TOP = 5


@dataclass(frozen=True)
class ExportedModel:
    """Where a verified export lives and what it was made from."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def model_file(self) -> Path:
        return self.folder / MODEL_FILE

    @property
    def tokenizer_file(self) -> Path:
        return self.folder / TOKENIZER_FILE

    @property
    def max_length(self) -> int:
        return int(self.manifest["max_seq_length"])


def export_folder(settings: Settings) -> Path:
    """`BOT_ONNX_DIR`, else `<data dir>/onnx`; one subfolder per model name."""
    base = Path(settings.onnx_dir).expanduser().resolve() if settings.onnx_dir else None
    base = base or settings.data_dir / "onnx"
    slug = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in settings.embedding_model)
    return Path(base) / slug.strip("_.")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stat(path: Path) -> dict[str, int]:
    info = path.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def _source_stats(model_path: Path) -> dict[str, dict[str, int]]:
    return {name: _stat(model_path / name) for name in SOURCE_FILES if (model_path / name).exists()}


def _package_version(model_name: str) -> str:
    try:
        return metadata.version(model_name)
    except metadata.PackageNotFoundError:
        return ""  # a local model folder


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def stale_reason(
    folder: Path, model_name: str, model_path: Path, *, verify_sha: bool = False
) -> str | None:
    """Why the export in `folder` cannot be used as is, or None when it is current.

    The quick check (every start) compares sizes and modification times of the source files
    and of the graph with the manifest; `verify_sha` also rehashes the graph (each ingest).
    """
    manifest = read_manifest(folder)
    if manifest is None:
        return "no export yet"
    if manifest.get("export") != EXPORT_SETTINGS:
        return "export settings changed"
    if manifest.get("source_model") != model_name:
        return "another source model"
    if manifest.get("source_package_version") != _package_version(model_name):
        return "the model package was upgraded"
    if manifest.get("source_stats") != _source_stats(model_path):
        return "the source model files changed"
    for name in (MODEL_FILE, TOKENIZER_FILE):
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if manifest.get("files", {}).get(name, {}).get("stat") != _stat(path):
            return f"{name} changed since the export"
    if verify_sha and sha256_file(folder / MODEL_FILE) != manifest["sha256"]:
        return f"{MODEL_FILE} does not match its sha256"
    return None


def ensure_export(settings: Settings, *, verify_sha: bool = False) -> ExportedModel:
    """The current export, made (or remade) first if it is missing or stale."""
    from filelock import FileLock

    from bot.retrieval.embeddings import resolve_model_path

    folder = export_folder(settings)
    model_path = resolve_model_path(settings.embedding_model)
    name = settings.embedding_model
    if stale_reason(folder, name, model_path, verify_sha=verify_sha) is None:
        return ExportedModel(folder, read_manifest(folder) or {})
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / "export.lock")):  # two processes never export at once
        reason = stale_reason(folder, name, model_path, verify_sha=True)
        if reason is not None:
            log.warning("exporting %s to ONNX (%s); this happens once", name, reason)
            export_model(name, model_path, folder)
    return ExportedModel(folder, read_manifest(folder) or {})


def _pooling_is_mean(model_path: Path) -> bool:
    config = json.loads((model_path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    return bool(config.get("pooling_mode_mean_tokens") or config.get("pooling_mode") == "mean")


def _max_seq_length(model_path: Path) -> int:
    path = model_path / "sentence_bert_config.json"
    if path.is_file():
        return int(json.loads(path.read_text(encoding="utf-8")).get("max_seq_length", 256))
    return 256


def _trace(model: Any, torch: Any, target: Path) -> None:
    """Trace the mean-pooled model to ONNX at `target`, with dynamic batch and length."""
    wrapper = _MeanPooled(model, torch)
    dummy = torch.ones((2, 8), dtype=torch.long)
    axes = {"0": "batch", "1": "sequence"}
    dynamic = {name: {int(k): v for k, v in axes.items()} for name in EXPORT_SETTINGS["inputs"]}
    dynamic[EXPORT_SETTINGS["output"]] = {0: "batch"}
    # The tracer warns about two shape tests in transformers' attention code; for an encoder
    # given a mask both are constant (no padding offset, never causal), and export_model's check
    # compares the graph with sentence-transformers on texts of many lengths.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            (dummy, dummy, torch.zeros_like(dummy)),
            str(target),
            input_names=list(EXPORT_SETTINGS["inputs"]),
            output_names=[EXPORT_SETTINGS["output"]],
            dynamic_axes=dynamic,
            opset_version=EXPORT_SETTINGS["opset"],
            do_constant_folding=True,
            dynamo=False,
        )


def _manifest(
    model_name: str, model_path: Path, folder: Path, max_length: int, dimension: int,
    tools: dict[str, str], check: dict[str, Any], started: float,
) -> dict[str, Any]:
    """What was exported from what, with which tools, and how well it matched."""
    return {
        "source_model": model_name,
        "source_path": str(model_path),
        "source_package_version": _package_version(model_name),
        "source_sha256": {
            name: sha256_file(model_path / name)
            for name in SOURCE_FILES
            if (model_path / name).exists()
        },
        "source_stats": _source_stats(model_path),
        "export": EXPORT_SETTINGS,
        "max_seq_length": max_length,
        "dimension": dimension,
        "sha256": sha256_file(folder / MODEL_FILE),
        "files": {
            name: {"sha256": sha256_file(folder / name), "stat": _stat(folder / name)}
            for name in (MODEL_FILE, TOKENIZER_FILE)
        },
        "tools": tools,
        "check": check,
        "seconds": round(time.perf_counter() - started, 2),
    }


def export_model(model_name: str, model_path: Path, folder: Path) -> dict[str, Any]:
    """Export, check against sentence-transformers, and write the manifest last (atomically).

    Raises `TutorError` when the model is not a mean-pooled, normalised sentence model (the
    only kind this wrapper reproduces) or when the check fails.
    """
    if not (model_path / "modules.json").is_file() or not _pooling_is_mean(model_path):
        raise TutorError(f"{model_name}: only mean-pooled sentence-transformers models export")
    import onnx
    import torch
    from transformers import AutoModel

    started = time.perf_counter()
    torch.manual_seed(0)
    model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()
    tmp_model = folder / f".{MODEL_FILE}.tmp"
    _trace(model, torch, tmp_model)
    onnx.checker.check_model(str(tmp_model))
    tmp_tokenizer = folder / f".{TOKENIZER_FILE}.tmp"
    shutil.copyfile(model_path / TOKENIZER_FILE, tmp_tokenizer)
    max_length = _max_seq_length(model_path)
    from bot.retrieval.embeddings import shared_embeddings
    from bot.retrieval.onnx_embeddings import OnnxEmbeddings

    check = check_against_sentence_transformers(
        OnnxEmbeddings(tmp_model, tmp_tokenizer, max_length), shared_embeddings(model_name)
    )
    if check["min_cosine"] < MIN_CHECK_COSINE or not check["same_top"]:
        tmp_model.unlink(missing_ok=True)
        raise TutorError(f"the ONNX export of {model_name} does not match its model: {check}")
    (folder / MANIFEST_FILE).unlink(missing_ok=True)  # a half-replaced export is never current
    os.replace(tmp_model, folder / MODEL_FILE)
    os.replace(tmp_tokenizer, folder / TOKENIZER_FILE)
    tools = {
        "torch": torch.__version__,
        "transformers": metadata.version("transformers"),
        "onnx": onnx.__version__,
    }
    manifest = _manifest(model_name, model_path, folder, max_length,
                         int(model.config.hidden_size), tools, check, started)
    tmp_manifest = folder / f".{MANIFEST_FILE}.tmp"
    tmp_manifest.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp_manifest, folder / MANIFEST_FILE)
    log.info("exported %s to %s in %.1f s", model_name, folder, manifest["seconds"])
    return manifest


def check_against_sentence_transformers(
    candidate: Any, reference: Any, texts: tuple[str, ...] | list[str] = CHECK_SAMPLE
) -> dict[str, Any]:
    """Compare two encoders (`encode(texts)` -> normalised rows) on `texts`: the lowest cosine
    between their vectors of the same text, and whether every text ranks the same top
    `CHECK_TOP` neighbours among the sample with both."""
    import numpy as np

    ours, theirs = candidate.encode(list(texts)), reference.encode(list(texts))
    cosines = (ours * theirs).sum(axis=1)
    top = min(CHECK_TOP, len(texts))

    def ranks(vectors: np.ndarray) -> list[list[int]]:
        return np.argsort(-(vectors @ vectors.T), axis=1, kind="stable")[:, :top].tolist()

    return {
        "sample": len(texts),
        "min_cosine": round(float(cosines.min()), 7),
        "same_top": ranks(ours) == ranks(theirs),
        "top": top,
    }


class _MeanPooled:
    """Transformer + mean pooling over the attention mask + L2 normalisation, as one module,
    so the graph returns sentence vectors (the runtime side needs no numpy pooling)."""

    def __new__(cls, model: Any, torch: Any) -> Any:
        class MeanPooled(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
                tokens = self.model(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                )[0]
                mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
                summed = (tokens * mask).sum(dim=1)
                counts = mask.sum(dim=1).clamp(min=1e-9)
                return torch.nn.functional.normalize(summed / counts, p=2, dim=1)

        return MeanPooled().eval()
