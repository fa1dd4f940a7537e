"""Noise an investigator meets in real exports: typos, swapped and missing tokens, accents or
none, look-alike letters from other scripts, fullwidth digits, phones and IPv6 addresses written
in several forms. Every function takes the generator's ``rng`` so a world stays reproducible."""

from __future__ import annotations

import ipaddress
import unicodedata

import numpy as np

from pipelines.generate.fmt import pick

# Latin letters and a look-alike from another script (Cyrillic, one Greek): the pairs of
# Unicode TR39's confusables that an evader would type.
CONFUSABLES = {
    "a": "\u0430", "c": "\u0441", "e": "\u0435", "o": "\u043e", "p": "\u0440", "x": "\u0445",
    "y": "\u0443", "i": "\u0456", "s": "\u0455", "j": "\u0458", "A": "\u0410", "B": "\u0412",
    "E": "\u0415", "K": "\u041a", "M": "\u041c", "H": "\u041d", "O": "\u039f", "P": "\u0420",
    "C": "\u0421", "T": "\u0422", "X": "\u0425",
}
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
KEYBOARD_NEIGHBOURS = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "wa", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}


def strip_accents(text: str) -> str:
    """``Nádražní`` -> ``Nadrazni``; ``ß`` and ``ł`` have no decomposition and are spelled out."""
    text = text.replace("ß", "ss").replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def german_transcription(text: str) -> str:
    """The other way to lose umlauts: ``München`` -> ``Muenchen``."""
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"),
                 ("ß", "ss")):
        text = text.replace(a, b)
    return text


def typo(rng: np.random.Generator, word: str) -> str:
    """One keyboard slip in a word of three letters or more: substitution, deletion,
    transposition or a doubled letter."""
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    if len(letters) < 3:
        return word
    i = letters[int(rng.integers(1, len(letters)))]
    kind = int(rng.integers(0, 4))
    if kind == 0:
        near = KEYBOARD_NEIGHBOURS.get(word[i].lower(), "")
        if not near:
            return word
        c = near[int(rng.integers(0, len(near)))]
        return word[:i] + (c.upper() if word[i].isupper() else c) + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i] + word[i:]


def typo_in_text(rng: np.random.Generator, text: str) -> str:
    """A typo in one of the longer words of a text."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) >= 4]
    if not long:
        return text
    i = long[int(rng.integers(0, len(long)))]
    words[i] = typo(rng, words[i])
    return " ".join(words)


def confusable(rng: np.random.Generator, text: str, letters: int = 2) -> str:
    """Replace up to ``letters`` Latin letters with look-alikes from another script."""
    spots = [i for i, c in enumerate(text) if c in CONFUSABLES]
    if not spots:
        return text
    chosen = rng.choice(spots, min(letters, len(spots)), replace=False).tolist()
    chars = list(text)
    for i in chosen:
        chars[i] = CONFUSABLES[chars[i]]
    return "".join(chars)


def fullwidth_digits(text: str) -> str:
    return text.translate(FULLWIDTH)


def case_noise(rng: np.random.Generator, text: str) -> str:
    return pick(rng, (text, text, text.upper(), text.lower(), text.title()))


def person_name_variant(rng: np.random.Generator, first: str, last: str, *,
                        fuzzy: bool) -> str:
    """How a cardholder or display name gets written: order, initials, case, and with
    ``fuzzy`` typos, accents dropped and a missing given name."""
    forms = [f"{first} {last}", f"{first} {last}", f"{last} {first}", f"{last}, {first}",
             f"{first[0]}. {last}", f"{last.upper()} {first}"]
    name = pick(rng, forms)
    if not fuzzy:
        return name
    u = rng.random()
    if u < 0.25:
        name = typo_in_text(rng, name)
    elif u < 0.45:
        name = strip_accents(name)
    elif u < 0.55:
        name = last
    return case_noise(rng, name) if rng.random() < 0.3 else name


def org_name_variant(rng: np.random.Generator, names: list[str], forms: dict[str, list[str]],
                     *, fuzzy: bool) -> str:
    """One spelling of an organisation: a registered name or alias, its legal form written
    another way (``Pte. Ltd.`` / ``Private Limited``), and with ``fuzzy`` typos, dropped
    punctuation, accents, a missing word or a legal form left out."""
    name = pick(rng, names)
    for form, alternatives in forms.items():
        if form and alternatives and name.endswith(form) and rng.random() < 0.5:
            name = name[: -len(form)] + pick(rng, alternatives)
            break
    if not fuzzy:
        return pick(rng, (name, name, name.upper()))
    u = rng.random()
    if u < 0.25:
        name = typo_in_text(rng, name)
    elif u < 0.4:
        name = name.replace(",", "").replace(".", "")
    elif u < 0.5:
        name = strip_accents(name)
    elif u < 0.6:
        for form in forms:
            if form and name.endswith(form):
                name = name[: -len(form)].rstrip(" ,")
                break
    elif u < 0.7:
        words = name.split(" ")
        if len(words) > 2:
            del words[int(rng.integers(1, len(words) - 1))]
            name = " ".join(words)
    return case_noise(rng, name) if rng.random() < 0.35 else name


def email_local_variant(rng: np.random.Generator, base: str, *, dots: bool, tags: bool) -> str:
    """A spelling of one mailbox's local part: dots (ignored by some providers), +tags, case."""
    s = list(base)
    if dots:
        for _ in range(int(rng.integers(0, 3))):
            pos = int(rng.integers(1, len(s)))
            if s[pos - 1] != "." and s[pos] != ".":
                s.insert(pos, ".")
    v = "".join(s)
    if tags and rng.random() < 0.5:
        v += "+" + pick(rng, ("api", "dev", "work", "x" + str(int(rng.integers(1, 99)))))
    return v.capitalize() if rng.random() < 0.15 else v


def phone_forms(country_code: str, national: str, region: str, declared: str) -> list[str]:
    """Ways of writing one number that ``phonenumbers`` parses with the declared region as
    default: international with spaces, dashes, dots or brackets, ``00`` where it dials abroad,
    national digits when the declared region is the number's own."""
    d = national
    forms = [f"+{country_code} {d[:3]}-{d[3:7]}-{d[7:]}".rstrip("-"), f"+{country_code}{d}",
             f"(+{country_code}) {d[:3]} {d[3:7]} {d[7:]}".rstrip(),
             f"+{country_code}.{d[:3]}.{d[3:]}", f"+{country_code} {d}"]
    if declared in ("CN", "GB", "AE", "DE", "FR", "PL", "CZ"):  # where 00 dials abroad
        forms.append(f"00{country_code}{d}")
    if declared == region:
        forms.append(("0" + d) if region in ("GB", "DE", "FR") else d)
    return forms


def ipv6_forms(address: str) -> list[str]:
    """One IPv6 address written the ways logs write it: compressed, fully expanded, upper case,
    without ``::`` but with leading zeros dropped."""
    ip = ipaddress.IPv6Address(address)
    full = ip.exploded
    groups = [g.lstrip("0") or "0" for g in full.split(":")]
    return [ip.compressed, full, ip.compressed.upper(), ":".join(groups)]


def ipv4_forms(address: str) -> list[str]:
    """An IPv4 address as itself and as an IPv4-mapped IPv6 address."""
    return [address, f"::ffff:{address}", f"::FFFF:{address}"]
