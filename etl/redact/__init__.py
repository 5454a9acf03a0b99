"""Redact: personal data replaced in stg_ before anything is loaded or written.

Rows keep their amount, date, department and expense type, so totals stay true; the supplier's
name (and a purpose text that could identify the person) is replaced by a fixed label, the
supplier_id is cleared, no source text of those fields is left in stg_, and the row says why
(redaction_reason). Everything runs set-based in DuckDB on the stg_<dataset> table.

The rules come from the shared default policy (datasets/reference/redaction-policy.yaml) and the
profile's `redaction:` block. A publisher's private state lives under its home, never in site/:

    <home>/redaction/<publisher_id>/decisions.csv   a person's decisions on detector candidates
    <home>/redaction/<publisher_id>/names.txt       every name ever redacted (the leak gate's list)

One role per module (this package re-exports what the rest of spendpub uses):

    policy      the rules: the shared default policy and the profile's block, checked and merged
    decisions   the private state: decisions on candidates and the register of redacted names
    enforce     the rules applied to stg_, the names the leak gate must not find, published rows redacted
    detector    probable natural persons reported for a decision, and a publish refused while some wait
"""

from __future__ import annotations

from .policy import POLICY_FILE, REASONS, REDACTED_LABEL, REDACTION_NOTE, Policy, load_policy
from .decisions import Decisions, decide, from_snapshot, load_decisions, record_names, redaction_dir, snapshot
from .enforce import (apply, apply_source_markers, gate_arguments, gate_names, published_counts,
                    record_release, redact_published, redacted_name_kinds, redacted_names, state_digest)
from .detector import Candidate, PendingReview, check_pending, detect, review

__all__ = [
    "POLICY_FILE", "REASONS", "REDACTED_LABEL", "REDACTION_NOTE", "Policy", "load_policy",
    "Decisions", "decide", "from_snapshot", "load_decisions", "record_names", "redaction_dir", "snapshot",
    "apply", "apply_source_markers", "gate_arguments", "gate_names", "published_counts",
    "record_release", "redact_published", "redacted_name_kinds", "redacted_names", "state_digest",
    "Candidate", "PendingReview", "check_pending", "detect", "review",
]
