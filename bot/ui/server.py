"""Start the browser app: bring the index up to date, build the tutor, launch Gradio.

Import this only after `bot.config.offline_environment()` has run (the CLI group and
`app.py` do it first), so Gradio reads GRADIO_ANALYTICS_ENABLED=False when it is imported.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from bot.config import Settings
from bot.errors import IndexBusyError, TutorError
from bot.memory import fix_mmap_threshold, trim_periodically
from bot.ui.api import api_routes
from bot.ui.handlers import Services
from bot.ui.layout import TITLE, build_ui

log = logging.getLogger(__name__)

# System fonts only: the default theme would fetch Google Fonts, and the app runs offline.
THEME = gr.themes.Soft(
    primary_hue="blue",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)


def read_auth_file(path: str | Path) -> list[tuple[str, str]]:
    """`user:password` lines (blank lines and # comments ignored); errors never echo a secret."""
    file = Path(path).expanduser()
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TutorError(f"Cannot read the login file {file}: {exc.strerror}.") from exc
    users: list[tuple[str, str]] = []
    for line_no, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        user, sep, password = text.partition(":")
        if not sep or not user.strip() or not password:
            raise TutorError(f"{file}, line {line_no}: expected user:password.")
        users.append((user.strip(), password))
    if not users:
        raise TutorError(f"The login file {file} has no user:password lines.")
    return users


def prepare_index(settings: Settings) -> None:
    """Index the corpus if needed (a quick no-op when the index is already up to date)."""
    from bot.ingest.indexer import ingest

    try:
        report = ingest(settings, progress=False)
    except IndexBusyError:
        log.warning("another ingest is running; serving the current index meanwhile")
        return
    if not report.up_to_date:
        log.info("indexed %d documents, %d chunks", report.documents, report.chunks)


def create_app(settings: Settings) -> tuple[gr.Blocks, Services]:
    """The ready-to-launch app on a fresh index and a real Tutor, and that Tutor."""
    from bot.answering.tutor import Tutor

    prepare_index(settings)
    tutor = Tutor(settings)
    return build_ui(tutor), tutor


def launch(
    demo: gr.Blocks,
    settings: Settings,
    *,
    services: Services | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> None:
    """Serve `demo` on settings.host:port: no share link, no tracebacks in the page; with
    `services`, also `POST /api/ask` (bot/ui/api.py) on the same server."""
    auth = read_auth_file(settings.auth_file) if settings.auth_file else None
    routes = api_routes(services, settings.concurrency, auth) if services is not None else []
    demo.launch(
        app_kwargs={"routes": routes},
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=auth,
        auth_message="Please log in to use the tutor." if auth else None,
        show_error=False,
        max_file_size=settings.max_file_bytes,
        # Each session keeps its conversation; bound how many are kept (memory stays flat).
        state_session_capacity=settings.max_sessions,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        ssr_mode=False,
        mcp_server=False,
        enable_monitoring=False,
        theme=THEME,
    )


def serve(settings: Settings) -> None:
    """Build and serve until interrupted (what `bot serve` and `python app.py` run)."""
    if settings.auth_file:
        read_auth_file(settings.auth_file)  # fail before the slow start, not after
    fix_mmap_threshold(settings.mmap_threshold)  # before the model's first buffers
    trim_periodically(settings.trim_seconds)
    demo, tutor = create_app(settings)
    log.info("%s on http://%s:%d", TITLE, settings.host, settings.port)
    launch(demo, settings, services=tutor)
