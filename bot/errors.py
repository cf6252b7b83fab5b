"""Typed errors that the CLI and the app turn into plain messages (never tracebacks)."""

from __future__ import annotations


class TutorError(Exception):
    """Base class: the message is written for the user, not for a developer."""


class CorpusError(TutorError):
    """A course document or added file cannot be used; the message names the file."""


class InputError(TutorError):
    """A question, date or parameter the user typed is not acceptable."""


class IndexBusyError(TutorError):
    """Another ingest holds the index lock."""


class IndexMissingError(TutorError):
    """No index has been built yet."""
