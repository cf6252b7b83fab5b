"""The tutor service: one object the CLI, the app, the evaluator and the benchmark all use.

It validates the question, picks the as-of date, routes licence questions to the rule-based
checker, and otherwise retrieves and composes a cited answer (or refuses).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bot.answering.checker_route import (
    answer_country_group,
    answer_with_checker,
    asks_country_group,
    checker_thread,
    licence_for_an_uncovered_destination,
    unknown_product,
    with_items_spelled,
)
from bot.answering.extractive import (
    ComposeRequest,
    Composition,
    SentenceCache,
    candidates,
    citation_from,
    compose,
    key_terms,
    score,
)
from bot.answering.outcome import Asked, Found, Judged, to_answer, welcome
from bot.answering.question import (
    REASON_WORD,
    AnswerKind,
    QuestionType,
    classify,
    has_own_question_word,
)
from bot.answering.scope import foreign_jurisdiction, jurisdictions, out_of_scope_message
from bot.answering.scope_model import MODEL_FILE, ScopeFeatures, cues, load_scope_model
from bot.answering.types import Answer, Citation
from bot.answering.validate import clean_question
from bot.checking.countries import exporting_country
from bot.checking.rules import load_rules
from bot.config import Settings
from bot.dates import (
    in_course_form,
    parse_as_of,
    question_as_of,
    thread_with_relative_dates,
    without_dates,
    without_now_words,
)
from bot.retrieval.abbreviations import spelled_out
from bot.retrieval.embedder import Embedder
from bot.retrieval.embeddings import query_embeddings
from bot.retrieval.hybrid import Hit, RetrieverMode, SearchIndex
from bot.retrieval.lexical import LexicalIndex, tokenize
from bot.retrieval.query import (
    REQUEST_WORDS,
    SearchQuery,
    build_query,
    is_follow_up,
    load_terms,
    plain_words,
    romanised_in_english,
    synonyms_for,
    without_filler,
)

log = logging.getLogger(__name__)


@dataclass
class AskOptions:
    as_of: dt.date | str | None = None
    history: list[str] = field(default_factory=list)
    k: int | None = None
    retriever: RetrieverMode | None = None


def _about(hit: Hit, jurisdiction: str) -> bool:
    """The passage's document is about that jurisdiction's rules (or names none: a user's)."""
    return str(hit.metadata.get("jurisdiction") or jurisdiction).upper() == jurisdiction


def proper_names(text: str) -> list[str]:
    """Capitalised words that do not start a sentence, as search tokens ("China" -> "china")."""
    names = re.findall(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,})\b", text.strip())
    return [t for name in names for t in tokenize(name)]


