"""Phone numbers: E.164 with the account's country as default region, validity and type."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from pipelines.normalise.text import clean

TYPE_NAMES = {
    value: name.lower()
    for name, value in vars(PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


@dataclass(frozen=True)
class PhoneKey:
    e164: str
    region: str | None
    number_type: str
    is_valid: bool

    @property
    def is_voip(self) -> bool:
        return self.number_type == "voip"


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    candidates = [text]
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("00") or (not text.startswith("+") and digits.startswith("00")):
        candidates.append("+" + digits[2:])  # "00" is the international prefix in most regions
    for candidate in candidates:
        try:
            return phonenumbers.parse(candidate, region)
        except NumberParseException:
            continue
    return None


def normalise_phone(raw: object, default_region: str | None = None) -> PhoneKey | None:
    """E.164 key of a phone number written in any common format, or None if unparsable."""
    return _normalise_phone_text(clean(raw), (default_region or "").upper() or None)


def _stable(e164: str) -> bool:
    """Does the key parse back to itself? A national number led by zeros where the country
    keeps none ("000000001" in China) loses a zero each time it is parsed again: no real
    number, and no stable key."""
    again = _parse(e164, None)
    return again is not None and phonenumbers.format_number(again, PhoneNumberFormat.E164) == e164


@lru_cache(maxsize=1 << 18)  # each number is parsed by ingestion and again by normalisation
def _normalise_phone_text(text: str, region: str | None) -> PhoneKey | None:
    if not text or len(text) > 40:
        return None
    number = _parse(text, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if number.italian_leading_zero and not _stable(e164):
        return None
    return PhoneKey(
        e164=e164,
        region=phonenumbers.region_code_for_number(number),
        number_type=TYPE_NAMES.get(phonenumbers.number_type(number), "unknown"),
        is_valid=phonenumbers.is_valid_number(number),
    )
