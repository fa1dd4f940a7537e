"""Invented people, phone numbers (valid for ``phonenumbers``) and addresses, with format noise."""

from __future__ import annotations

import numpy as np

from pipelines.generate import names as N
from pipelines.generate.fmt import pick

# Legitimate phone ranges: (country, calling code, national prefix, local digits, offset, space)
LEGIT_PHONE_RANGES = (
    ("US", "1", "212", 7, 2_000_000, 8_000_000), ("US", "1", "415", 7, 2_000_000, 8_000_000),
    ("CA", "1", "416", 7, 2_000_000, 8_000_000), ("DE", "49", "151", 8, 0, 10**8),
    ("IN", "91", "9", 9, 0, 10**9), ("MY", "60", "12", 7, 0, 10**7),
    ("BR", "55", "119", 8, 0, 10**8), ("FR", "33", "9", 8, 0, 10**8),  # FR 9: VOIP
)
IDD_00 = frozenset({"CN", "AE", "GB"})  # regions where phonenumbers reads 00 as international
RU_FIRST = (("Ivan", "Иван"), ("Oleg", "Олег"), ("Dmitri", "Дмитрий"), ("Anna", "Анна"),
            ("Pavel", "Павел"), ("Irina", "Ирина"))
RU_LAST = (("Sokolov", "Соколов"), ("Morozov", "Морозов"), ("Volkov", "Волков"),
           ("Lebedev", "Лебедев"), ("Orlov", "Орлов"))


