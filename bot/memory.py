"""Keep a long-running app's resident memory close to what it really uses.

Each answer runs the embedding model, whose activations are buffers of several megabytes.
glibc's malloc serves such buffers with mmap at first, but after the first one is freed it
raises its mmap threshold (up to 32 MiB), so later buffers come from the heap of whichever
thread ran the request; freed, they stay in that thread's arena. Under many users the app's
RSS then climbs towards the peak of every worker thread at once and never comes back down.
A fixed threshold sends every large buffer back to the kernel as soon as it is freed
(measured in bench/soak.py; see the README's "Reliability and limits"): smaller and flat.

Smaller freed blocks still leave free pages inside the heaps; glibc returns those only when
asked (`malloc_trim`), so the app asks now and then, from a background thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from functools import cache

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # musl, macOS, Windows: nothing to tune
        return None
    return libc


def fix_mmap_threshold(threshold_bytes: int) -> bool:
    """Set glibc's mmap threshold (which also stops it from rising); False when not glibc.

    0 leaves the allocator alone. Harmless to call more than once.
    """
    libc = _libc()
    if threshold_bytes <= 0 or libc is None:
        return False
    done = bool(libc.mallopt(M_MMAP_THRESHOLD, int(threshold_bytes)))
    log.debug("mmap threshold %d bytes: %s", threshold_bytes, "set" if done else "refused")
    return done


def trim_periodically(every_seconds: float) -> threading.Thread | None:
    """Hand free heap pages back to the kernel every `every_seconds` (0: never; not glibc: no-op).

    A daemon thread: it never keeps the app from exiting.
    """
    libc = _libc()
    if every_seconds <= 0 or libc is None:
        return None

    def trim() -> None:
        while True:
            time.sleep(every_seconds)
            libc.malloc_trim(0)

    thread = threading.Thread(target=trim, name="malloc-trim", daemon=True)
    thread.start()
    return thread
