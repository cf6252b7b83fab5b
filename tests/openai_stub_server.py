"""A tiny OpenAI-compatible server for tests: /v1/chat/completions.

It answers with any LangChain chat model (the local SmolLM2 in the tests), so the real
langchain-openai client and its HTTP requests run end to end on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from typing import Any

import uvicorn
from fastapi import Body, FastAPI
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

MESSAGE_TYPES = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


def _messages(body: dict[str, Any]) -> list[BaseMessage]:
    return [
        MESSAGE_TYPES.get(m.get("role", "user"), HumanMessage)(content=m.get("content") or "")
        for m in body.get("messages", [])
    ]


def create_app(chat_model: BaseChatModel) -> FastAPI:
    """The app; `app.state.requests` lists every request body received (for assertions)."""
    app = FastAPI()
    app.state.requests = []

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "stub", "object": "model"}]}

    @app.post("/v1/chat/completions", response_model=None)
    def chat(body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        app.state.requests.append(body)
        ident, created, model = f"chatcmpl-{uuid.uuid4().hex[:12]}", int(time.time()), body["model"]
        messages = _messages(body)
        text = str(chat_model.invoke(messages).content)
        return {
            "id": ident,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }

    return app


class StubServer:
    """Serve `create_app(chat_model)` on 127.0.0.1 in a thread: `with StubServer(m) as s: s.url`."""

    def __init__(self, chat_model: BaseChatModel) -> None:
        self.app = create_app(chat_model)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))  # the OS picks a free port; no race with others
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.app.state.requests

    def __enter__(self) -> StubServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the stub server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()
