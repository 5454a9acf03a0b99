"""A profile's validation policy: severities, quarantine, tolerances and reference lists.

The profile's `validation:` mapping (see the JSON-schema snippet in bench/README.md's report) is
read defensively: from a `validation` attribute of the Profile object when it has one, otherwise
from the profile's YAML file itself, and every key has a default, so a profile without the
section validates as before (errors block, warnings never do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .report import ERROR, WARNING

IGNORE = "ignore"
SEVERITIES = (ERROR, WARNING, IGNORE)

# Default severity of each code. Everything the schema forbids is an error; the domain checks
# that can be legitimate (an invoice dated months before it is paid, two equal payments, an
# unusually large one) are warnings.
DEFAULT_SEVERITY = {
    "type-error": ERROR,
    "constraint-error": ERROR,
    "unique-error": ERROR,
    "primary-key": ERROR,
    "foreign-key": ERROR,
    "total-mismatch": ERROR,
    "no-records": ERROR,
    "invalid-company-number": ERROR,
    "invalid-siren": ERROR,
    "invalid-siret": ERROR,
    "unknown-code": ERROR,
    "date-outside-period": WARNING,
    "probable-duplicate": WARNING,
    "amount-outlier": WARNING,
}

SUPPLIER_ID_SCHEMES = ("auto", "gb-company-number", "fr-siren-siret", "none")


@dataclass(frozen=True)
class CodeList:
    """A reference list a field's codes must belong to (a CSV file and the column of its codes)."""

    field: str
    path: Path
    column: str | None = None   # default: the first column
    name: str | None = None     # shown in messages (default: the file name)


@dataclass(frozen=True)
class ValidationPolicy:
    quarantine: bool = False
    date_tolerance_days: int = 31
    severity: dict[str, str] = field(default_factory=dict)
    supplier_id_scheme: str = "auto"
    outlier_factor: float = 10.0
    outlier_quantile: float = 0.99
    outlier_min_history: int = 100
    code_lists: tuple[CodeList, ...] = ()
    lang: str = "en"

    def severity_of(self, code: str) -> str:
        return self.severity.get(code, DEFAULT_SEVERITY.get(code, ERROR))


def _section(profile: Any) -> dict[str, Any]:
    section = getattr(profile, "validation", None)
    if isinstance(section, dict):
        return section
    if section is not None and hasattr(section, "__dict__"):
        return dict(vars(section))
    path = getattr(profile, "path", None)
    if path is None:
        return {}
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    section = doc.get("validation") if isinstance(doc, dict) else None
    return section if isinstance(section, dict) else {}


def policy_of(profile: Any) -> ValidationPolicy:
    """The validation policy a profile asks for (defaults for anything it does not say)."""
    s = _section(profile)
    base = Path(getattr(profile, "path", ".")).parent
    severity = {str(k): str(v) for k, v in (s.get("severity") or {}).items() if str(v) in SEVERITIES}
    outlier = s.get("outliers") or {}
    lists = []
    for field_name, spec in (s.get("code_lists") or {}).items():
        spec = {"path": spec} if isinstance(spec, str) else dict(spec or {})
        if "path" not in spec:
            continue
        path = Path(spec["path"])
        lists.append(CodeList(field=field_name, path=path if path.is_absolute() else base / path,
                              column=spec.get("column"), name=spec.get("name")))
    scheme = str(s.get("supplier_id_scheme", "auto"))
    return ValidationPolicy(
        quarantine=bool(s.get("quarantine", False)),
        date_tolerance_days=int(s.get("date_tolerance_days", 31)),
        severity=severity,
        supplier_id_scheme=scheme if scheme in SUPPLIER_ID_SCHEMES else "auto",
        outlier_factor=float(outlier.get("factor", 10.0)),
        outlier_quantile=float(outlier.get("quantile", 0.99)),
        outlier_min_history=int(outlier.get("min_history", 100)),
        code_lists=tuple(lists),
        lang=str(s.get("lang", "en")) if str(s.get("lang", "en")) in ("en", "fr") else "en",
    )


# The JSON-schema snippet for schemas/profile.schema.json (top-level "properties"), kept here so a
# test checks that the code and the snippet agree.
PROFILE_SCHEMA_SNIPPET: dict[str, Any] = {
    "validation": {
        "type": "object",
        "additionalProperties": False,
        "description": "How validation judges this publisher's files: which issues block the publish, "
                       "whether rejected rows may go to quarantine, and the domain checks' settings.",
        "properties": {
            "quarantine": {"type": "boolean", "default": False,
                           "description": "Rows with errors are set aside in a quarantine file (with their "
                                          "reasons) and the rest is published; file-level errors still block."},
            "date_tolerance_days": {"type": "integer", "minimum": 0, "default": 31,
                                    "description": "Days a payment date may fall before or after the period."},
            "severity": {"type": "object",
                         "propertyNames": {"enum": sorted(DEFAULT_SEVERITY)},
                         "additionalProperties": {"enum": list(SEVERITIES)},
                         "description": "Per issue code: error (blocks), warning (reported) or ignore."},
            "supplier_id_scheme": {"enum": list(SUPPLIER_ID_SCHEMES), "default": "auto",
                                   "description": "How supplier_id is checked; auto: UK company numbers for GB "
                                                  "publishers, SIREN/SIRET for FR ones."},
            "outliers": {"type": "object", "additionalProperties": False,
                         "properties": {"factor": {"type": "number", "exclusiveMinimum": 1, "default": 10},
                                        "quantile": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                                                     "default": 0.99},
                                        "min_history": {"type": "integer", "minimum": 1, "default": 100}},
                         "description": "An amount above factor x the quantile of the publisher's past "
                                        "absolute amounts is a warning (needs min_history past payments)."},
            "code_lists": {"type": "object",
                           "additionalProperties": {"oneOf": [
                               {"type": "string"},
                               {"type": "object", "additionalProperties": False, "required": ["path"],
                                "properties": {"path": {"type": "string"}, "column": {"type": "string"},
                                               "name": {"type": "string"}}}]},
                           "description": "Per field, a CSV reference list its codes must belong to (e.g. the "
                                          "chart of accounts for expense_code); cofog_code is always checked "
                                          "against COFOG."},
            "lang": {"enum": ["en", "fr"], "default": "en",
                     "description": "Language of the quarantine file's reasons."},
        },
    }
}
