"""Errors that library code raises and the edges (CLI, app) turn into one clear sentence."""

from __future__ import annotations


class SpendpubError(Exception):
    """An expected failure: bad input, bad profile, refused data. Never shown as a traceback."""

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ProfileError(SpendpubError):
    """The publisher profile is malformed: names the file and the key."""


class InputError(SpendpubError):
    """A source file cannot be read as the profile says: names the file and the cause. One made by
    `refusal` has its sentence among the message templates (file-refused.<kind>), in every language
    a report is written in; the others give theirs in English."""

    kind: str | None = None
    params: dict[str, str] = {}

    @classmethod
    def refusal(cls, kind: str, where: str | None = None, **params: object) -> "InputError":
        from .validate import messages   # the templates; imported here, as errors is imported first

        texts = {k: str(v) for k, v in params.items()}
        error = cls(messages.render(REFUSAL_CODE, texts, messages.DEFAULT_LANG, kind), where=where)
        error.kind, error.params = kind, texts
        return error


REFUSAL_CODE = "file-refused"   # the validation issue a file refused as a whole is reported as


class UsageError(SpendpubError):
    """The command was called wrongly (missing argument, unknown period, ...)."""
