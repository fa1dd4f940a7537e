"""Invented people of the zoo's countries (accents included) and the public mail providers their
mailboxes live at. The provider domains are real public reference data (like a suffix list): a
resolver that only knows the generator's invented providers would treat them as custom domains."""

from __future__ import annotations

import numpy as np

from pipelines.generate import names as N
from pipelines.generate import people as P
from pipelines.generate.fmt import pick
from pipelines.generate.zoo import variants as V

# (domain, ignores dots in the local part, home countries where it is common)
PUBLIC_PROVIDERS = (
    ("gmail.com", True, ()), ("googlemail.com", True, ("DE",)), ("outlook.com", False, ()),
    ("hotmail.com", False, ()), ("yahoo.com", False, ()), ("icloud.com", False, ()),
    ("proton.me", False, ()), ("gmx.de", False, ("DE",)), ("yandex.ru", False, ("RU",)),
    ("mail.ru", False, ("RU",)), ("qq.com", False, ("CN",)), ("163.com", False, ("CN",)),
    ("126.com", False, ("CN",)), ("naver.com", False, ()), ("seznam.cz", False, ("CZ",)),
    ("wp.pl", False, ("PL",)), ("orange.fr", False, ("FR",)),
)
EUROPEAN = {
    "CZ": (("Jiří", "Tomáš", "Petr", "Lucie", "Tereza", "Zdeněk"),
           ("Dvořák", "Novotný", "Černý", "Král", "Procházka", "Kučera")),
    "PL": (("Łukasz", "Paweł", "Agnieszka", "Małgorzata", "Michał", "Zofia"),
           ("Wiśniewski", "Wójcik", "Kamiński", "Zieliński", "Dąbrowski", "Górski")),
    "DE": (("Jürgen", "Jörg", "Käthe", "Björn", "Günter", "Sören"),
           ("Müller", "Schröder", "Köhler", "Weiß", "Groß", "Bäcker")),
    "FR": (("Frédéric", "Hélène", "Jérôme", "Cécile", "Gaëlle", "Noël"),
           ("Lefèvre", "Bérard", "Mérieux", "Dupré", "Frémont", "Ségur")),
}


def person(rng: np.random.Generator, country: str) -> tuple[str, str, str]:
    """(given name, surname, native-script full name) of an invented person."""
    if country in EUROPEAN:
        firsts, lasts = EUROPEAN[country]
        first, last = pick(rng, firsts), pick(rng, lasts)
        return first, last, f"{first} {last}"
    script = {"CN": "zh", "RU": "ru"}.get(country, "west")
    latin, native = P.person(rng, script)
    if script == "zh":  # pinyin surname first, as printed on Chinese cards
        last, first = latin.split(" ", 1)
        return first, last, native
    first, last = latin.split(" ", 1)
    return first, last, native


def mailbox_base(rng: np.random.Generator, first: str, last: str) -> str:
    """A local part built from a name, ASCII as most people type it."""
    f, la = V.strip_accents(first).lower(), V.strip_accents(last).lower()
    style = int(rng.integers(0, 4))
    return (f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{la}.{f}")[style] + str(
        int(rng.integers(1, 999)))


def provider(rng: np.random.Generator, country: str) -> tuple[str, bool]:
    """A public provider, preferring the ones common in ``country``."""
    local = [p for p in PUBLIC_PROVIDERS if country in p[2]]
    if local and rng.random() < 0.6:
        domain, dots, _ = pick(rng, local)
    else:
        domain, dots, _ = pick(rng, PUBLIC_PROVIDERS[:7])
    return domain, dots


def fictional_providers() -> tuple[str, ...]:
    return tuple(d for d, _ in N.PUBLIC_MAIL)
