"""What a question asks of a sentence beyond sharing its words and meaning.

The sentence model reads "take Japan off South Korea's whitelist" and "take Korea off Japan's
white list" alike, and "Group A is ..." like "Group C is ...". These cues tell such sentences
apart: the term a question asks to define, the named subject it is about, whose list and which
move (a removal or a return) it means. `QuestionCues.of` reads them once per question;
`adjustment` is what a sentence gains or loses for them in `sentences.score`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.retrieval.lexical import tokenize
from bot.retrieval.query import JAPAN_MOVES_KOREA, KOREA_MOVES_JAPAN

# "what is group a", "explain catch-all controls": the sentence that has the asked-about term as
# its subject and says what it is ("Group A is the former white list") defines it; a sentence
# on a sibling term ("Group C is all other countries ...") reads almost the same to the model.
DEFINES_BONUS = 0.2
ASKED_TERM = re.compile(
    r"^\s*(?:so\s+|ok\s+|and\s+)?(?:what(?:'s|\s+is|\s+are|\s+was|\s+were)|whats|define|"
    r"explain|meaning\s+of)\s+(?:an?\s+|the\s+)?(?P<term>[\w'\"-]+(?:\s+[\w'\"-]+){0,4}?)"
    r"(?:\s+(?:anyway|exactly|again|mean|means|simply|briefly|please))*\s*\??\s*$",
    re.IGNORECASE,
)

# "why did the eu care": the question's subject, when it is a name (a rare term, not "japan" or
# "korea", which nearly every sentence holds), is who the answer is about; a sentence without it
# answers about someone else ("METI gave two reasons ..."). Swept 0.1 only (dev neutral).
SUBJECT_BONUS = 0.1
SUBJECT_IDF = 3.0
ASKED_SUBJECT = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+|ok\s+)?(?:why|how|when|what|where|who)\s+(?:did|does|do|has|had|"
    r"would|could|will)\s+(?:the\s+)?([\w-]+)",
    re.IGNORECASE,
)

# The course's story is a removal and a return: Korea taken off Japan's list and put back,
# Japan dropped from Korea's list and restored. Sentence vectors hardly tell the two apart
# ("when did the cabinet approve korea's return" was answered with the Cabinet's approval of
# the removal), so a sentence telling only of the opposite move loses this much.
OPPOSITE_MOVE_PENALTY = 0.1

# The course's two lists: Japan's "white list" (Group A, Appended Table 3) and South Korea's own
# "whitelist" (its Ga group). A question that says whose list it means ("japan take korea off
# the white list") is not answered by a sentence about the other one, which reads the same to
# the model ("... take Japan off South Korea's whitelist"): such a sentence loses this much.
OTHER_LIST_PENALTY = 0.1
JAPANS = re.compile(
    r"\bwhite[\s-]list\b|\bwhite\s+countr(?:y|ies)\b|\bgroup\s+a\b|\bappended\s+table\s+3\b",
    re.IGNORECASE,
)
KOREAS = re.compile(
    r"\b(?:south\s+)?korea(?:'s|’s)\s+(?:own\s+)?(?:whitelist|top\s+group)|\bits\s+own\s+whitelist"
    r"|\b(?:ga|na)(?:-[12])?\s+group|\bga-[12]\b|\bgroup\s+\"?(?:ga|na)\b",
    re.IGNORECASE,
)

REMOVAL = re.compile(
    r"\b(?:remov\w*|delet\w*|delist\w*|drop(?:s|ped|ping)?|downgrad\w*|demot\w*|"
    r"exclu\w*|(?:kick\w*|taken|took|struck|knocked|booted)\s+(?:\w+\s+){0,2}off)\b",
    re.IGNORECASE,
)
RETURN = re.compile(
    r"\b(?:return\w*|restor\w*|reinstat\w*|readmit\w*|re-?add\w*|"
    r"(?:put|puts|putting|added|adds?|brought|bring\w*|let|took|take\w*)\s+(?:\w+\s+){0,3}?back"
    r"|back\s+(?:in|into|on|onto|to)\s+(?!\d))",
    re.IGNORECASE,
)


def _subject_of(question: str, idf: Callable[[str], float]) -> str:
    """The question's subject as a search term, when it is a name ("the eu", "seko")."""
    m = ASKED_SUBJECT.match(question)
    words = tokenize(m.group(1)) if m else []
    return words[0] if len(words) == 1 and idf(words[0]) >= SUBJECT_IDF else ""


@lru_cache(maxsize=1024)
def _definition_of(question: str) -> re.Pattern[str] | None:
    """For "what is X?": a sentence that opens with X as its subject and says what it is."""
    m = ASKED_TERM.match(question)
    if not m:
        return None
    term = r"[\s-]+".join(re.escape(w) for w in m["term"].split())
    return re.compile(
        rf"^(?:the\s+|an?\s+)?{term}s?\b(?:\s*\([^)]*\))?(?:\s+\w+)?\s+"
        r"(?:is|are|was|were|means|refers\s+to|stands\s+for)\b",
        re.IGNORECASE,
    )