class LegitPhones:
    """Unique legitimate numbers by an affine bijection per range (no collisions, no sets)."""

    def __init__(self) -> None:
        self.i = 0

    def take(self, rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
        idx = np.arange(self.i, self.i + n)
        self.i += n
        k = len(LEGIT_PHONE_RANGES)
        r, j = idx % k, idx // k
        style = rng.random(n) < 0.6
        phones, countries = [], []
        for ri, ji, st in zip(r.tolist(), j.tolist(), style.tolist(), strict=True):
            cc, code, pre, digits, off, space = LEGIT_PHONE_RANGES[ri]
            local = str(off + (ji * 7_919_113 + 104_729) % space).zfill(digits)
            phones.append(f"+{code}{pre}{local}" if st else f"+{code} {pre} {local}")
            countries.append(cc)
        return phones, countries


def campaign_phone(rng: np.random.Generator, ci: int, kind: str) -> str:
    """Digits (national significant number) of a campaign number; ``kind`` cn, sg or gb."""
    if kind == "cn":
        return f"17{ci % 2}{ci // 2}" + "".join(str(x) for x in rng.integers(0, 10, 7))
    if kind == "sg":
        return f"3{1 + ci % 2}{ci}" + "".join(str(x) for x in rng.integers(0, 10, 5))
    return f"56{ci}" + "".join(str(x) for x in rng.integers(0, 10, 7))


def phone_variant(rng: np.random.Generator, kind: str, d: str, declared: str) -> str:
    """One way of writing the number, always parseable with the declared region as default:
    national formats only when the region matches, ``00`` prefixes only where 00 dials abroad."""
    idd = declared in IDD_00
    if kind == "cn":
        forms = [f"+86 {d[:3]}-{d[3:7]}-{d[7:]}", f"+86{d}", f"(+86) {d[:3]} {d[3:7]} {d[7:]}"]
        forms += ([f"0086{d}"] if idd else []) + ([d, d] if declared == "CN" else [])
    elif kind == "sg":
        forms = [f"+65 {d[:4]} {d[4:]}", f"+65{d}"] + ([f"0065 {d}"] if idd else [])
        forms += [d] if declared == "SG" else []
    else:
        forms = [f"+44 {d[:2]} {d[2:6]} {d[6:]}", f"+44{d}"] + ([f"0044{d}"] if idd else [])
        forms += [f"0{d}"] if declared == "GB" else []
    return pick(rng, forms)


def person(rng: np.random.Generator, script: str) -> tuple[str, str]:
    """(Latin name, native-script name) of an invented person."""
    if script == "zh":
        (sp, sc), (gp, gc) = pick(rng, N.CN_SURNAMES), pick(rng, N.CN_GIVEN)
        return f"{sp} {gp}", sc + gc
    if script == "ru":
        (fp, fc), (lp, lc) = pick(rng, RU_FIRST), pick(rng, RU_LAST)
        return f"{fp} {lp}", f"{fc} {lc}"
    name = f"{pick(rng, N.FIRST_NAMES)} {pick(rng, N.LAST_NAMES)}"
    return name, name


def name_variant(rng: np.random.Generator, latin: str, native: str) -> str:
    first, last = latin.split(" ", 1)
    return pick(rng, (latin, latin.upper(), f"{last} {first}", native, f"{last.upper()} {first}",
                      f"{first[0]}. {last}"))


def org_variant(rng: np.random.Generator, names: list[str]) -> str:
    n = pick(rng, names)
    return pick(rng, (n, n, n.upper(), n.lower(), n.replace(",", ""), n.replace(".", ""),
                      f" {n} "))


def cn_address(rng: np.random.Generator, city: str) -> list[str]:
    """Spelling variants of one office address (abbreviations, script)."""
    room = int(rng.integers(3, 40)) * 100 + int(rng.integers(1, 20))
    tower = "ABCDE"[int(rng.integers(0, 5))]
    num = int(rng.integers(8, 400))
    road, road_zh = pick(rng, N.CN_ROADS)
    city_zh = dict(N.CN_CITIES).get(city, "杭州")
    return [f"Rm {room}, Tower {tower}, {num} {road}, {city}",
            f"Room {room} Twr. {tower}, No. {num} {road}, {city}",
            f"RM {room} TWR {tower} {num} {road.upper()} {city.upper()}",
            f"{city_zh}{road_zh}{num}号{tower}座{room}室",
            f"Rm.{room}, Blk {tower}, {num} {road}, {city}, China"]


def ru_address(rng: np.random.Generator) -> list[str]:
    off, bld, num = int(rng.integers(100, 900)), int(rng.integers(1, 9)), int(rng.integers(2, 90))
    return [f"Office {off}, Building {bld}, {num} Severnaya Street, Moscow",
            f"Ofc. {off}, Bldg {bld}, {num} Severnaya St., Moscow",
            f"оф. {off}, стр. {bld}, ул. Северная, д. {num}, Москва",
            f"{num} SEVERNAYA ST BLDG {bld} OFFICE {off} MOSCOW"]


def west_address(rng: np.random.Generator, unit: bool = False) -> str:
    num, street = int(rng.integers(1, 300)), pick(rng, N.STREETS)
    city = pick(rng, ("Northport", "Eastleigh", "Westbury", "Southmoor", "Kingsbay", "Larchton"))
    pre = f"Apt {int(rng.integers(1, 90))}, " if unit else ""
    return f"{pre}{num} {street}, {city}"


def coworking_address_variants() -> list[str]:
    return ["Level 4, 12 Harbour Street, Singapore 049713",
            "Lvl 4, 12 Harbour St, Singapore 049713",
            "12 Harbour Street #04-00, Singapore 049713",
            "L4 12 HARBOUR ST SINGAPORE 049713"]


def local_part_variants(rng: np.random.Generator, base: str, k: int) -> list[str]:
    """``k`` distinct spellings of one dot-insensitive mailbox: dots, +tags, case."""
    out: list[str] = []
    for i in range(200):
        s = list(base)
        for _ in range(int(rng.integers(0, 3))):
            pos = int(rng.integers(1, len(base)))
            if s[pos - 1] != "." and s[pos] != ".":
                s.insert(pos, ".")
        v = "".join(s)
        if rng.random() < 0.4:
            v += f"+{pick(rng, ('api', 'dev', 'work', 'b' + str(i)))}"
        if rng.random() < 0.2:
            v = v.capitalize()
        if v not in out:
            out.append(v)
        if len(out) == k:
            break
    return out
