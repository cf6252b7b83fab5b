"""Chat routing: tell a licence question ("Do I need a licence to ship 50% HF to Korea?")
from an ordinary question ("When was Korea removed from the white list?").

A licence question goes to the rule-based checker instead of retrieval, because its answer is a
decision on the user's own product, not a passage. The test is deliberately narrow (a licence or
export intent phrase plus a product or destination), so history questions stay with retrieval.
"""

from __future__ import annotations

import re
from datetime import date

from bot.checking.countries import TO_JAPAN, exporting_country, find_countries
from bot.checking.describe import find_items
from bot.checking.model import Rules
from bot.checking.result import CheckRequest
from bot.dates import stated_day_or_period

_LICENCE = r"(?:export\s+)?(?:licen[cs]es?|permits?|permission|approval)"
_SHIP = r"(?:export|ship|send|sell|supply|deliver|provide|transfer)"
_INTENT = re.compile(
    "|".join([
        rf"\b(?:do|does|would|will|should|must)\s+(?:i|we|you|one|my\s+\w+|our\s+\w+)\s+"
        rf"(?:still\s+|also\s+)?need\s+(?:an?\s+|any\s+)?{_LICENCE}",
        rf"\b(?:is|are)\s+(?:an?\s+|any\s+)?{_LICENCE}\s+(?:still\s+)?"
        r"(?:required|needed|necessary)",
        rf"\b(?:can|could|may)\s+(?:i|we|my\s+\w+|our\s+\w+)\s+(?:still\s+|legally\s+)?{_SHIP}",
        rf"\bwhether\b.{{0,80}}\bneeds?\s+(?:an?\s+|any\s+)?{_LICENCE}",
        rf"\b(?:am\s+i|are\s+we)\s+allowed\s+to\s+{_SHIP}",
        rf"\bneed\s+(?:an?\s+)?{_LICENCE}\s+(?:to|for)\b",
        rf"\b{_LICENCE}\s+(?:required|needed)\s+(?:to|for)\b",
        rf"\bwhich\s+(?:kind\s+of\s+|type\s+of\s+)?{_LICENCE}\b",
        r"\bwhat\s+(?:rules|controls|requirements)\s+(?:apply|applies)\s+to\s+(?:the\s+)?"
        r"(?:exports?|exporting|shipments?|shipping|sales?)\b",
        r"輸出許可.*(?:必要|要り|いります|要る)",
        r"(?:輸出|出荷)(?:して|でき|する).*(?:か|？|\?)",
        # "we sell 40% hf to a fab in korea, licence?": the licence word ends a statement of
        # the shipment, not a question ("from what date did ... need licences?" is history)
        r"^(?!\s*(?:do|does|did|is|are|was|were|can|could|should|would|will|must)\b)"
        rf"(?!.*\b(?:what(?!\s+about)|when|which|who|whom|why|how(?!\s+about)|where)\b)"
        rf".*\b{_LICENCE}"
        r"(?:\s+(?:needed|required|necessary))?\s*\?*\s*$",
        # "we export krf resist to korea in 2020, what licence": the same shorthand, asked
        r"^(?!\s*(?:do|does|did|is|are|was|were|can|could|should|would|will|must|what|which|"
        rf"when|who|why|how)\b).*\b{_SHIP}\w*\b.*,?\s*(?:what|which)\s+(?:kind\s+of\s+)?"
        rf"{_LICENCE}\s*\??\s*$",
        # "export hf to taiwan ok?", "we ship resist to vietnam next month, is that allowed?"
        rf"^\s*(?:(?:we|i)\s+(?:want\s+to\s+|plan\s+to\s+|will\s+|would\s+like\s+to\s+)?)?"
        rf"{_SHIP}\w*\b.*\b(?:ok|okay|allowed|fine|legal|possible|permitted)\s*\?+\s*$",
        r"허가.*필요",
        r"수출(?:할|해도|하려면)",
    ]),
    re.IGNORECASE,
)
# "Is 25% HF listed?" is a product question only when a product is named: "Is South Korea
# listed in Appended Table 3?" is a question about the white list.
# Only yes/no questions: "Above what concentration is HF controlled?" asks for a fact.
_LISTED = re.compile(r"^\s*(?:is|are)\b.{0,80}\b(?:listed|controlled|caught)\b", re.IGNORECASE)


# "Which row covers gallium nitride?", "what licence do I need for neon?", "same rules as HF?":
# questions on where a product sits in the lists or which licence it needs, in any wording.
_PRODUCT_RULES = re.compile(
    rf"\b(?:which|what)\s+(?:kind\s+of\s+|type\s+of\s+)?(?:{_LICENCE}|row|entry|list)\b"
    r"|\bsame\s+(?:rules?|controls?|licen[cs]e)\b",
    re.IGNORECASE,
)


# "does japan control gallium exports?", "are tungsten exports restricted?": whether Japan
# controls a product, in other words than "listed".
_CONTROLS = re.compile(
    r"^\s*(?:does|do|did)\s+(?:japan|meti|the\s+japanese\s+government|japanese\s+law)\s+"
    r"(?:still\s+|also\s+)?(?:control|restrict|regulate|limit|list)\b"
    r"|^\s*(?:is|are)\b.{0,80}\b(?:restricted|regulated)\b"
    r"|^\s*(?:is|are)\b.{0,80}\b(?:on|in)\s+(?:appended\s+table\s*1\b|the\s+(?:control\s+)?list\b"
    r"|any\s+(?:control\s+)?list\b)",
    re.IGNORECASE,
)


def asks_about_product_rules(question: str) -> bool:
    """A question on a product's listing or licence, yes/no or not ("which row covers ...?")."""
    return bool(
        _LISTED.search(question) or _PRODUCT_RULES.search(question) or _CONTROLS.search(question)
    )


def parse_check_question(
    question: str, rules: Rules, licence_question: bool = False
) -> CheckRequest | None:
    """A CheckRequest when the question asks whether a product needs a licence, else None.

    The request carries the question as its description (the checker reads the product and
    parameters from it), the destination if one is named, and the date stated; when only a
    year or month is given, `period` holds it and `date` is its last day (today, if sooner).
    """
    asks_licence = licence_question or bool(_INTENT.search(question))
    if not asks_licence and not _LISTED.search(question):
        return None
    if TO_JAPAN.search(question) or exporting_country(question, rules):
        return None  # not an export from Japan: another country's rules, not these
    destinations = find_countries(question, rules)
    names_item = bool(find_items(question, rules))
    if not names_item and not (asks_licence and destinations):
        return None
    day, period = stated_day_or_period(question)
    if period is not None:
        # The period's last day (or today, if sooner) stands for it; the check then says
        # whether the rules changed inside the period.
        day = min(period[1], date.today())
    return CheckRequest(
        description=question,
        destination=destinations[0][0] if len(destinations) == 1 else None,
        date=day,
        period=period,
    )
