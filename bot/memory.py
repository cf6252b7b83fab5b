"""Keep a long-running app's resident memory close to what it really uses.

Each answer runs the embedding model, whose activations are buffers of several megabytes.
glibc's malloc serves such buffers with mmap at first, but after the first one is freed it
raises its mmap threshold (up to 32 MiB), so later buffers come from the heap of whichever
thread ran the request; freed, they stay in that thread's arena. Under many users the app's
RSS then climbs towards the peak of every worker thread at once and never comes back down.
A fixed threshold sends every large buffer back to the kernel as soon as it is freed
(measured in bench/soak.py; see the README's "Reliability and limits"): smaller and flat.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)


def fix_mmap_threshold(threshold_bytes: int) -> bool:
    """Set glibc's mmap threshold (which also stops it from rising); False when not glibc.

    0 leaves the allocator alone. Harmless to call more than once.
    """
    if threshold_bytes <= 0:
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl, macOS, Windows: nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, int(threshold_bytes)))
    log.debug("mmap threshold %d bytes: %s", threshold_bytes, "set" if done else "refused")
    return done
