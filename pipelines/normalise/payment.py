"""Payment instruments: fingerprint, BIN and funding type; and the card-number (PAN) detector
that keeps full card numbers out of everything we store.

The detector finds and redacts on one and the same string (never detect on a normalised copy
and redact the raw one): it walks the text, collects runs of digits in any Unicode script
separated by at most a few spaces, dots or dashes, and tests every window of 13–19 consecutive
digits of a run against the issuers' prefixes and lengths and the Luhn checksum. A card after
another number ("No. 7 4111 …") is a window of the longer run, so it is found too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from pipelines.normalise.text import clean

REDACTION = "[REDACTED-CARD-NUMBER]"
FUNDING_TYPES = {"credit", "debit", "prepaid", "virtual", "prepaid_virtual", "corporate",
                 "unknown"}
PAN_LENGTHS = range(13, 20)
MAX_GAP = 3  # separator characters allowed between two digits of one number ("4111 - 1111")
DOTS = frozenset(".．。･・")
# Cheap pre-filter for ASCII text: 13 digits with at most MAX_GAP separators between them.
ASCII_CANDIDATE = re.compile(r"(?:\d[\s.\-]{0,3}){12}\d")


@dataclass(frozen=True)
class IssuerRange:
    """Card numbers whose leading digits fall in [low, high] and whose length is in lengths."""

    low: str
    high: str
    lengths: tuple[int, ...]

    def matches(self, digits: str) -> bool:
        head = digits[:len(self.low)]
        return len(digits) in self.lengths and self.low <= head <= self.high


ANY_LENGTH = tuple(PAN_LENGTHS)
# As wide as the networks in use; a prefix outside every range (0, 7, most of 8) is no card.
ISSUERS = (
    IssuerRange("1", "1", (15,)),                  # UATP
    IssuerRange("2200", "2204", (16, 17, 18, 19)),  # Mir
    IssuerRange("2221", "2720", (16,)),            # Mastercard 2-series
    IssuerRange("300", "305", ANY_LENGTH),         # Diners Club International
    IssuerRange("3095", "3095", ANY_LENGTH),
    IssuerRange("34", "34", (15,)),                # American Express
    IssuerRange("36", "36", ANY_LENGTH),           # Diners Club
    IssuerRange("37", "37", (15,)),                # American Express
    IssuerRange("3528", "3589", (16, 17, 18, 19)),  # JCB
    IssuerRange("38", "39", ANY_LENGTH),           # Diners Club
    IssuerRange("4", "4", ANY_LENGTH),             # Visa, Visa Electron
    IssuerRange("50", "50", ANY_LENGTH),           # Maestro, Verve
    IssuerRange("51", "55", (16,)),                # Mastercard
    IssuerRange("56", "69", ANY_LENGTH),           # Maestro, Discover, UnionPay 62, RuPay
    IssuerRange("81", "82", (16, 17, 18, 19)),     # UnionPay 81, RuPay 82
    IssuerRange("9", "9", (16,)),                  # Troy and national 9-series schemes
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_card_digits(digits: str) -> bool:
    """ASCII digits that an issuer could have printed on a card (prefix, length, Luhn)."""
    return any(r.matches(digits) for r in ISSUERS) and luhn_valid(digits)


def _is_separator(char: str) -> bool:
    return char.isspace() or char in DOTS or unicodedata.category(char) == "Pd"


def _digit_runs(text: str) -> Iterator[list[tuple[int, str]]]:
    """Runs of at least 13 digits (any script, as (position, ASCII digit)) in which two
    neighbouring digits are at most MAX_GAP separators apart."""
    run: list[tuple[int, str]] = []
    gap = 0
    for position, char in enumerate(text):
        value = unicodedata.digit(char, None)
        if value is not None:
            run.append((position, str(value)))
            gap = 0
        elif run and gap < MAX_GAP and _is_separator(char):
            gap += 1
        else:
            if len(run) >= PAN_LENGTHS.start:
                yield run
            run, gap = [], 0
    if len(run) >= PAN_LENGTHS.start:
        yield run


def _may_hold_card(text: str) -> bool:
    if text.isascii():
        return ASCII_CANDIDATE.search(text) is not None
    return sum(map(str.isdigit, text)) >= PAN_LENGTHS.start


def card_number_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every card number in ``text``, overlapping finds merged."""
    if len(text) < PAN_LENGTHS.start or not _may_hold_card(text):
        return []
    spans: list[tuple[int, int]] = []
    for run in _digit_runs(text):
        digits = "".join(d for _, d in run)
        for start in range(len(digits) - PAN_LENGTHS.start + 1):
            for length in PAN_LENGTHS:
                end = start + length
                if end <= len(digits) and is_card_digits(digits[start:end]):
                    spans.append((run[start][0], run[end - 1][0] + 1))
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def find_card_numbers(text: str) -> list[str]:
    """Every card number in ``text``, as written there."""
    return [text[start:end] for start, end in card_number_spans(text)]


def redact_card_numbers(text: str) -> str:
    """``text`` with every card number replaced by REDACTION, found on this very string."""
    for start, end in reversed(card_number_spans(text)):
        text = text[:start] + REDACTION + text[end:]
    return text


def is_card_number(value: str) -> bool:
    """True when the whole value is one card number (digits in any script and separators):
    for identifier fields, which are never searched inside."""
    if len(value) < PAN_LENGTHS.start:  # one digit a character at most: most values end here
        return False
    digits = []
    for char in value.strip():
        digit = unicodedata.digit(char, None)
        if digit is not None:
            digits.append(str(digit))
        elif not _is_separator(char):
            return False
    return len(digits) in PAN_LENGTHS and is_card_digits("".join(digits))


def normalise_bin(raw: object) -> str | None:
    digits = re.sub(r"\D", "", clean(raw))
    return digits if 6 <= len(digits) <= 8 else None


def normalise_fingerprint(raw: object) -> str | None:
    text = clean(raw)
    return text if text and len(text) <= 128 and " " not in text else None


def normalise_funding_type(raw: object) -> str:
    text = clean(raw).casefold()
    return text if text in FUNDING_TYPES else "unknown"
