"""Hold the shared-server ingest lease for as long as an ingest runs, and no longer.

With `BOT_CHROMA_URL`, app replicas share one Chroma server but not a file system, so the
file lock cannot keep two of their ingests apart: the lease in Chroma does. An ingest of a
large corpus can outlast the lease's time-to-live, so a background thread renews it; and
because a renewal can fail (the server was unreachable past the expiry and another replica
took over), the ingest checks it still holds the lease before it moves the live pointer.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from types import TracebackType

from chromadb.api import ClientAPI

from bot.config import Settings
from bot.errors import IndexBusyError
from bot.retrieval import store

log = logging.getLogger(__name__)


class IngestLease:
    """`with IngestLease(client, settings):` acquires, renews, and releases the lease."""

    def __init__(self, client: ClientAPI, settings: Settings, renew_every: float | None = None):
        self.client, self.settings = client, settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.renew_every = renew_every or store.LOCK_TTL_SECONDS / 3
        self.lost = False
        self._stop = threading.Event()
        self._keeper = threading.Thread(target=self._renew, name="ingest-lease", daemon=True)

    def __enter__(self) -> IngestLease:
        if not store.acquire_ingest_lease(self.client, self.settings, self.owner):
            raise IndexBusyError(
                "Another ingest is running on this index (from another app replica); "
                "wait for it to finish and try again."
            )
        self._keeper.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._keeper.join(timeout=30)
        try:
            store.release_ingest_lease(self.client, self.settings, self.owner)
        except Exception:  # the lease expires on its own; never hide the ingest's own error
            log.warning("could not release the ingest lease", exc_info=True)

    def confirm(self) -> None:
        """Raise unless the lease is still ours: called just before the pointer moves."""
        if self.lost or not store.renew_ingest_lease(self.client, self.settings, self.owner):
            self.lost = True
            raise IndexBusyError(
                "This ingest lost its lease on the shared index (another replica took over); "
                "the live index was left as it was. Run the ingest again."
            )

    def _renew(self) -> None:
        while not self._stop.wait(self.renew_every):
            try:
                if not store.renew_ingest_lease(self.client, self.settings, self.owner):
                    self.lost = True
                    log.error("the ingest lease was taken over; this ingest will not publish")
                    return
            except Exception:  # a blip: try again next round, confirm() has the last word
                log.warning("could not renew the ingest lease", exc_info=True)
