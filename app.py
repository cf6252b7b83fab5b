"""Start the tutor's browser app: `python app.py [--host HOST] [--port PORT]`.

Same as `bot serve`. BOT_HOST / BOT_PORT and the other BOT_* variables are read by
`load_settings`; the flags win over them.
"""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    from bot.config import load_settings, offline_environment

    offline_environment()  # before anything imports gradio: no analytics, no hub downloads
    parser = argparse.ArgumentParser(description="Serve the export-control tutor in a browser.")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from bot.errors import TutorError
    from bot.ui.server import serve

    try:
        serve(load_settings(host=args.host, port=args.port))
    except (TutorError, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
