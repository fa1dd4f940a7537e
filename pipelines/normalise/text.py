"""Shared text clean-up for the normalisers."""

from __future__ import annotations

import re
import unicodedata

WHITESPACE = re.compile(r"\s+")
# Everything that is neither a letter nor a digit in any script becomes a separator.
NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def clean(raw: object) -> str:
    """NFKC, trimmed, inner whitespace collapsed; '' for None and non-strings' empties."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw))
    return WHITESPACE.sub(" ", text).strip()


def words(raw: object) -> list[str]:
    """Case-folded words of ``raw`` split on punctuation and spaces."""
    return [w for w in NON_WORD.split(clean(raw).casefold()) if w]
