"""Organisation names and billing addresses: keys robust to case, punctuation, legal suffixes,
abbreviations and word order."""

from __future__ import annotations

import re

from pipelines.normalise.text import clean, words

# Legal forms in several jurisdictions, as words after punctuation is removed.
LEGAL_SUFFIX_WORDS = frozenset(
    [
        "co",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "pte",
        "pty",
        "oy",
        "ab",
        "as",
        "kk",
        "kft",
        "sp",
        "zoo",
        "company",
        "companies",
        "holding",
        "holdings",
        "group",
        "jsc",
        "pjsc",
        "ooo",
        "oao",
        "zao",
        "ao",
        "tov",
        # UAE free zones (FZ-LLC, FZE, FZCO), Czech/Slovak s.r.o. and a.s., German KG and UG
        # (haftungsbeschränkt), Danish ApS, Estonian OÜ, Polish spółka, Malaysian Sdn Bhd,
        # Indian Pvt Ltd, Italian S.p.A.
        "fz",
        "fze",
        "fzco",
        "fzc",
        "sro",
        "spol",
        "kg",
        "ug",
        "aps",
        "ou",
        "oü",
        "spolka",
        "spółka",
        "sdn",
        "bhd",
        "pvt",
        "spa",
        "haftungsbeschrankt",
        "haftungsbeschränkt",
    ]
)
# Legal forms written in several words (replaced by one before the words are split).
LEGAL_PHRASES = {"free zone": "fz"}
# Words that say what a company does, not which company it is: a declared or billing name made
# of these (and legal forms) alone, such as "LLC Bio" once a typo has dropped the distinctive
# word, names no one organisation, however many accounts write it.
GENERIC_BUSINESS_WORDS = frozenset([
    "bio", "biotech", "technology", "software", "systems", "solutions", "services", "digital",
    "data", "ai", "cloud", "network", "networks", "media", "studio", "studios", "labs", "lab",
    "logistics", "trading", "consulting", "health", "finance", "capital", "robotics", "energy",
    "international", "global", "industries", "enterprises", "ventures", "partners", "research",
    "analytics", "security", "design", "marketing", "education", "foundation", "institute",
])
# Legal forms written in CJK scripts (removed as substrings, longest first).
CJK_LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团",
    "株式会社",
    "合同会社",
    "公司",
)
ABBREVIATIONS = {
    "tech": "technology",
    "techs": "technology",
    "technologies": "technology",
    "intl": "international",
    "int'l": "international",
    "grp": "group",
    "svcs": "services",
    "svc": "services",
    "sys": "systems",
    "mgmt": "management",
    "dev": "development",
    "sci": "science",
    "info": "information",
    "ai": "ai",
    "&": "and",
}
ADDRESS_ABBREVIATIONS = {
    "rm": "room",
    "rm.": "room",
    "twr": "tower",
    "bldg": "building",
    "blk": "block",
    "fl": "floor",
    "flr": "floor",
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "dist": "district",
    "ste": "suite",
    "apt": "apartment",
    "no": "number",
    "num": "number",
    "nr": "number",
    "hwy": "highway",
    "ln": "lane",
    "sq": "square",
    "ctr": "centre",
    "center": "centre",
    "pk": "park",
    "ind": "industrial",
    "f": "floor",
}
ADDRESS_FILLER = frozenset({"the", "of", "unit", "number"})
ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th|f)$")  # "12th" is 12; "12f" is 12 floor


def _strip_cjk_suffixes(text: str) -> str:
    for suffix in CJK_LEGAL_SUFFIXES:
        text = text.replace(suffix, " ")
    return text


def _joined_initials(tokens: list[str]) -> list[str]:
    """Runs of single Latin letters joined into one word: a legal form written with dots
    (``s.r.o.``, ``S.A.``, ``B.V.``, ``Sp. z o.o.``) is the word it abbreviates (sro, sa, bv,
    sp zoo). Letters of other scripts stay apart: joined to a Latin one they would make a
    mixed-script word, which ``words`` reads as the look-alike it imitates."""
    joined: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isascii() and token.isalpha():
            run.append(token)
            continue
        joined.extend(["".join(run)] if len(run) > 1 else run)
        run = []
        if token:
            joined.append(token)
    return joined


def org_name_key(raw: object) -> str | None:
    """A key for an organisation name: legal forms dropped, abbreviations expanded, words
    sorted, so that 'Example Tech (Hangzhou)' and 'Hangzhou Example Technology Co., Ltd.' agree."""
    text = clean(raw)
    if not text:
        return None
    for phrase, short in LEGAL_PHRASES.items():
        text = re.sub(rf"\b{phrase}\b", short, text, flags=re.IGNORECASE)
    tokens = words(_strip_cjk_suffixes(text))
    # Joined, stripped and sorted until nothing changes, so that a key is its own key (sorting
    # or a dropped legal form can bring two single letters together).
    while True:
        joined = [ABBREVIATIONS.get(w, w) for w in _joined_initials(tokens)]
        kept = sorted(t for t in joined if t not in LEGAL_SUFFIX_WORDS) or sorted(joined)
        if kept == tokens:
            return " ".join(kept) or None
        tokens = kept


def is_generic_org_key(key: object) -> bool:
    """A name key (``org_name_key``) of generic business words and legal forms only."""
    words_ = str(key).split() if isinstance(key, str) else []
    return bool(words_) and all(w in GENERIC_BUSINESS_WORDS or w in LEGAL_SUFFIX_WORDS
                                for w in words_)


def address_key(raw: object) -> str | None:
    """A key for a one-line address robust to abbreviations, punctuation and order, so that
    'Rm 1203, Tower B' and 'Room 1203 Twr. B' agree."""
    tokens = []
    for word in words(raw):
        match = ORDINAL.match(word)
        if match:
            tokens.extend([match.group(1), "floor"] if match.group(2) == "f" else [match.group(1)])
            continue
        word = ADDRESS_ABBREVIATIONS.get(word, word)
        if word not in ADDRESS_FILLER:
            tokens.append(word)
    return " ".join(sorted(tokens)) or None


def billing_key(name: object, address: object) -> str | None:
    """Billing identity: the name key and the address key together (either may be missing)."""
    name_part, address_part = org_name_key(name), address_key(address)
    if not name_part and not address_part:
        return None
    return f"{name_part or ''} | {address_part or ''}"
