"""A profile's validation policy: severities, quarantine, tolerances and reference lists.

The `validation:` section of schemas/profile.schema.json is the single source of the policy's
keys, of every issue code with its default severity, and of every default value: this module
reads them from there. load_profile checks the section against the schema and keeps it on the
Profile (`Profile.validation`); policy_of reads that attribute, or, for any other object with a
`path`, the YAML file itself. Every key has a default, so a profile without the section validates
as before (errors block, warnings never do).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .. import yamltext
from ..paths import SCHEMAS_DIR
from .report import ERROR

_PROFILE_SCHEMA = json.loads((SCHEMAS_DIR / "profile.schema.json").read_text(encoding="utf-8"))
SECTION_SCHEMA: dict[str, Any] = _PROFILE_SCHEMA["properties"]["validation"]
_KEYS = SECTION_SCHEMA["properties"]

IGNORE = "ignore"
SEVERITIES = tuple(_PROFILE_SCHEMA["$defs"]["severity"]["enum"])   # (ERROR, WARNING, IGNORE): a test checks

# Default severity of each code. Everything the schema forbids is an error; the domain checks
# that can be legitimate (an invoice dated months before it is paid, two equal payments, an
# unusually large one) are warnings.
DEFAULT_SEVERITY: dict[str, str] = {code: spec["default"]
                                    for code, spec in _KEYS["severity"]["properties"].items()}

SUPPLIER_ID_SCHEMES = tuple(_KEYS["supplier_id_scheme"]["enum"])
LANGUAGES = tuple(_KEYS["lang"]["enum"])   # the message catalogues' languages: a test checks


def _default(*path: str) -> Any:
    """The schema's default of a key of the section (e.g. _default("outliers", "factor"))."""
    spec: dict[str, Any] = SECTION_SCHEMA
    for key in path:
        spec = spec["properties"][key]
    return spec["default"]


@dataclass(frozen=True)
class CodeList:
    """A reference list a field's codes must belong to (a CSV file and the column of its codes)."""

    field: str
    path: Path
    column: str | None = None   # default: the first column
    name: str | None = None     # shown in messages (default: the file name)

    @property
    def key(self) -> str:
        """The profile key that names the list: in messages, and in the archive of a release."""
        return f"validation.code_lists.{self.field}"


@dataclass(frozen=True)
class ValidationPolicy:
    quarantine: bool = _default("quarantine")
    date_tolerance_days: int = _default("date_tolerance_days")
    severity: dict[str, str] = field(default_factory=dict)
    supplier_id_scheme: str = _default("supplier_id_scheme")
    outlier_factor: float = float(_default("outliers", "factor"))
    outlier_quantile: float = float(_default("outliers", "quantile"))
    outlier_min_history: int = _default("outliers", "min_history")
    shrink_share: float = float(_default("shrink_share"))
    code_lists: tuple[CodeList, ...] = ()
    lang: str = _default("lang")

    def severity_of(self, code: str) -> str:
        return self.severity.get(code, DEFAULT_SEVERITY.get(code, ERROR))

    def files(self) -> dict[str, Path]:
        """The reference files the policy reads, by profile key."""
        return {cl.key: cl.path for cl in self.code_lists}

    def reading(self, files: dict[str, Path] | None) -> "ValidationPolicy":
        """The policy with some code lists read from other files (by key): a replay reads the
        archived copies a release was validated with, wherever the profile's paths point now."""
        if not files:
            return self
        return replace(self, code_lists=tuple(replace(cl, path=files.get(cl.key, cl.path))
                                              for cl in self.code_lists))


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
        doc = yamltext.load(Path(path).read_text(encoding="utf-8"))
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
    scheme = str(s.get("supplier_id_scheme", ValidationPolicy.supplier_id_scheme))
    lang = str(s.get("lang", ValidationPolicy.lang))
    return ValidationPolicy(
        quarantine=bool(s.get("quarantine", ValidationPolicy.quarantine)),
        date_tolerance_days=int(s.get("date_tolerance_days", ValidationPolicy.date_tolerance_days)),
        severity=severity,
        supplier_id_scheme=scheme if scheme in SUPPLIER_ID_SCHEMES else ValidationPolicy.supplier_id_scheme,
        outlier_factor=float(outlier.get("factor", ValidationPolicy.outlier_factor)),
        outlier_quantile=float(outlier.get("quantile", ValidationPolicy.outlier_quantile)),
        outlier_min_history=int(outlier.get("min_history", ValidationPolicy.outlier_min_history)),
        shrink_share=float(s.get("shrink_share", ValidationPolicy.shrink_share)),
        code_lists=tuple(lists),
        lang=lang if lang in LANGUAGES else ValidationPolicy.lang,
    )
