"""Validation of one value against its field spec: a cleaned value, or the reason it is bad."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pipelines.contract import FieldSpec
from pipelines.normalise.email import normalise_domain, normalise_email
from pipelines.normalise.network import normalise_cidr, normalise_ip
from pipelines.normalise.payment import normalise_bin
from pipelines.normalise.phone import normalise_phone

COUNTRY = re.compile(r"^[A-Z]{2}$")
LAST4 = re.compile(r"^\d{4}$")
ENTITY_REF = re.compile(r"^(account|org):\S{1,64}$")
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}
# Control and invisible format characters: inside an identifier they make two ids that print
# alike (or a NUL-bearing node key), so an identifier holding one is refused.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# The same class in RE2 syntax, for pyarrow's vectorised match over a whole column.
CONTROL_RE2 = (r"[\x00-\x1f\x7f-\x9f\x{200b}-\x{200f}\x{2028}-\x{202e}\x{2060}-\x{2064}"
               r"\x{feff}]")
# A cell that a spreadsheet would execute when the file is opened.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Invalid(ValueError):
    """The value does not fit its field's type; the message says how."""


class OpenLabel(ValueError):
    """A label the contract's list does not have, in an enum that loads it as a catch-all."""

    def __init__(self, loaded_as: str, raw: str) -> None:
        super().__init__(f"unknown label {raw[:40]!r} loaded as {loaded_as}")
        self.loaded_as, self.raw = loaded_as, raw


def parse_timestamp(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError as exc:
        raise Invalid(f"not an ISO 8601 timestamp: {text[:40]!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(text: str, spec: FieldSpec, kind: type) -> str:
    try:
        value = kind(text)
    except ValueError as exc:
        raise Invalid(f"not a{'n integer' if kind is int else ' number'}: {text[:40]!r}") from exc
    if spec.minimum is not None and value < spec.minimum:
        raise Invalid(f"{value} is below the minimum {spec.minimum}")
    if spec.maximum is not None and value > spec.maximum:
        raise Invalid(f"{value} is above the maximum {spec.maximum}")
    return str(value)


def _checked(result: object, text: str, what: str) -> str:
    if result is None:
        raise Invalid(f"not a valid {what}: {text[:60]!r}")
    return str(result)


def neutralise_formula(text: str) -> tuple[str, bool]:
    """Prefix a spreadsheet formula with an apostrophe so no spreadsheet runs it."""
    if text.startswith(FORMULA_START) and not text.lstrip("+-").replace(" ", "").isdigit():
        return "'" + text, True
    return text, False


def validate_value(text: str, spec: FieldSpec, region: str | None = None) -> str:
    """The cleaned value of ``text`` for ``spec`` (``text`` is non-empty), or ``Invalid``."""
    kind = spec.type
    if kind == "string" and not spec.free_text and (control := CONTROL.search(text)):
        raise Invalid(f"control character U+{ord(control.group()):04X} in an identifier")
    if kind in {"string", "text", "text_list"}:
        return text
    if kind == "timestamp":
        return parse_timestamp(text)
    if kind == "email":
        return _checked(normalise_email(text), text, "email address") and text
    if kind == "phone":
        return _checked(normalise_phone(text, region), text, "phone number") and text
    if kind == "ip":
        return _checked(normalise_ip(text), text, "IP address")
    if kind == "cidr":
        return _checked(normalise_cidr(text), text, "CIDR prefix")
    if kind == "domain":
        return _checked(normalise_domain(text), text, "domain name")
    if kind == "country":
        upper = text.upper()
        if not COUNTRY.match(upper):
            raise Invalid(f"not an ISO 3166 alpha-2 country code: {text[:10]!r}")
        return upper
    if kind in {"int", "float"}:
        return _number(text, spec, int if kind == "int" else float)
    if kind == "bool":
        lowered = text.casefold()
        if lowered not in TRUE_WORDS | FALSE_WORDS:
            raise Invalid(f"not a boolean: {text[:20]!r}")
        return "true" if lowered in TRUE_WORDS else "false"
    if kind == "enum":
        lowered = text.casefold()
        if lowered not in spec.values:
            if spec.open_as:
                raise OpenLabel(spec.open_as, lowered)
            raise Invalid(f"{text[:40]!r} is not one of {', '.join(spec.values)}")
        return lowered
    if kind == "bin":
        return _checked(normalise_bin(text), text, "BIN (6 to 8 digits)")
    if kind == "last4":
        if not LAST4.match(text):
            raise Invalid(f"last4 must be 4 digits, got {len(text)} characters")
        return text
    if kind == "entity_ref":
        if not ENTITY_REF.match(text):
            raise Invalid(f"not an entity reference like account:ID or org:ID: {text[:40]!r}")
        return text
    raise Invalid(f"unsupported field type {kind}")

