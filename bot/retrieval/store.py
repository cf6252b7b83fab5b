"""The Chroma store: one client (embedded or a Chroma server), one collection per index generation.

An ingest writes a new generation beside the live one and then moves a pointer, so a crash in
the middle leaves the previous generation untouched and queries keep working while it runs.
The pointer lives in Chroma itself, so app replicas that share a Chroma server agree on it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from functools import lru_cache
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from bot.config import Settings
from bot.errors import IndexMissingError

log = logging.getLogger(__name__)

POINTER_ID = "current"
COSINE = {"hnsw": {"space": "cosine"}}


@lru_cache(maxsize=8)
def _client(chroma_dir: str, chroma_url: str) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=chroma_dir, settings=chroma_settings)


def open_client(settings: Settings) -> ClientAPI:
    """Embedded store under the data folder unless BOT_CHROMA_URL names a server."""
    if not settings.chroma_url:
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return _client(str(settings.chroma_dir), settings.chroma_url)


def _meta_collection(client: ClientAPI, settings: Settings) -> Collection:
    return client.get_or_create_collection(f"{settings.collection}-meta", embedding_function=None)


def generation_name(settings: Settings, generation: str) -> str:
    return f"{settings.collection}-{generation}"


def new_generation() -> str:
    return dt.datetime.now(dt.UTC).strftime("g%Y%m%dT%H%M%S%f")


def current_generation(client: ClientAPI, settings: Settings) -> dict[str, str] | None:
    """The live generation's pointer metadata, or None before the first ingest."""
    got = _meta_collection(client, settings).get(ids=[POINTER_ID], include=["metadatas"])
    if not got["ids"]:
        return None
    return dict(got["metadatas"][0])


def set_current_generation(client: ClientAPI, settings: Settings, pointer: dict[str, str]) -> None:
    """Move the pointer in one write; readers see either the old or the new generation."""
    _meta_collection(client, settings).upsert(
        ids=[POINTER_ID], embeddings=[[0.0]], metadatas=[pointer]
    )


LOCK_ID = "ingest-lock"
LOCK_TTL_SECONDS = 900.0
# Chroma has no compare-and-swap. Two replicas that both saw a free lease both write it; after
# this pause each reads back, and only the last write's owner finds its own name there.
LOCK_SETTLE_SECONDS = 0.5


def acquire_ingest_lease(client: ClientAPI, settings: Settings, owner: str) -> bool:
    """Claim the right to ingest, in the store itself, so that app replicas sharing a Chroma
    server (each with its own data folder and file lock) never ingest at once.

    A lease expires after LOCK_TTL_SECONDS unless renewed (`renew_ingest_lease`), so a killed
    ingest does not block forever. Racing writers are told apart by reading back after
    LOCK_SETTLE_SECONDS: safe as long as each one's check and write are closer than that.
    """
    meta = _meta_collection(client, settings)
    held = _lease(meta)
    if held is not None and held.get("owner") != owner and _alive(held):
        return False
    _write_lease(meta, owner)
    time.sleep(LOCK_SETTLE_SECONDS)
    held = _lease(meta)
    return held is not None and held.get("owner") == owner


def renew_ingest_lease(client: ClientAPI, settings: Settings, owner: str) -> bool:
    """Push our lease's expiry forward; False if it is no longer ours (it expired and was taken)."""
    meta = _meta_collection(client, settings)
    held = _lease(meta)
    if held is None or held.get("owner") != owner:
        return False
    _write_lease(meta, owner)
    return True


def release_ingest_lease(client: ClientAPI, settings: Settings, owner: str) -> None:
    meta = _meta_collection(client, settings)
    held = _lease(meta)
    if held is not None and held.get("owner") == owner:
        meta.delete(ids=[LOCK_ID])


def _lease(meta: Collection) -> dict | None:
    got = meta.get(ids=[LOCK_ID], include=["metadatas"])
    return dict(got["metadatas"][0]) if got["ids"] else None


def _write_lease(meta: Collection, owner: str) -> None:
    meta.upsert(
        ids=[LOCK_ID],
        embeddings=[[0.0]],
        metadatas=[{"owner": owner, "expires": time.time() + LOCK_TTL_SECONDS}],
    )


def _alive(held: dict) -> bool:
    return float(held.get("expires", 0)) > time.time() and not _dead_local_owner(
        str(held.get("owner", ""))
    )


def _dead_local_owner(owner: str) -> bool:
    """A lease left by a killed process on this very machine can be taken over at once."""
    host, _, rest = owner.partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def open_generation(client: ClientAPI, settings: Settings, generation: str) -> Collection:
    return client.get_or_create_collection(
        generation_name(settings, generation), configuration=COSINE, embedding_function=None
    )


def open_current(client: ClientAPI, settings: Settings) -> tuple[dict[str, str], Collection]:
    pointer = current_generation(client, settings)
    if pointer is None:
        raise IndexMissingError("No index yet: run `bot ingest` first.")
    return pointer, client.get_collection(
        generation_name(settings, pointer["generation"]), embedding_function=None
    )


def generation_collections(client: ClientAPI, settings: Settings) -> list[str]:
    prefix = f"{settings.collection}-g"
    return sorted(c.name for c in client.list_collections() if c.name.startswith(prefix))


def drop_generations(client: ClientAPI, settings: Settings, keep: set[str]) -> list[str]:
    """Delete generation collections not in `keep` (abandoned or superseded builds)."""
    dropped = []
    for name in generation_collections(client, settings):
        if name not in keep:
            client.delete_collection(name)
            dropped.append(name)
    return dropped