# "Group A" is Japan's name for its list, and "white countries" its old name for the members;
# South Korea's groups are "Ga" and "Na".
ASKS_JAPANS = re.compile(
    r"\bjapan(?:'s|’s|s|ese)?\s+(?:own\s+)?white[-\s]?list\b|\bgroup\s+a\b|\bwhite\s+countr(?:y|ies)\b",
    re.IGNORECASE,
)
ASKS_KOREAS = re.compile(
    # ("South Korea's white-list removal" is its removal from Japan's list)
    r"\b(?:south\s+)?korea(?:'s|’s|s)?\s+(?:own\s+)?white[-\s]?list\b"
    r"(?!\s+(?:removal|deletion|return|restoration|status|exit))"
    r"|\bits\s+(?:own\s+)?white[-\s]?list\b|\bga(?:-[12])?\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1024)
def asked_list_of(question: str) -> int:
    """+1 when the question says the list is Japan's, -1 South Korea's own, else 0 (the
    glossary's "Group A" added to every "whitelist" says nothing of whose list is meant)."""
    japans = bool(ASKS_JAPANS.search(question) or JAPAN_MOVES_KOREA.search(question))
    koreas = bool(ASKS_KOREAS.search(question) or KOREA_MOVES_JAPAN.search(question))
    return 0 if japans == koreas else (1 if japans else -1)


@lru_cache(maxsize=8192)
def list_of(text: str) -> int:
    """+1 when the text speaks of Japan's white list only, -1 of South Korea's own only."""
    japans, koreas = bool(JAPANS.search(text)), bool(KOREAS.search(text))
    return 0 if japans == koreas else (1 if japans else -1)


@lru_cache(maxsize=8192)
def move_of(text: str) -> int:
    """-1 when the text tells of a removal only, +1 of a return only, else 0."""
    removal, back = bool(REMOVAL.search(text)), bool(RETURN.search(text))
    return 0 if removal == back else (1 if back else -1)


# "did the wto panel ever rule on ds590", "when did japan announce the curbs": the verb after
# the auxiliary is what the answer must tell; the sentences of its topic share the nouns
# ("panel", "DS590") but only the answer shares the verb ("No WTO panel ever ruled ...").
PREDICATE_BONUS = 0.05
AUXILIARY = re.compile(
    r"\b(?:did|does|do|has|have|had|will|would|could|can|should)\s+(?P<rest>[^?.!,;]+)",
    re.IGNORECASE,
)
PAST_FORM = re.compile(r"\b[a-z]{3,}ed\b")


@lru_cache(maxsize=8192)
def _verb_stems(text: str) -> frozenset[str]:
    """Stems of the words a text uses as verbs in the past ("announced", "ruled")."""
    return frozenset(tokenize(" ".join(PAST_FORM.findall(text.lower()))))


def asked_predicate(question: str, texts: Sequence[str]) -> str:
    """The stem of the question's verb ("rule" in "did the panel ever rule on ds590"): the first
    word after the auxiliary that the retrieved sentences use as a verb, or ""."""
    m = AUXILIARY.search(question)
    if not m:
        return ""
    verbs: set[str] = set()
    for text in texts:
        verbs |= _verb_stems(text)
    for word in m["rest"].split()[:6]:
        stems = tokenize(word)
        if stems and stems[0] in verbs:
            return stems[0]
    return ""


@dataclass(frozen=True)
class QuestionCues:
    """The cues of one question (a follow-up's own words when it has them)."""

    move: int = 0  # -1 a removal, +1 a return, 0 neither or both
    whose_list: int = 0  # +1 Japan's white list, -1 South Korea's own whitelist, 0 not said
    subject: str = ""  # a named subject as a search term ("eu"), or ""
    defines: re.Pattern[str] | None = None  # for "what is X": a sentence defining X
    predicate: str = ""  # the stem of the question's verb ("rule"), or ""

    @classmethod
    def of(
        cls, question: str, idf: Callable[[str], float], texts: Sequence[str] = ()
    ) -> QuestionCues:
        """The cues of `question`; `texts` (the retrieved sentences) tell its verb."""
        return cls(
            move_of(question), asked_list_of(question), _subject_of(question, idf),
            _definition_of(question), asked_predicate(question, texts),
        )  # fmt: skip

    def following(self, earlier: Sequence[str]) -> QuestionCues:
        """A follow-up keeps the conversation's list unless its own words name one: "what %
        of comments backed it", after Korea's removal of Japan from its whitelist, still asks
        about Korea's list. The move is not carried: "when was that reversed" asks for the
        opposite one."""
        for turn in reversed(earlier if not self.whose_list else ()):
            if whose := asked_list_of(turn):
                return replace(self, whose_list=whose)
        return self

    def adjustment(self, text: str, tokens: set[str]) -> float:
        """What a sentence gains for defining the asked term or naming the subject, and loses
        for telling only of the other move or the other list."""
        change = 0.0
        if self.move and move_of(text) == -self.move:
            change -= OPPOSITE_MOVE_PENALTY
        if self.whose_list and list_of(text) == -self.whose_list:
            change -= OTHER_LIST_PENALTY
        if self.subject and self.subject in tokens:
            change += SUBJECT_BONUS
        if self.defines is not None and self.defines.match(text):
            change += DEFINES_BONUS
        if self.predicate and self.predicate in tokens:
            change += PREDICATE_BONUS
        return change
