"""Places, street names, legal forms and address formats of the countries zoo organisations are
registered in. Street and brand words are generic or invented; cities are places, not cases.

An :class:`Address` is structured; :func:`render_address` writes it the ways billing profiles
do: local abbreviations (``ul.``/``ulica``, ``Str.``/``Straße``, ``Rm``/``Room``), postcodes with
and without their space, accents or none, the native script, parts left out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.generate.fmt import pick
from pipelines.generate.zoo import variants as V


@dataclass(frozen=True)
class Locale:
    country: str
    cities: tuple[str, ...]
    streets: tuple[str, ...]
    postcode: str  # pattern: 9 = digit, A = letter
    legal_forms: dict[str, list[str]]  # registered form -> other ways of writing it
    phone: tuple[str, str]  # (calling code, national prefix of the ranges campaigns rent)


LOCALES: dict[str, Locale] = {loc.country: loc for loc in (
    Locale("CN", ("Hangzhou", "Shenzhen", "Chengdu", "Wuhan", "Nanjing", "Hefei"),
           ("Wensan Road", "Keji Road", "Binjiang Avenue", "Xinghuo Road", "Gaoxin 2nd Road"),
           "999999", {" Co., Ltd.": [" Company Limited", " Co Ltd", " Co., Limited"]},
           ("86", "170")),
    Locale("RU", ("Moscow", "Kazan", "Novosibirsk"),
           ("Severnaya", "Sadovaya", "Lesnaya", "Tsentralnaya"), "999999",
           {}, ("7", "958")),  # the legal form leads: 'LLC "Name"' (see orgs.RU_FORM)
    Locale("CZ", ("Ostrava", "Brno", "Plzeň", "Olomouc"),
           ("Nádražní", "Hlavní", "Školní", "Lipová", "Zahradní", "Polní"), "999 99",
           {" s.r.o.": [" spol. s r.o.", " s. r. o.", " sro"]}, ("420", "910")),
    Locale("PL", ("Kraków", "Łódź", "Gdańsk", "Wrocław"),
           ("Kwiatowa", "Leśna", "Słoneczna", "Polna", "Ogrodowa", "Łąkowa"), "99-999",
           {" Sp. z o.o.": [" sp. z o.o.", " Sp z oo", " spółka z o.o."]}, ("48", "39")),
    Locale("DE", ("München", "Köln", "Düsseldorf", "Nürnberg"),
           ("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Mühlenweg", "Lindenallee"), "99999",
           {" GmbH": [" G.m.b.H.", " Gmbh"]}, ("49", "32")),
    Locale("FR", ("Besançon", "Orléans", "Nîmes", "Évry"),
           ("rue de la Gare", "rue des Écoles", "avenue du Marché", "boulevard de l'Église"),
           "99999", {" SARL": [" S.A.R.L.", " Sarl"]}, ("33", "9")),
    Locale("SG", ("Singapore",), ("Harbour Street", "Kallang Way", "Ubi Avenue", "Depot Road"),
           "999999", {" Pte. Ltd.": [" Pte Ltd", " Private Limited", " PTE. LTD."]}, ("65", "3")),
    Locale("HK", ("Hong Kong", "Kowloon"), ("Queen's Road", "Nathan Road", "Hennessy Road"),
           "", {" Limited": [" Ltd", " Ltd.", " LIMITED"]}, ("852", "")),
    Locale("AE", ("Dubai", "Sharjah"), ("Sheikh Zayed Road", "Al Wasl Road"), "",
           {" FZ-LLC": [" FZLLC", " FZ LLC", " Free Zone LLC"]}, ("971", "")),
    Locale("US", ("Northport", "Eastleigh", "Larchton"), ("Market Street", "Lakeside Avenue"),
           "99999", {" LLC": [" L.L.C.", " Llc"], " Inc.": [" Inc", " Incorporated"]},
           ("1", "")),
    Locale("GB", ("Westbury", "Kingsbay", "Southmoor"), ("Station Road", "Mill Street"),
           "A9 9AA", {" Ltd": [" Limited", " Ltd."]}, ("44", "56")),
)}

ABBREVIATIONS = {  # word -> the abbreviations people type for it
    "Street": ["St", "St.", "Str"], "Road": ["Rd", "Rd."], "Avenue": ["Ave", "Av."],
    "Room": ["Rm", "Rm.", "RM"], "Tower": ["Twr", "Twr.", "Blk"], "Floor": ["Fl", "Flr", "F"],
    "Building": ["Bldg", "Bldg.", "Bld"], "Office": ["Ofc.", "Off."], "Unit": ["U", "Unit No."],
    "straße": ["str.", "strasse", "str"], "rue": ["r.", "R."], "avenue": ["av.", "ave"],
    "boulevard": ["bd", "bld"],
}
CN_NATIVE_CITY = {"Hangzhou": "杭州", "Shenzhen": "深圳", "Chengdu": "成都", "Wuhan": "武汉",
                  "Nanjing": "南京", "Hefei": "合肥"}
CN_NATIVE_ROAD = {"Wensan Road": "文三路", "Keji Road": "科技路", "Binjiang Avenue": "滨江大道",
                  "Xinghuo Road": "星火路", "Gaoxin 2nd Road": "高新二路"}
RU_NATIVE = {"Severnaya": "Северная", "Sadovaya": "Садовая", "Lesnaya": "Лесная",
             "Tsentralnaya": "Центральная", "Moscow": "Москва", "Kazan": "Казань",
             "Novosibirsk": "Новосибирск"}


@dataclass(frozen=True)
class Address:
    country: str
    city: str
    street: str
    number: int
    unit: int  # room / office / flat, 0 when none
    building: str  # tower or block letter, "" when none
    postcode: str


def new_address(rng: np.random.Generator, country: str, unit: bool = True) -> Address:
    loc = LOCALES[country]
    code = "".join(str(int(rng.integers(0, 10))) if c == "9" else
                   chr(65 + int(rng.integers(0, 26))) if c == "A" else c for c in loc.postcode)
    return Address(country, pick(rng, loc.cities), pick(rng, loc.streets),
                   int(rng.integers(1, 300)),
                   int(rng.integers(1, 40)) * 100 + int(rng.integers(1, 20)) if unit else 0,
                   "ABCDE"[int(rng.integers(0, 5))] if unit and rng.random() < 0.5 else "",
                   code)


def _abbreviate(rng: np.random.Generator, text: str, p: float) -> str:
    for word, short in ABBREVIATIONS.items():
        if word in text and rng.random() < p:
            text = text.replace(word, pick(rng, short))
    return text


def _postcode(rng: np.random.Generator, code: str) -> str:
    """With or without its space or dash (``702 00`` / ``70200``, ``00-950`` / ``00950``)."""
    if (" " in code or "-" in code) and rng.random() < 0.5:
        return code.replace(" ", "").replace("-", "")
    return code


def _latin(a: Address, rng: np.random.Generator) -> str:
    unit = ""
    if a.unit:
        word = pick(rng, ("Room", "Office", "Unit", "Floor")) if a.country != "SG" else "#"
        unit = f"#{a.unit // 100:02d}-{a.unit % 100:02d}" if word == "#" else f"{word} {a.unit}"
    tower = f"Tower {a.building}" if a.building else ""
    pc = _postcode(rng, a.postcode)
    if a.country in ("CZ", "PL", "DE"):  # street before number, postcode before city
        street = (f"ul. {a.street}" if a.country == "PL" and rng.random() < 0.6 else a.street)
        parts = [f"{street} {a.number}", unit, f"{pc} {a.city}".strip()]
    elif a.country == "FR":
        parts = [f"{a.number} {a.street}", unit, f"{pc} {a.city}"]
    elif a.country == "RU":
        parts = [f"{a.street} St {a.number}", unit, a.city, pc]
    else:
        parts = [unit, tower, f"{a.number} {a.street}", f"{a.city} {pc}".strip()]
    return ", ".join(p for p in parts if p)


def _native(a: Address) -> str | None:
    if a.country == "CN":
        tower = f"{a.building}座" if a.building else ""
        room = f"{a.unit}室" if a.unit else ""
        return (f"{CN_NATIVE_CITY[a.city]}市{CN_NATIVE_ROAD[a.street]}{a.number}号{tower}{room}"
                f" {a.postcode}")
    if a.country == "RU":
        office = f", оф. {a.unit}" if a.unit else ""
        return (f"ул. {RU_NATIVE[a.street]}, д. {a.number}{office}, {RU_NATIVE[a.city]}, "
                f"{a.postcode}")
    return None


def render_address(rng: np.random.Generator, a: Address, *, fuzzy: bool,
                   fullwidth: bool = False) -> str:
    """One free-text line for a structured address, as a billing profile holds it."""
    native = _native(a)
    use_native = native is not None and rng.random() < 0.25
    text = native if use_native else _abbreviate(rng, _latin(a, rng), 0.5)
    if fuzzy:
        u = rng.random()
        if u < 0.25:
            text = V.strip_accents(text)
        elif u < 0.35 and a.country == "DE":
            text = V.german_transcription(text)
        elif u < 0.55:
            text = V.typo_in_text(rng, text)
        elif u < 0.7 and ", " in text:  # a part left out (unit, or city)
            parts = text.split(", ")
            del parts[int(rng.integers(0, len(parts)))]
            text = ", ".join(parts)
        if rng.random() < 0.3:
            text = V.case_noise(rng, text)
    if fullwidth and rng.random() < 0.5:
        text = V.fullwidth_digits(text)
    return text
