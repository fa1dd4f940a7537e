"""Row-level validation: one raw row in, a clean row or a quarantine record out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pipelines.contract import FieldSpec, SourceContract
from pipelines.ingest.fields import Invalid, OpenLabel, neutralise_formula, validate_value
from pipelines.ingest.reader import shown
from pipelines.normalise.payment import is_card_number, redact_card_numbers
from pipelines.normalise.phone import normalise_phone
from pipelines.normalise.text import clean

# The code points Python's surrogateescape gives the bytes a file's encoding cannot decode.
UNDECODABLE = re.compile("[\udc80-\udcff]")
CARD_IN_FREE_TEXT = "card number redacted"


@dataclass
class RowOutcome:
    """A loaded row (``values``) or a quarantined one (``reason`` set)."""

    values: dict[str, str | None]
    issues: list[str] = field(default_factory=list)
    reason: str | None = None
    reason_field: str | None = None


def has_undecodable_bytes(text: str) -> bool:
    return UNDECODABLE.search(text) is not None


def safe_note(text: str) -> str:
    """A reason or issue (which may quote a value) fit for a file or a log: no card number, no
    raw undecodable byte."""
    return redact_card_numbers(text.encode("utf-8", "surrogateescape")
                               .decode("utf-8", "backslashreplace"))


def redacted(values: dict[str, str | None]) -> str:
    """The row as JSON for a quarantine file: card numbers redacted wherever they are (each
    value searched and redacted as it stands), undecodable bytes shown as \\xNN escapes,
    spreadsheet formulas neutralised."""
    safe = {safe_note(key): None if value is None else neutralise_formula(safe_note(value))[0]
            for key, value in values.items()}
    return json.dumps(safe, ensure_ascii=False, sort_keys=True)


def _redact_free_text(value: str, spec: FieldSpec, issues: list[str]) -> str:
    """Card numbers in free text are redacted in place, on the raw and on the cleaned form (each
    searched as it stands), and the row is loaded with the redaction noted."""
    raw_redacted = redact_card_numbers(value)
    cleaned = clean(raw_redacted)
    safe = redact_card_numbers(cleaned)
    if raw_redacted != value or safe != cleaned:
        issues.append(f"{spec.name}: {CARD_IN_FREE_TEXT}")
    return safe


def _card_in_identifier(value: str, spec: FieldSpec) -> bool:
    """An identifier is never searched inside (a hex id may hold a Luhn-valid run); only an
    identifier that is, as a whole, a card number counts. A valid phone number is not one."""
    if not is_card_number(value):  # cheap, and settles nearly every value before a phone parse
        return False
    return not (spec.type == "phone" and normalise_phone(value) is not None)


def validate_row(raw: dict[str, str | None], contract: SourceContract) -> RowOutcome:
    """Apply the contract to one row: quarantine on a hard problem, null optional bad values,
    redact card numbers in free text."""
    specs = {f.name: f for f in contract.fields}
    for name, value in raw.items():
        if value and has_undecodable_bytes(value):
            return RowOutcome(_escaped(raw), reason=f"undecodable bytes in {name}: "
                              f"{shown(value, 60)}", reason_field=name)
    outcome = RowOutcome({})
    for name, value in raw.items():
        spec = specs[name]
        if value and spec.free_text:
            outcome.values[name] = _redact_free_text(value, spec, outcome.issues) or None
            continue
        value = clean(value) or None
        if value and _card_in_identifier(value, spec):
            if spec.required or name in contract.primary_key:
                return RowOutcome(raw, reason=f"full card number in identifier field {name} "
                                  "(redacted)", reason_field=name)
            outcome.issues.append(f"{name}: a full card number, removed")
            value = None
        outcome.values[name] = value
    values = dict(outcome.values)
    region = (values.get("declared_country") or values.get("billing_country") or "") or None
    for spec in contract.fields:
        problem = _apply_field(outcome, spec, values.get(spec.name), region)
        if problem:
            outcome.reason, outcome.reason_field = safe_note(problem), spec.name
            return outcome
    outcome.issues = [safe_note(issue) for issue in outcome.issues]
    return outcome


def _escaped(values: dict[str, str | None]) -> dict[str, str | None]:
    return {k: None if v is None else shown(v, 10_000) for k, v in values.items()}


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
    except OpenLabel as label:
        outcome.values[spec.name] = label.loaded_as
        outcome.issues.append(f"{spec.name}: {label}")
        return None
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
