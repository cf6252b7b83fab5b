"""Debian's Chromium for the browser tests: where it is and how to start it here.

The flags keep a headless root Chromium off this machine's closed network (background
requests are refused by the sandboxed network, many at a time, without them).
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
