"""Turn what the user typed into a standalone English search query, without a language model.

Follow-ups ("What about hydrogen fluoride?", "When was that reversed?") carry the topic terms of
earlier turns; Japanese and Korean export-control terms are mapped to English through the
glossary's term list, because the course material is written in English.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from bot.retrieval.lexical import STOPWORDS
from bot.yaml_loader import load_yaml

log = logging.getLogger(__name__)

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
FOLLOW_UP = re.compile(
    r"^\s*(?:(?:ok|okay|right|alright|hmm|cool|thanks|great|i see)[,.!]?\s+)?"  # "ok and ..."
    r"(and|what about|how about|and what about|what of|also|then|so)\b"
    r"|\b(that|this|it|its|they|them|those|these|the same|there)\b"
    # ... and the other words that need an antecedent: "which one covers hf", "the days between
    # the last two", "what did he say"
    r"|\b(which ones?|the (?:last|first|latter|former|other)|he|she|him|her|his|both|either)\b",
    re.IGNORECASE,
)
# Words a follow-up uses for "the opposite event": they point at the reversal documents.
SYNONYMS = {
    "reversed": "returned restoration reversal lifted",
    "reverse": "return restoration reversal lift",
    "reversal": "return restoration lifted",  # the noun of the same word
    "undone": "restored lifted",
    "lifted": "restored lifted settlement",
    # the present and the noun of the same verb ("when did japan lift the curbs")
    r"lift(?:s|ing)?": "restored lifted settlement",
    # "how did it end?", "when did it all end": the verb closing a question, not "from start
    # to end" or "the end of the case"
    r"ended|(?<!to )(?<!the )end(?=\s*(?:$|[?.!]))": "ended withdrawn restored",
    # Everyday words for an easing of the controls (the course says "easing", "lifted").
    r"relax\w*|loosen\w*": "easing lifted",
    "banned": "licence restrictions",
    "ban": "licence restrictions",
    # The everyday word for what the course calls a statute or an Act ("what law is japan's
    # export control based on": the Foreign Exchange and Foreign Trade Act).
    r"laws?": "statute Act",
    # The course's name for the three chemicals: "the three items" ("what 3 chemicals did
    # japan restrict", "the three materials").
    r"(?:3|three)\s+(?:chemicals?|materials?|substances?|products?|things)": "three items",
    # Everyday words for the course's "up to" a penalty ("the max fine") and for a chemical in
    # water, which the course calls a mixture ("a 25% hf solution").
    r"max(?:imum)?|maximal|highest": "maximum up to",
    r"(?<=hf )solutions?|(?<=fluoride )solutions?|solutions?(?= of\b)|hydrofluoric acid": "mixture",
    # The legal word for a company, which the penalties are written for ("max fine for a
    # company": "a corporation can be fined up to ...")
    r"compan(?:y|ies)|firms?": "corporation",
    # Everyday words for support ("what % of comments backed it")
    r"backed|backing|endorsed": "supported",
    # Everyday words for the course's "dispute" (never "row", which also names a list row).
    "fight": "dispute",
    "spat": "dispute",
    "feud": "dispute",
    "quarrel": "dispute",
    "clash": "dispute",
    "standoff": "dispute",
    "trade war": "dispute",
    # ... and for its "settlement": "when did japan and korea make up" is not about shares
    # that "made up 85.2%" of imports.
    r"(?:make|made|making) up(?=\s*(?:$|[?.!]|with\b|again\b|after\b))": "settlement restored",
    r"reconcil\w*": "settlement restored",
    r"(?:patch|patched) (?:things |it |relations )?up": "settlement restored",
    r"(?:bury|buried) the hatchet": "settlement restored",
    r"(?:make|made) peace": "settlement restored",
    # ... and for its "return" to a list: "put japan back in its whitelist", "brought korea
    # back to group a", "when was korea put back?" (the verb only, before "back in / to", or
    # before a "back" that ends the clause when the verb is put or bring: "back in 2019" is a
    # time, and "they took it back" a retraction).
    r"(?:put|puts|putting|brought|bring|brings|bringing|let|lets|added|adds?|took|take|takes|"
    r"taken)(?=\s+(?:[\w'-]+\s+){0,3}back\s+(?:in|on|into|onto|to)\s+(?!\d))": "returned",
    r"(?:put|puts|putting|brought|bring|brings|bringing)(?=\s+(?:[\w'-]+\s+){0,2}back\s*(?:$|[?.!,]))":
    "returned",
    r"reinstat\w*|readmit\w*": "returned",
    # ... and for a removal from a list: "korea got kicked off japans whitelist" (not "when
    # did the dispute kick off", a start)
    r"(?:kick|kicked|kicking|booted|thrown|struck)(?:\s+[\w'-]+){0,2}\s+off(?=\s+(?:of\s+)?"
    r"(?:the\s+|japan\S*\s+|its\s+|their\s+)?(?:white|list|group|appended))": "removal removed",
    # Everyday words for whose duty something is ("whose job is it to classify").
    r"whose (?:job|duty|task)|who(?:'s| is) (?:responsible|in charge)|up to (?:me|us|them)"
    # "who decides if my product is listed": whose duty a classification is
    r"|who\s+(?:decides|determines|checks|judges|classifies)\s+(?:if|whether)":
        "responsibility",
    "whitelist": "white list Group A",
    "white list": "Group A",  # the list's name since 2 August 2019
    "white country": "Group A",
    "white countries": "Group A",
}
# The course writes "whitelist" for South Korea's own list and "white list" for Japan's; a
# question that says whose list it means ("japans whitelist") is searched in the course's words.
JAPANS_LIST = re.compile(r"\bjapan(?:'s|’s|s|ese)?\s+(?:own\s+)?white-?list\b", re.IGNORECASE)
# ... and so does one in which Japan acts on South Korea's place on a list ("when did japan take
# korea off the whitelist"): the list is Japan's.
def moves_on_list(mover: str, moved: str) -> re.Pattern[str]:
    """`mover` taking `moved` off a (white) list or putting it back: the list is `mover`'s."""
    return re.compile(
        rf"\b{mover}\w*\b[^.?!]{{0,40}}?\b(?:take|takes|took|taken|taking|remov\w*|drop\w*|"
        r"kick\w*|delist\w*|put|puts|putting|add\w*|return\w*|restor\w*|brought|bring\w*)\b"
        rf"[^.?!]{{0,15}}?\b{moved}\b[^.?!]{{0,25}}?\bwhite[-\s]?list\b",
        re.IGNORECASE,
    )


