"""Row-level validation: one raw row in, a clean row or a quarantine record out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pipelines.contract import FieldSpec, SourceContract
from pipelines.ingest.fields import Invalid, neutralise_formula, validate_value
from pipelines.normalise.payment import find_card_numbers, redact_card_numbers
from pipelines.normalise.phone import normalise_phone
from pipelines.normalise.text import clean

SURROGATE_ESCAPES = range(0xDC80, 0xDD00)


@dataclass
class RowOutcome:
    """A loaded row (``values``) or a quarantined one (``reason`` set)."""

    values: dict[str, str | None]
    issues: list[str] = field(default_factory=list)
    reason: str | None = None
    reason_field: str | None = None


def has_undecodable_bytes(text: str) -> bool:
    return any(ord(ch) in SURROGATE_ESCAPES for ch in text)


def redacted(values: dict[str, str | None]) -> str:
    """The row as JSON without card numbers or undecodable bytes: safe for a quarantine file."""
    safe = {}
    for key, value in values.items():
        if value is None:
            safe[key] = None
            continue
        text = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        safe[key] = neutralise_formula(redact_card_numbers(text))[0]
    return json.dumps(safe, ensure_ascii=False, sort_keys=True)


def _card_number_field(values: dict[str, str | None], specs: dict[str, FieldSpec]) -> str | None:
    for name, value in values.items():
        if not value or not find_card_numbers(value):
            continue
        spec = specs.get(name)
        if spec is not None and spec.type == "phone" and normalise_phone(value) is not None:
            continue  # a valid phone number that happens to pass the Luhn check
        return name
    return None


def validate_row(raw: dict[str, str | None], contract: SourceContract) -> RowOutcome:
    """Apply the contract to one row: quarantine on a hard problem, null optional bad values."""
    specs = {f.name: f for f in contract.fields}
    values = {name: (clean(value) or None) for name, value in raw.items()}
    for name, value in values.items():
        if value and has_undecodable_bytes(value):
            return RowOutcome(values, reason="invalid UTF-8 bytes", reason_field=name)
    card_field = _card_number_field(values, specs)
    if card_field:
        return RowOutcome(values, reason="full card number in field (redacted)",
                          reason_field=card_field)
    outcome = RowOutcome(dict(values))
    region = (values.get("declared_country") or values.get("billing_country") or "") or None
    for spec in contract.fields:
        problem = _apply_field(outcome, spec, values.get(spec.name), region)
        if problem:
            outcome.reason, outcome.reason_field = problem, spec.name
            return outcome
    return outcome


def _apply_field(
    outcome: RowOutcome, spec: FieldSpec, value: str | None, region: str | None
) -> str | None:
    """Validate one field in place; return a quarantine reason, or None."""
    if value is None:
        return f"missing required field {spec.name}" if spec.required else None
    if len(value) > spec.max_length:
        return f"field {spec.name} is {len(value)} characters, over the limit of {spec.max_length}"
    try:
        cleaned = validate_value(value, spec, region if spec.type == "phone" else None)
    except Invalid as exc:
        if spec.required:
            return f"invalid {spec.name}: {exc}"
        outcome.values[spec.name] = None
        outcome.issues.append(f"{spec.name}: {exc}")
        return None
    if spec.type in {"text", "text_list", "string"}:
        cleaned, neutralised = neutralise_formula(cleaned)
        if neutralised:
            outcome.issues.append(f"{spec.name}: spreadsheet formula neutralised")
    outcome.values[spec.name] = cleaned
    return None
