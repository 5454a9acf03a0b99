"""Validation reports: every issue with its file, line, field, source column, value and reason.

Codes are stable; their titles and messages come from the templates in messages/ (English and
French). `Issue.reason` is the English sentence; `Issue.message(lang)` renders any language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import messages

ERROR, WARNING = "error", "warning"

# Stable codes. Code that finds an issue names its code; the edges (CLI, app) show the titles.
# The first nine are frictionless-py's own error types, with the same meaning.
CODE_LIST = (
    "type-error", "constraint-error", "unique-error", "primary-key", "foreign-key",
    "missing-cell", "extra-cell", "blank-row",
    "total-mismatch", "missing-total-row", "no-records",
    "invalid-company-number", "invalid-siren", "invalid-siret", "period-mismatch", "date-outside-period",
    "probable-duplicate", "already-published", "amount-outlier", "unknown-code", "file-refused",
    "period-shrinks",
)


class _Titles(dict):
    """CODES[code] -> English title, read from the message templates."""

    def __missing__(self, code: str) -> str:
        return messages.title(code)

    def get(self, code: str, default: Any = None) -> Any:  # type: ignore[override]
        return messages.title(code) if code in CODE_LIST or messages.title(code) != code else default


CODES = _Titles({code: messages.title(code) for code in CODE_LIST})


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str
    file: str
    line: int | None
    field: str | None
    column: str | None
    value: str | None
    reason: str
    constraint: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def message(self, lang: str = messages.DEFAULT_LANG) -> str:
        """The reason in `lang`, rendered from the code's template and the issue's parameters."""
        if lang == messages.DEFAULT_LANG:
            return self.reason
        return messages.render(self.code, dict(self.params), lang, self.constraint)

    def to_dict(self, lang: str = messages.DEFAULT_LANG) -> dict[str, Any]:
        out = {"code": self.code, "severity": self.severity, "file": self.file, "line": self.line,
               "field": self.field, "column": self.column, "value": self.value,
               "reason": self.message(lang)}
        if self.constraint:
            out["constraint"] = self.constraint
        return out


def params_of(text: str | None) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    return tuple(sorted((k, "" if v is None else str(v)) for k, v in json.loads(text).items()))


@dataclass
class CodeSummary:
    code: str
    severity: str
    count: int
    examples: list[Issue] = field(default_factory=list)

    @property
    def title(self) -> str:
        return messages.title(self.code)

    def title_in(self, lang: str) -> str:
        return messages.title(self.code, lang)


@dataclass
class Report:
    summaries: list[CodeSummary] = field(default_factory=list)
    quarantine: bool = False        # the profile lets rejected rows go to quarantine
    records: int = 0                # records validated
    rejected_rows: int = 0          # distinct rows with at least one error
    # what amounts were compared with: (currency, usual, history), recorded so a replay does the same
    outlier_baseline: list[tuple[str, Decimal, int]] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(s.count for s in self.summaries if s.severity == ERROR)

    @property
    def warning_count(self) -> int:
        return sum(s.count for s in self.summaries if s.severity == WARNING)

    @property
    def ok(self) -> bool:
        """No error at all (warnings never count)."""
        return self.error_count == 0

    @property
    def file_error_count(self) -> int:
        """Errors no row can be set aside for (a total that does not reconcile, an empty file)."""
        return sum(s.count for s in self.summaries if s.severity == ERROR and s.code in FILE_LEVEL_CODES)

    @property
    def blocks_publish(self) -> bool:
        """Errors block the publish, unless the profile allows quarantine and every error belongs to
        a row that can be set aside (and some rows remain)."""
        if self.ok:
            return False
        if not self.quarantine or self.file_error_count:
            return True
        return self.records > 0 and self.rejected_rows >= self.records

    def files_named(self) -> list[str]:
        """The files the examples name, in order."""
        return list(dict.fromkeys(e.file for s in self.summaries for e in s.examples))

    def to_dict(self, lang: str = messages.DEFAULT_LANG) -> dict[str, Any]:
        return {
            "valid": self.ok,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "blocks_publish": self.blocks_publish,
            "quarantine": self.quarantine,
            "records": self.records,
            "rejected_rows": self.rejected_rows,
            "issues": [
                {"code": s.code, "severity": s.severity, "title": s.title_in(lang), "count": s.count,
                 "examples": [e.to_dict(lang) for e in s.examples]}
                for s in self.summaries
            ],
        }


# Codes whose issues concern a whole file, never one row.
FILE_LEVEL_CODES = frozenset({"total-mismatch", "missing-total-row", "no-records", "period-mismatch",
                              "already-published", "file-refused", "period-shrinks"})
