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
    """A source file cannot be read as the profile says: names the file and the cause."""


class UsageError(SpendpubError):
    """The command was called wrongly (missing argument, unknown period, ...)."""
