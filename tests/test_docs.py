"""The README documents every setting and every command (datasette's docs test)."""

from __future__ import annotations

from bot.cli import cli
from bot.config import PROJECT_ROOT, settings_help

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table() -> None:
    table = README.split("<!-- settings-table -->")[1].split("<!-- /settings-table -->")[0]
    for env, default, text in settings_help():
        row = next((line for line in table.splitlines() if f"`{env}`" in line), None)
        assert row is not None, f"{env} is not documented in README.md"
        assert text in row, f"{env}: README says {row!r}, config says {text!r}"
        assert (f"`{default}`" in row) if default else "(empty)" in row


def test_every_command_is_in_the_readme() -> None:
    for name in cli.commands:
        assert f"`bot {name}`" in README, f"bot {name} is not documented in README.md"


def test_quick_start_is_two_commands_that_exist_in_the_makefile() -> None:
    quick = README.split("## Quick start")[1].split("```sh")[1].split("```")[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make run", "make test"]
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