class Tutor:
    """Answers questions from the live index; safe to share between threads."""

    def __init__(
        self,
        settings: Settings,
        embeddings: Embedder | None = None,
        index: SearchIndex | None = None,
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings or query_embeddings(settings)
        self.index = index or SearchIndex(settings, self.embeddings)
        self.cache = SentenceCache(self.embeddings, folder=settings.sentence_vectors_dir)
        self.terms = load_terms(str(settings.corpus_dir / "terms.yaml"))
        self._chat: Any = None
        model = settings.scope_model
        self.scope_model = None if model == "off" else load_scope_model(model or str(MODEL_FILE))

    # -- public -------------------------------------------------------------------------
    def ask(self, question: str, options: AskOptions | None = None) -> Answer:
        opts = options or AskOptions()
        started = time.perf_counter()
        typed = clean_question(question, self.settings.max_question_chars)
        # Dates as the course writes them, and romanised Japanese in English, for every stage
        text = romanised_in_english(in_course_form(typed), self.terms)
        text = spelled_out(text, self.index.snapshot().abbreviations)  # "hf": hydrogen fluoride
        # "and a year before": the date it means, counted from the earlier turns
        text, earlier = thread_with_relative_dates(text, opts.history)
        opts = replace(opts, history=earlier)
        as_of = parse_as_of(opts.as_of)
        if opts.as_of in (None, ""):
            as_of = question_as_of(text) or classify(text).viewpoint or as_of
        rules = self.rules()  # one stat of the rule files per question, for both routes
        covered = jurisdictions(self.source_documents().values())  # countries with documents
        # Another country's own rules are refused first, even when worded as a licence question.
        routed = (
            welcome(text, as_of)
            or self._outside_scope(text, as_of, rules, covered)
            or self._route_to_checker(text, as_of, rules, covered)
            or self._continue_check(text, as_of, rules, opts, covered)
        )
        answer = routed or self._retrieve_and_compose(text, as_of, opts, rules)
        answer.question = typed
        answer.timings_ms["total"] = _ms(started)
        # What this question computed that the next process need not (bot/retrieval/disk_cache.py)
        self.cache.flush()
        self.index.save_new_stems()
        return answer

    def rules(self) -> Any:
        """The checker's rules from this tutor's own rules folder (loaded once per folder)."""
        return load_rules(self.settings.rules_dir)

    def source_documents(self) -> dict[str, dict[str, Any]]:
        return self.index.documents()

    # -- the pipeline: validate -> route -> understand -> retrieve -> compose -> answer --------
    def _retrieve_and_compose(
        self, text: str, as_of: dt.date, opts: AskOptions, rules: Any
    ) -> Answer:
        timings: dict[str, float] = {}
        chat = self._chat_model()
        asked = self._understand(text, as_of, opts, chat, rules)
        found = self._retrieve(asked, opts, timings)
        t0 = time.perf_counter()
        judged = self._compose(asked, found)
        timings["compose"] = _ms(t0)
        answer = to_answer(asked, found, judged, timings)
        if chat is not None and not answer.refused:
            from bot.answering.llm import generate_answer

            answer = generate_answer(self, text, as_of, found.candidates, answer, chat)
        return answer

    def _understand(
        self, text: str, as_of: dt.date, opts: AskOptions, chat: Any, rules: Any
    ) -> Asked:
        """Spelling, the question type, and the search query (with a follow-up's topic)."""
        speller = self.index.snapshot().speller
        corrected = speller.correct(text)
        standalone = corrected
        if chat is not None and opts.history:
            from bot.answering.llm import condense_question

            standalone = condense_question(chat, opts.history, corrected)
        history = [speller.correct(romanised_in_english(h, self.terms)) for h in opts.history]
        qtype = self._question_type(corrected, history)
        carried = [] if standalone != corrected else history  # a condensed question stands alone
        if qtype.asks_state:
            standalone = without_dates(standalone) or standalone  # the date is the viewpoint
        standalone = without_now_words(standalone) or standalone  # so is "today", "now"
        query = build_query(standalone, carried, self.terms)
        if AnswerKind.REASON in qtype.kinds:
            query = query.also_searching(REASON_WORD)
        exporter = exporting_country(corrected, rules) or ""
        earlier = tuple(carried) if query.carried_terms else ()  # a follow-up's earlier turns
        return Asked(text, as_of, corrected, query, qtype, exporter, earlier)

    def _retrieve(self, asked: Asked, opts: AskOptions, timings: dict[str, float]) -> Found:
        """The ranked passages, plus the chunks that continue them, open their documents (where
        a document states its topic or status) or name the asked day."""
        t0 = time.perf_counter()
        vector = self._query_vector(asked.query)
        timings["embed"] = _ms(t0)
        t0 = time.perf_counter()
        k = opts.k or self.settings.top_k
        mode = opts.retriever or self.settings.retriever  # type: ignore[assignment]
        hits = self.index.search(asked.query.lexical_text, vector, k, mode)
        candidates = self.index.with_lead_chunks(self.index.with_next_chunks(hits))
        if asked.qtype.event_dates:
            candidates = self.index.chunks_mentioning(asked.qtype.event_dates, candidates)
        if asked.jurisdiction:
            hits, candidates = (
                [h for h in passages if _about(h, asked.jurisdiction)]
                for passages in (hits, candidates)
            )
        timings["retrieve"] = _ms(t0)
        return Found(vector, hits, candidates)

    def _compose(self, asked: Asked, found: Found) -> Judged:
        """The cited sentences, then the scope model's answer-or-refuse on that evidence."""
        lexical = self.index.snapshot().lexical
        words = plain_words(asked.corrected)
        query = asked.query
        request = ComposeRequest(
            question=query.text,
            query_vector=found.vector,
            as_of=asked.as_of,
            threshold=self._evidence_threshold(asked.corrected, lexical),
            idf=lexical.idf,
            knows=lexical.knows,
            coverage_terms=frozenset(
                key_terms(" ".join([
                    words,  # the question's own words, less those mapped to course terms ...
                    *synonyms_for(asked.corrected),  # ... which count as the terms they map to
                    # ... and so do the carried topic's words
                    plain_words(" ".join(query.carried_terms)),
                    *synonyms_for(" ".join(query.carried_terms)),
                    *query.translated_terms,
                ]))
                - {t for w in REQUEST_WORDS for t in tokenize(w)}
            ),
            # With a scope model, coverage is one of its signals rather than a bar of its own.
            min_coverage=0.0 if self.scope_model else self.settings.min_coverage,
            qtype=asked.qtype,
            focus=query.focus if query.carried_terms else "",
            typed=asked.corrected,
            earlier=asked.earlier,
        )
        composition = compose(found.candidates, request, self.cache)
        features = self._scope_features(asked.corrected, found.hits, composition, request, lexical)
        refuse_p = self.scope_model.refuse_probability(features) if self.scope_model else 0.0
        if not composition.refused and self.scope_model and refuse_p >= self.scope_model.threshold:
            composition = replace(composition, refused=True, text="", citations=[], lines=[])
        return Judged(composition, features, refuse_p)

    def _scope_features(
        self,
        question: str,
        hits: list[Hit],
        composition: Composition,
        request: ComposeRequest,
        lexical: LexicalIndex,
    ) -> ScopeFeatures:
        """The evidence signals for the answer-or-refuse decision (see scope_model.py)."""
        terms = request.coverage_terms
        total = sum(lexical.idf(t) for t in terms)
        known = sum(lexical.idf(t) for t in terms if lexical.knows_family(t))
        future, advice = cues(question)
        if request.as_of > dt.date.today():
            future = 1.0  # a date still to come: the course records only what has happened
        unknown_names = [t for t in proper_names(question) if not lexical.knows(t)]
        return ScopeFeatures(
            best_similarity=composition.best_similarity,
            top_dense=max((h.dense or 0.0 for h in hits), default=0.0),
            top_bm25=math.log1p(max((h.lexical or 0.0 for h in hits), default=0.0)),
            known_share=known / total if total else 1.0,
            unknown_names=float(min(len(unknown_names), 2)),
            coverage=composition.coverage,
            future_cue=future,
            advice_cue=advice,
        )

    @staticmethod
    def _question_type(question: str, history: list[str]) -> QuestionType:
        """The question's type; a bare follow-up takes the type of the question before it.

        "and the panel request?" after "when did korea resume the case?" still asks when;
        "what about in 2020?" after "is korea on the white list?" asks for the state in 2020.
        """
        qtype = classify(question)
        if qtype.name not in ("other", "list") or not history or not is_follow_up(question):
            return qtype
        if has_own_question_word(question):
            return qtype  # "which firms did that ruling hit" asks its own question
        earlier = classify(history[-1])
        dates = () if earlier.asks_state else qtype.event_dates
        return replace(earlier, broad=False, event_dates=dates)

    def _chat_model(self) -> Any:
        """The configured language model, loaded once; None for extractive answers."""
        if not self.settings.llm:
            return None
        if self._chat is None:
            from bot.answering.llm import load_chat_model

            self._chat = load_chat_model(self.settings.llm, self.settings)
        return self._chat

    def _evidence_threshold(self, text: str, lexical: LexicalIndex) -> float:
        """How close a sentence must be to count as evidence for this question.

        An unknown name ("China", "Commerce") hints that the question is about something the
        course does not cover: then only strong evidence is enough. Casual words, request words
        ("explain", "simply") and typos (corrected before this) never raise the bar.
        """
        threshold = self.settings.refusal_threshold
        if self.scope_model is None and any(not lexical.knows(t) for t in proper_names(text)):
            threshold = max(threshold, self.settings.unknown_name_similarity)
        return threshold

    def _query_vector(self, query: SearchQuery) -> np.ndarray:
        """A follow-up's own words weigh as much as the topic carried from earlier turns.
        Filler words ("ok so", "basically") are left out: they carry nothing to match."""
        if not query.carried_terms:
            return self.embeddings.encode([without_filler(query.text)])[0]
        both = self.embeddings.encode([without_filler(query.focus), without_filler(query.text)])
        return both.sum(axis=0) / np.linalg.norm(both.sum(axis=0))

    def _route_to_checker(
        self, text: str, as_of: dt.date, rules: Any, covered: set[str]
    ) -> Answer | None:
        """Licence questions, and a country's group, are decided by rules, not by search."""
        text = with_items_spelled(text, rules, self.index.snapshot().speller.correct)
        licence = licence_for_an_uncovered_destination(text, rules, covered)
        return answer_with_checker(
            text, as_of, rules, self.citation_for_doc, self._names_word, licence
        ) or answer_country_group(text, as_of, rules, self.citation_for_doc, covered)

    def _continue_check(
        self, text: str, as_of: dt.date, rules: Any, opts: AskOptions, covered: set[str]
    ) -> Answer | None:
        """A follow-up of a check ("what about at 25%?", "and in 2019?" after "is taiwan in
        group a") is checked with its thread."""
        licence = checker_thread(text, opts.history, rules)
        group = None if licence else checker_thread(
            text, opts.history, rules, lambda q: asks_country_group(q, rules, covered)
        )
        thread = licence or group
        if thread is None or unknown_product(text, rules, self._names_word):
            return None  # "what about hydrogen peroxide?" is not the same product
        joined = " ".join([*thread, text])
        if opts.as_of in (None, ""):
            as_of = question_as_of(text) or question_as_of(joined) or as_of
        if licence:  # the thread began with a licence question
            answer = answer_with_checker(
                joined, as_of, rules, self.citation_for_doc, self._names_word,
                licence_question=True, later=(*thread[1:], text),
            )
        else:
            answer = answer_country_group(joined, as_of, rules, self.citation_for_doc, covered)
        if answer is not None:
            answer.question = text
        return answer

    def _names_word(self, word: str) -> bool:
        """Some passage uses `word`, or the word it misspells ("flouride")."""
        fixed = self.index.snapshot().speller.correct_word(word)
        return self.index.names(word) or (fixed is not None and self.index.names(fixed))

    def _outside_scope(
        self, text: str, as_of: dt.date, rules: Any, covered: set[str]
    ) -> Answer | None:
        """Another country's own rules: refused before a search could quote Japan's instead."""
        country = foreign_jurisdiction(text, rules, covered)
        if country is None:
            return None
        message = out_of_scope_message(country)
        return Answer(question=text, as_of=as_of, answer=message, refused=True, mode="refusal")

    def citation_for_doc(self, n: int, doc_id: str, claim: str) -> Citation | None:
        """Cite `doc_id` by its sentence closest to `claim` (the checker's rule steps cite whole
        documents; a student should still see the exact sentence that supports the step)."""
        snap = self.index.snapshot()
        hits = [
            Hit(chunk_id, meta, 0.0, rank=1)
            for chunk_id, meta in snap.metadatas.items()
            if meta["doc_id"] == doc_id
        ]
        cands = candidates(hits, dt.date.max)  # every sentence, whatever its period
        if not cands:
            return None
        # A rule step's claim recurs in every check that takes the step: cached like a sentence
        score(cands, claim, self.cache.vectors([claim])[0], self.cache, snap.lexical.idf)
        best = max(cands, key=lambda c: c.score)
        return replace(citation_from(n, best), score=round(best.similarity, 4), historical=False)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