JAPAN_MOVES_KOREA = moves_on_list("japan", r"(?:south\s+)?korea")
KOREA_MOVES_JAPAN = moves_on_list("korea", "japan")
QUESTION_WORDS = {
    "what", "when", "which", "who", "whom", "why", "how", "where", "does", "did", "do",
    "is", "are", "was", "were", "can", "could", "would", "should", "tell", "explain", "about",
}  # fmt: skip

# Words that shape a request ("explain", "simply", "tell me about") rather than name its topic:
# never unknown terms, never carried into follow-ups, never counted for coverage. The verbs of
# "how did korea react / reply" and their nouns are the frame of a broad question (question.py,
# BROAD), not its topic; so are the shapes an answer is asked in ("a timeline", "in bullet
# points"). Matched on whole words, lower case.
_REQUEST_TEXT = """
    explain explained explaining simply simple briefly brief basically overview summary
    summarise summarize tell describe give show help understand mean means meaning
    please pls thanks thx quick quickly detail details detailed exactly actually really whole
    story saga deal thing things stuff anything something happen happened happening happend
    tldr eli5 kinda sorta like just ok okay so hey hi hmm um well know want wanna need
    wondering wonder curious read heard lecturer teacher professor says said course case study
    my our me we us you your i im ive id it its whats what's hows wheres whos whens
    start finish end beginning next
    anyway anyways even walk through few lines nutshell short
    react reacted reacting reaction reactions reply replied replies respond responded
    timeline timelines chronology chronological bullet bullets bulleted
"""
REQUEST_WORDS = frozenset(_REQUEST_TEXT.split())

# Words that carry nothing at all ("ok so", "basically", "pls"): left out of the text the
# question's vector is computed from, where they only pull it towards chatty sentences.
FILLER_WORDS = frozenset({
    "ok", "okay", "so", "hey", "hi", "hmm", "um", "well", "just", "kinda", "sorta", "pls",
    "please", "thanks", "thx", "anyway", "anyways", "basically", "actually", "really",
    "simply", "briefly", "quickly",
})  # fmt: skip


def without_filler(text: str) -> str:
    """The text without its filler words (the text itself when nothing else is left)."""
    kept = [w for w in text.split() if re.sub(r"[^\w']", "", w.lower()) not in FILLER_WORDS]
    return " ".join(kept) or text


