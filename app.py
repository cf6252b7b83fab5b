"""Start the tutor's browser app: `python app.py [--host HOST] [--port PORT] [-v]`.

Runs `bot serve` itself (the same click command, so flags, settings and errors agree);
BOT_HOST / BOT_PORT and the other BOT_* variables are read by `load_settings`.
"""

from __future__ import annotations

import sys

GROUP_FLAGS = ("-v", "--verbose")  # options of the `bot` group, accepted here as before


def main(argv: list[str] | None = None) -> int:
    from bot.cli import cli

    args = sys.argv[1:] if argv is None else list(argv)
    group = [a for a in args if a in GROUP_FLAGS]
    rest = [a for a in args if a not in GROUP_FLAGS]
    cli.main(args=[*group, "serve", *rest], prog_name="app.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
