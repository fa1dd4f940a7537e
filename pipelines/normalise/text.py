"""Shared text clean-up for the normalisers: Unicode compatibility forms, confusable look-alike
letters from other scripts (Unicode TR39 skeletons), and ASCII folding of accents and scripts."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

from anyascii import anyascii

WHITESPACE = re.compile(r"\s+")
# Everything that is neither a letter nor a digit in any script becomes a separator.
NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
ALNUM_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# Han, Hiragana, Katakana and Hangul syllables: one character is one syllable (and in names,
# often one word), so each is transliterated as a word of its own.
CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])")


def clean(raw: object) -> str:
    """NFKC (fullwidth digits and letters become ASCII), trimmed, inner whitespace collapsed;
    '' for None."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw))
    return WHITESPACE.sub(" ", text).strip()


def words(raw: object) -> list[str]:
    """Case-folded words of ``raw`` split on punctuation and spaces, a word mixing ASCII letters
    with look-alikes read as the word it imitates."""
    return [_unmask(w) for w in NON_WORD.split(clean(raw)) if w]


@cache
def _prototypes() -> dict[str, str]:
    """Character → the ASCII letter or digit it is confusable with, from the confusables data
    the ``confusable-homoglyphs`` package ships (derived from Unicode's confusables.txt)."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json")
                      .read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for char, homoglyphs in data.items():
        if char.isascii():
            continue
        ascii_forms = sorted(h["c"].casefold() for h in homoglyphs
                             if len(h["c"]) == 1 and h["c"].casefold() in ALNUM_ASCII)
        if ascii_forms:
            table[char] = ascii_forms[0]
    return table


def skeleton(text: str) -> str:
    """Look-alike letters from other scripts replaced by the ASCII letter they imitate (Cyrillic
    'а' → 'a'), after NFKC, then case folded. Letters are mapped before case folding as well as
    after, since some imitate only as capitals (Cyrillic 'Н' is an 'H', its 'н' is no 'h').
    Text of one non-Latin script is left alone: only letters with an ASCII look-alike change."""
    text = clean(text)
    if text.isascii():
        return text.casefold()
    table = _prototypes()
    folded = "".join(table.get(ch, ch) for ch in text).casefold()
    return "".join(table.get(ch, ch) for ch in folded)


def is_mixed_script_evasion(text: str) -> bool:
    """True when ``text`` mixes ASCII letters with look-alikes from another script."""
    text = clean(text)
    if text.isascii() or not any(ch in ALNUM_ASCII for ch in text.casefold()):
        return False
    table = _prototypes()
    return any(ch in table for ch in text + text.casefold() if not ch.isascii())


def _unmask(word: str) -> str:
    """A word mixing ASCII letters with look-alikes is read as the ASCII word it imitates; a
    word of one script is left for transliteration."""
    return skeleton(word) if is_mixed_script_evasion(word) else word.casefold()


def fold_ascii(text: object) -> str:
    """Accents removed and other scripts transliterated (``Nádražní`` → ``nadrazni``, Cyrillic
    and CJK to Latin letters), look-alike letters unmasked, lower case: for fuzzy comparison of
    names and addresses."""
    unmasked = " ".join(_unmask(w) for w in clean(text).split(" "))
    return WHITESPACE.sub(" ", anyascii(CJK.sub(r" \1 ", unmasked))).strip().casefold()