@dataclass(frozen=True)
class SearchQuery:
    """The text to search with, and what was done to get it (shown to curious users)."""

    text: str
    original: str
    focus: str = ""  # the question with its translations and synonyms, without carried terms
    carried_terms: tuple[str, ...] = ()
    translated_terms: tuple[str, ...] = ()
    non_english: bool = False

    def also_searching(self, words: str) -> SearchQuery:
        """The query with words the answer is likely to use (not the user's own: they count
        neither as unknown terms nor for coverage, which read the question itself)."""
        return replace(self, text=f"{self.text} {words}", focus=f"{self.focus} {words}")

    @property
    def lexical_text(self) -> str:
        """For BM25: the question's own terms count twice, carried topic terms once."""
        return f"{self.focus} {self.text}" if self.carried_terms else self.text


@lru_cache(maxsize=4)
def load_terms(path: str) -> dict[str, str]:
    """term -> English search terms, longest first so compound terms win."""
    file = Path(path)
    if not file.is_file():
        return {}
    try:
        data = load_yaml(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        log.warning("ignoring %s: %s", file, exc)
        return {}
    terms = {str(k): str(v) for k, v in data.items() if k and v}
    return dict(sorted(terms.items(), key=lambda kv: -len(kv[0])))


# Compiled once: every question is matched against each of them several times.
_SYNONYM_PATTERNS = [(re.compile(rf"\b{word}\b", re.I), extra) for word, extra in SYNONYMS.items()]


def synonyms_for(text: str) -> list[str]:
    return [extra for pattern, extra in _SYNONYM_PATTERNS if pattern.search(text)]


def plain_words(question: str) -> str:
    """The question without the words this module already maps to course terms ("reversed")."""
    for pattern, _ in _SYNONYM_PATTERNS:
        question = pattern.sub(" ", question)
    return question


def content_terms(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z0-9()\-]*|\d[\w()\-.]*", text)
    return [
        w
        for w in words
        if w.lower() not in STOPWORDS
        and w.lower() not in QUESTION_WORDS
        and w.lower() not in REQUEST_WORDS
    ]


def is_follow_up(question: str) -> bool:
    return bool(FOLLOW_UP.search(question)) or len(content_terms(question)) <= 2


def translate_terms(question: str, terms: dict[str, str]) -> list[str]:
    found: list[str] = []
    remaining = question
    for term, english in terms.items():
        if term in remaining:
            found.append(english)
            remaining = remaining.replace(term, " ")
    return found


def romanised_in_english(question: str, terms: dict[str, str]) -> str:
    """The question with the glossary's romanised terms ("gaihi hantei", "kobetsu kyoka") written
    in English. Unlike a term in Japanese script, which the course quotes beside its English,
    a romanised one appears in no passage: kept, it is an unknown word to every later stage.
    Whole words in any case, so "gaihi" never matches inside an English word."""
    lowered = question.lower()
    for term, english in terms.items():
        if term.isascii() and term in lowered:  # romanised keys are written in lower case
            pattern = rf"(?<![\w-]){re.escape(term)}(?![\w-])"
            question = re.sub(pattern, english, question, flags=re.IGNORECASE)
            lowered = question.lower()
    return question


def build_query(
    question: str, history: list[str] | None = None, terms: dict[str, str] | None = None
) -> SearchQuery:
    """Standalone query = the question + English for foreign terms + topic of earlier turns."""
    terms = terms or {}
    question = JAPANS_LIST.sub("Japan's white list", question)
    if JAPAN_MOVES_KOREA.search(question):
        question = re.sub(r"\bwhite-?list\b", "white list", question, flags=re.IGNORECASE)
    translated = translate_terms(question, terms)
    non_english = bool(CJK.search(question))
    parts = [question, *translated, *synonyms_for(question)]
    focus = " ".join(parts)
    carried: list[str] = []
    if history and is_follow_up(question):
        own = {w.lower() for w in content_terms(question)}
        # Most recent turn first; two turns back is enough for a tutor conversation.
        for earlier in reversed(history[-2:]):
            earlier_terms = content_terms(earlier) + translate_terms(earlier, terms)
            for term in earlier_terms:
                if term.lower() not in own and term not in carried:
                    carried.append(term)
        parts.extend(carried)
        parts.extend(synonyms_for(" ".join(carried)))
    return SearchQuery(
        text=" ".join(parts),
        original=question,
        focus=focus,
        carried_terms=tuple(carried),
        translated_terms=tuple(translated),
        non_english=non_english,
    )
