"""Billing names and addresses prepared for fuzzy comparison: accents folded and other scripts
transliterated (``Nádražní`` = ``Nadrazni``), street and unit words in several languages
abbreviated one way (``ul.`` = ``ulica`` = ``street``), postcodes with or without their inner
space (``702 00`` = ``70200``), and words sorted so that a swapped field still compares."""

from __future__ import annotations

import re

import pandas as pd

from pipelines.normalise.text import NON_WORD, fold_ascii

# A structured billing address (processors' exports often keep these apart).
STRUCTURED = ("billing_street", "billing_city", "billing_postcode", "billing_region")

# Street, unit and place words: every spelling on the left means the word on the right.
STREET_WORDS = {
    "street": ["st", "str", "strasse", "strase", "straat", "stra", "ul", "ulica", "ulitsa",
               "ulice", "utca", "calle", "c", "rue", "via", "vej", "gatan", "gata", "katu",
               "jie", "lu"],
    "road": ["rd", "route", "weg", "tie", "cesta", "dao"],
    "avenue": ["ave", "av", "avda", "avenida", "prospekt", "prosp", "pr", "aleja", "al"],
    "boulevard": ["blvd", "bd", "bvd", "bulvar"],
    "lane": ["ln", "ct", "court"],
    "square": ["sq", "pl", "plac", "platz", "plaza", "ploshchad", "namesti", "nam"],
    "highway": ["hwy", "hway"],
    "drive": ["dr", "drv"],
    "place": ["pl", "plc"],
    "circuit": ["cct", "cir", "circ"],
    "crescent": ["cres", "cr", "crs"],
    "terrace": ["tce", "terr"],
    "room": ["rm", "pokoj", "komnata", "kom", "zimmer", "shi"],
    "tower": ["twr", "tw", "torre", "turm"],
    "building": ["bldg", "bld", "bldng", "budynek", "gebaude", "edificio", "dasha", "lou"],
    "floor": ["fl", "flr", "f", "etazh", "stock", "og", "piso", "pietro", "ceng"],
    "block": ["blk", "bl"],
    "suite": ["ste", "ofis", "office", "biuro", "buro"],
    "apartment": ["apt", "apartament", "kv", "kvartira", "wohnung", "mieszkanie", "flat"],
    "district": ["dist", "distr", "rayon", "bezirk", "qu"],
    "centre": ["ctr", "center", "centrum", "zentrum", "tsentr"],
    "park": ["pk", "prk"],
    "industrial": ["ind", "indust"],
}
# Words that say nothing about where: "number", "the", "of", house-number markers.
FILLER = frozenset({"the", "of", "unit", "number", "no", "nr", "num", "nomer", "dom", "d",
                    "hao", "haus"})
ABBREVIATION = {alias: word for word, aliases in STREET_WORDS.items() for alias in aliases}
ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th|f|e|er|eme|ter|bis)$")
DIGITS = re.compile(r"^\d+$")
# A postcode is the run of words with digits that ends a line: 4 characters or more, so that a
# flat or house number written last is not taken for one (``5612``, ``sw1a 1aa``, ``702 00``).
POSTCODE_CHARACTERS = 4
STREET_OR_UNIT = frozenset(STREET_WORDS) | frozenset(ABBREVIATION)


def name_tokens(raw: object) -> list[str]:
    """Folded words of a person's or company's name, sorted (swapped fields still agree)."""
    return sorted(t for t in NON_WORD.split(fold_ascii(raw)) if t)


def _address_tokens(raw: object) -> list[str]:
    tokens = []
    for word in NON_WORD.split(fold_ascii(raw)):
        if not word:
            continue
        ordinal = ORDINAL.match(word)
        if ordinal:
            tokens.append(ordinal.group(1))
            continue
        tokens.append(ABBREVIATION.get(word, word))
    return tokens


def address_parts(raw: object) -> tuple[list[str], list[str]]:
    """(sorted distinct words, sorted distinct numbers) of an address. Two digit groups written
    next to each other also count joined, so a postcode with or without its inner space agrees
    (``702 00`` gives 702, 0 and 70200)."""
    words, numbers, previous = set(), set(), None
    for token in _address_tokens(raw):
        if DIGITS.match(token):
            number = token.lstrip("0") or "0"
            numbers.add(number)
            if previous is not None:
                numbers.add((previous + token).lstrip("0") or "0")
            previous = token
            continue
        previous = None
        if token not in FILLER and len(token) > 1:
            words.add(token)
    return sorted(words), sorted(numbers)


def locality(raw: object) -> tuple[str | None, str | None]:
    """(city, postcode) read from the end of a one-line address, where nearly every country
    writes them (``…, Kempsey VIC 5612``, ``…, Novosibirsk, 430427``, ``…, Singapore 449398``):
    the postcode is the run of words with digits that ends the line (or, failing that, begins
    its last part), the city the other words of the last part (or the part before, when the
    postcode stands alone). A line of one part, or whose last part is a street or a unit
    (``…, 272 Xinghuo Road``), names neither."""
    parts = [p.split() for p in fold_ascii(raw).split(",")] if isinstance(raw, str) else []
    parts = [[w for w in (NON_WORD.sub("", x) for x in p) if w] for p in parts]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return None, None
    last = parts[-1]
    postcode, place = _postcode_run(last, at_end=True)
    if not postcode:  # the postcode first, as in much of Europe (``702 00 Ostrava``)
        postcode, place = _postcode_run(last, at_end=False)
    place = place or (parts[-2] if postcode else [])
    if any(_has_digit(w) or w in STREET_OR_UNIT for w in place):
        return None, None
    return " ".join(place) or None, postcode or None


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def _postcode_run(words: list[str], at_end: bool) -> tuple[str, list[str]]:
    """(the words with digits that end, or begin, ``words``, joined when long enough for a
    postcode, else ''; the other words)."""
    ordered = words[::-1] if at_end else words
    run = 0
    while run < len(ordered) and _has_digit(ordered[run]):
        run += 1
    taken, rest = ordered[:run], ordered[run:]
    if at_end:
        taken, rest = taken[::-1], rest[::-1]
    postcode = "".join(taken)
    return (postcode, rest) if len(postcode) >= POSTCODE_CHARACTERS else ("", words)


def one_line_address(rows: pd.DataFrame) -> pd.Series:
    """The billing address as one line: the free-text line, else the structured fields joined
    (street, city, postcode, region)."""
    parts = [rows[c] for c in STRUCTURED if c in rows]
    if not parts:
        return rows["billing_address"]
    joined = pd.Series([", ".join(str(v) for v in values if isinstance(v, str) and v.strip())
                        or None for values in zip(*parts, strict=True)],
                       index=rows.index, dtype=object)
    return rows["billing_address"].where(rows["billing_address"].notna(), joined)
