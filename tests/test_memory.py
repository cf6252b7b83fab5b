"""The allocator setting that keeps the app's memory flat (bot/memory.py), on this glibc.

Each case runs in a fresh interpreter: the setting lasts for the life of a process. A large
buffer is freed once (which makes glibc raise its mmap threshold), then another is taken:
by default it comes from the heap and stays there after it is freed; with the fixed
threshold it is its own mapping, handed back to the kernel when freed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, load_settings

PROBE = """
import sys
from bot.memory import fix_mmap_threshold
fixed = fix_mmap_threshold(int(sys.argv[1]))
def mappings():
    with open("/proc/self/maps") as maps:
        return sum(1 for _ in maps)
buffer = bytearray(3 << 20); del buffer          # glibc raises its threshold past 3 MiB
before = mappings(); buffer = bytearray(2 << 20)
during = mappings(); del buffer
print(fixed, during - before, mappings() - before)
"""

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/maps").exists(),
    reason="needs Linux's /proc/self/maps",
)


def probe(threshold: int) -> tuple[str, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(threshold)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    fixed, during, after = done.stdout.split()
    return fixed, int(during), int(after)


def test_large_buffers_go_back_to_the_kernel_with_the_fixed_threshold() -> None:
    fixed, during, after = probe(load_settings({}).mmap_threshold)
    if fixed != "True":
        pytest.skip("this C library has no mallopt (not glibc): nothing to tune")
    assert (during, after) == (1, 0)  # its own mapping while in use, gone once freed


def test_by_default_glibc_keeps_them_in_the_heap() -> None:
    """Why the setting exists: without it the same buffer comes from (and stays in) the heap."""
    fixed, during, after = probe(0)
    assert fixed == "False"  # 0 leaves the allocator alone
    assert (during, after) == (0, 0)


TRIM_PROBE = """
import sys, time
from bot.memory import trim_periodically
def rss_mb():
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024
blocks = [bytearray(8192) for _ in range(20_000)]    # about 160 MB of small blocks
keep = blocks[::10]; del blocks                      # 90 % freed, holes all over the heap
freed = rss_mb()
started = trim_periodically(float(sys.argv[1])) is not None
time.sleep(1.0)
print(started, round(freed), round(rss_mb()))
"""


@pytest.mark.parametrize(("every", "returned"), [(0.1, True), (0.0, False)])
def test_free_heap_pages_are_handed_back_by_the_trim_thread(every: float, returned: bool) -> None:
    done = subprocess.run(
        [sys.executable, "-c", TRIM_PROBE, str(every)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    started, freed_text, after_text = done.stdout.split()
    freed, after = int(freed_text), int(after_text)
    if returned and started != "True":
        pytest.skip("this C library has no malloc_trim (not glibc): nothing to trim")
    if returned:
        assert freed - after > 80, (freed, after)  # most of the 144 MB freed goes back
    else:
        assert freed - after < 20, (freed, after)  # without the thread it stays resident
