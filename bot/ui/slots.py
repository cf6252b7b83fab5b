"""At most N answers at once, handed out first come, first served, without holding a thread.

The chat's events and `POST /api/ask` run off Gradio's queue, so the app bounds how many
answers run at once itself (`BOT_CONCURRENCY`). A request waits for its turn on the event
loop, not in a worker thread: with a lock taken inside the thread, 50 users' waiting questions
held the server's worker threads, and page loads (which need one) waited behind them (p50
2.5 s under 50 users). anyio's capacity limiter wakes waiters in arrival order, as the queue
did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class AnswerSlots:
    """`await slots.run(fn, *args)`: fn runs in a worker thread once one of `size` slots is
    free; waiting costs no thread."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._limiter: anyio.CapacityLimiter | None = None  # made inside the server's loop

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.size)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
