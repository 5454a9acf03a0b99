"""Validation reports: every issue with its file, line, field, source column, value and reason."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR, WARNING = "error", "warning"

# Stable codes, with the sentence each one stands for. Code that finds an issue names its code;
# the edges (CLI, app) show these titles.
CODES = {
    "type-error": "a value cannot be read as the field's type",
    "missing-value": "a required value is empty",
    "constraint-error": "a value breaks a constraint of the schema",
    "duplicate-key": "two rows share a primary key",
    "total-mismatch": "the rows do not add up to the file's own total row",
    "no-records": "the file holds no records",
}


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

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass
class CodeSummary:
    code: str
    severity: str
    count: int
    examples: list[Issue] = field(default_factory=list)

    @property
    def title(self) -> str:
        return CODES.get(self.code, self.code)


@dataclass
class Report:
    summaries: list[CodeSummary] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(s.count for s in self.summaries if s.severity == ERROR)

    @property
    def warning_count(self) -> int:
        return sum(s.count for s in self.summaries if s.severity == WARNING)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def to_dict(self) -> dict:
        return {
            "valid": self.ok,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "issues": [
                {"code": s.code, "severity": s.severity, "title": s.title, "count": s.count,
                 "examples": [e.__dict__ for e in s.examples]}
                for s in self.summaries
            ],
        }
