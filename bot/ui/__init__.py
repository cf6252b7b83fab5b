"""The browser app: layout, handlers, HTML rendering, feedback and the `serve` command.

`build_ui` is imported lazily so that `bot.ui.feedback` (used by `bot feedback export`) and
`bot.ui.render` work without loading Gradio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gradio as gr


def build_ui(services: Any) -> gr.Blocks:
    """Build the Gradio app for `services` (a Tutor) without launching it."""
    from bot.ui.layout import build_ui as build

    return build(services)


__all__ = ["build_ui"]
