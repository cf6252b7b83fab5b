"""`POST /api/ask`: the tutor as plain JSON, on the app's own server, for programmatic clients.

Gradio's chat event goes through its queue, server-sent events and per-session state, which a
browser needs and a script does not; under many users that protocol costs several times the
answer itself (bench/README.md). This route answers in one request/response: the body is
`{"question", "as_of", "history"}` (history: the conversation's earlier questions, oldest
first, kept by the client) and the reply is the answer's JSON (`bot ask --json`), or
`{"error"}` with status 400 for bad input. When the app asks for a login, so does this route
(HTTP Basic, the same users).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from typing import Any

from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.requests import Request

from bot.answering.tutor import AskOptions
from bot.errors import InputError, TutorError
from bot.ui.handlers import FRIENDLY_ERROR, Services
from bot.ui.slots import AnswerSlots

log = logging.getLogger(__name__)

ROUTE = "/api/ask"
MAX_HISTORY = 20


def answer_json(services: Services, payload: object) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) for one request body; never raises."""
    if not isinstance(payload, dict):
        return 400, {"error": 'Send a JSON object: {"question": "..."}.'}
    question, as_of = payload.get("question"), payload.get("as_of")
    history = payload.get("history")
    if not isinstance(question, str):
        return 400, {"error": "'question' must be text."}
    if as_of is not None and not isinstance(as_of, str):
        return 400, {"error": "'as_of' must be a YYYY-MM-DD date."}
    if history is None:
        history = []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        return 400, {"error": "'history' must be a list of earlier questions."}
    options = AskOptions(as_of=as_of or None, history=history[-MAX_HISTORY:])
    try:
        return 200, services.ask(question, options).to_dict()
    except InputError as exc:
        return 400, {"error": str(exc)}
    except TutorError as exc:
        log.warning("question not answered: %s", exc)
        return 503, {"error": str(exc)}
    except Exception:
        log.exception("answering %r failed", question[:200])
        return 500, {"error": FRIENDLY_ERROR}


def authorized(header: str | None, users: list[tuple[str, str]] | None) -> bool:
    """True without a login file; else the HTTP Basic credentials must match one user."""
    if not users:
        return True
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return any(
        hmac.compare_digest(user, u) & hmac.compare_digest(password, p) for u, p in users
    )


def api_routes(
    services: Services, concurrency: int, users: list[tuple[str, str]] | None = None
) -> list[APIRoute]:
    """The route(s) to add to the FastAPI app Gradio serves (passed at its creation, so they
    come before Gradio's own)."""
    # At most `concurrency` answers at once, as in the chat; the rest wait their turn.
    slots = AnswerSlots(concurrency)

    async def ask(request: Request) -> JSONResponse:
        if not authorized(request.headers.get("authorization"), users):
            return JSONResponse(
                {"error": "Log in first."},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="tutor"'},
            )
        try:
            payload = await request.json()
        except ValueError:
            return JSONResponse({"error": "The body is not JSON."}, status_code=400)
        status, body = await slots.run(answer_json, services, payload)
        return JSONResponse(body, status_code=status)

    return [APIRoute(ROUTE, ask, methods=["POST"], include_in_schema=False)]
