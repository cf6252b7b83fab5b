"""The `bot check` command: parse options, run one check, print text or JSON.

Bad input (unknown country, bad date, impossible parameter) is the user's to fix, so it is a
message and exit code 2, never a traceback. The main CLI registers `check_command`.
"""

from __future__ import annotations

import json

import click

from bot.checking.decide import check_product
from bot.checking.render import render_text
from bot.checking.result import CheckRequest, parse_date
from bot.checking.rules import CheckInputError, RulesError, load_rules


def parse_param_options(options: tuple[str, ...]) -> dict[str, str]:
    """`--param name=value` options as a dict; the checker validates names and values."""
    params: dict[str, str] = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CheckInputError(f"Bad --param {option!r}: write it as name=value")
        params[name.strip()] = value.strip()
    return params


@click.command("check")
@click.argument("description", nargs=-1)
@click.option("--to", "destination", metavar="COUNTRY",
              help="Destination: ISO code (KR) or name ('South Korea').")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Date of export (default today).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="hf_weight_percent, fluorine_weight_percent, wavelength_nm, resist_type, "
              "ebeam_sensitivity_uc_per_mm2.")
@click.option("--item", metavar="ITEM",
              help="hydrogen_fluoride, fluorinated_polyimide or resist (else from DESCRIPTION).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check_command(
    description: tuple[str, ...], destination: str | None, date_text: str | None,
    params: tuple[str, ...], item: str | None, as_json: bool,
) -> None:
    """Check whether Japan's export controls catch a product, step by step, with citations.

    \b
    Examples:
      bot check "EUV photoresist for a fab in Pyeongtaek" --date 2020-01-15
      bot check "hydrogen fluoride" --to KR --param hf_weight_percent=50 --json
    """
    from bot.config import load_settings

    ctx = click.get_current_context()
    try:
        settings = load_settings()
        request = CheckRequest(
            description=" ".join(description),
            destination=destination,
            date=parse_date(date_text) if date_text else None,
            item=item,
            params=parse_param_options(params),
        )
        rules = load_rules(settings.rules_dir)
        result = check_product(request, rules=rules)
    except (CheckInputError, ValueError) as exc:
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    except RulesError as exc:
        click.echo(f"Error in the checker's rules: {exc}", err=True)
        ctx.exit(1)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(result, rules))
