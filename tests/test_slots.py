"""FairSlots: at most N holders at once, and waiters served in arrival order."""

from __future__ import annotations

import threading
import time

from bot.ui.slots import FairSlots


def test_waiters_get_their_slot_in_arrival_order() -> None:
    slots = FairSlots(1)
    order: list[int] = []
    threads = []
    with slots:  # hold the only slot while five threads queue up, one after the other
        for n in range(5):
            thread = threading.Thread(target=lambda n=n: _take(slots, order, n))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 5
            while len(slots._waiting) < n + 1 and time.monotonic() < deadline:
                time.sleep(0.001)
    for thread in threads:
        thread.join(timeout=5)
    assert order == [0, 1, 2, 3, 4]


def _take(slots: FairSlots, order: list[int], n: int) -> None:
    with slots:
        order.append(n)


def test_never_more_holders_than_slots() -> None:
    slots = FairSlots(2)
    inside, peak = [0], [0]
    lock = threading.Lock()

    def work() -> None:
        with slots:
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.002)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert peak[0] == 2 and inside[0] == 0
