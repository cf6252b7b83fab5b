"""AnswerSlots: at most N answers at once, waiters served in arrival order, no thread held."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import anyio

from bot.ui.slots import AnswerSlots


def run_tasks(size: int, count: int) -> tuple[list[int], list[int], int]:
    """Start `count` calls one after the other; (results, start order, peak at once)."""
    slots = AnswerSlots(size)
    order: list[int] = []
    inside, peak = [0], [0]
    lock = threading.Lock()

    def work(n: int) -> int:
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            order.append(n)
        time.sleep(0.05)  # long enough for the later calls to arrive meanwhile
        with lock:
            inside[0] -= 1
        return n * 10

    async def main() -> list[int]:
        tasks = []
        for n in range(count):
            tasks.append(asyncio.create_task(slots.run(work, n)))
            await asyncio.sleep(0.001)  # each reaches the slots before the next one starts
        return list(await asyncio.gather(*tasks))

    # In a thread of its own: a browser test's event loop may still run in this one.
    with ThreadPoolExecutor(1) as pool:
        results = pool.submit(anyio.run, main).result(timeout=60)
    return results, order, peak[0]


def test_waiters_run_in_arrival_order() -> None:
    results, order, peak = run_tasks(1, 8)
    assert results == [n * 10 for n in range(8)]
    assert order == list(range(8)) and peak == 1


def test_never_more_answers_at_once_than_slots() -> None:
    results, order, peak = run_tasks(3, 12)
    assert sorted(order) == list(range(12)) and peak == 3
    assert results == [n * 10 for n in range(12)]
