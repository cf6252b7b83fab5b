"""At most N answers at once, handed out first come, first served.

The chat's events and `POST /api/ask` run in the web server's thread pool, not in Gradio's
queue, so the app bounds how many answers run at once itself (`BOT_CONCURRENCY`). A plain
semaphore lets a newly arrived request take a free slot before those already waiting, which
under 50 users gave some of them several times the median wait; here a released slot goes
straight to the longest waiter, as a queue would.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FairSlots:
    """A FIFO semaphore: `with slots:` waits its turn for one of `size` slots."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._free = max(1, size)
        self._waiting: deque[threading.Event] = deque()

    def __enter__(self) -> FairSlots:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return self
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # the releasing thread hands its slot over: no one can take it first
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1
