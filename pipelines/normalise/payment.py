"""Payment instruments: fingerprint, BIN and funding type; and the card-number (PAN) detector
that keeps full card numbers out of everything we store."""

from __future__ import annotations

import re

from pipelines.normalise.text import clean

PAN_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Issuer prefixes of the major schemes (2-series and 4 Visa/MC, 34/37 Amex, 35 JCB, 36/38/30
# Diners, 5 MC, 6 Discover/UnionPay): an 8- or 9-leading digit run is never a card.
CARD_PREFIX = re.compile(r"^(?:2[2-7]|3[0-8]|4|5[0-5]|6)")
REDACTION = "[REDACTED-CARD-NUMBER]"
FUNDING_TYPES = {"credit", "debit", "prepaid", "virtual", "unknown"}


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def find_card_numbers(text: str) -> list[str]:
    """Every Luhn-valid 13–19 digit run with a card scheme's prefix (spaces/dashes allowed)."""
    found = []
    for match in PAN_CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and CARD_PREFIX.match(digits) and luhn_valid(digits):
            found.append(match.group())
    return found


def redact_card_numbers(text: str) -> str:
    for match in find_card_numbers(text):
        text = text.replace(match, REDACTION)
    return text


def normalise_bin(raw: object) -> str | None:
    digits = re.sub(r"\D", "", clean(raw))
    return digits if 6 <= len(digits) <= 8 else None


def normalise_fingerprint(raw: object) -> str | None:
    text = clean(raw)
    return text if text and len(text) <= 128 and " " not in text else None


def normalise_funding_type(raw: object) -> str:
    text = clean(raw).casefold()
    return text if text in FUNDING_TYPES else "unknown"
