"""Phone numbers campaigns rent (VOIP and virtual-operator ranges) or buy (ordinary mobiles),
always valid for ``phonenumbers``, written with the formatting noise of real sign-up forms."""

from __future__ import annotations

import numpy as np
import phonenumbers

from pipelines.generate.fmt import pick
from pipelines.generate.zoo import variants as V

# country -> (calling code, prefixes, digits after the prefix)
VOIP_RANGES = {"CN": ("86", ("170", "171"), 8), "GB": ("44", ("56",), 8),
               "SG": ("65", ("3",), 7), "CZ": ("420", ("910",), 6), "PL": ("48", ("39",), 7),
               "FR": ("33", ("9",), 8)}
MOBILE_RANGES = {"CN": ("86", ("138", "139", "186"), 8), "RU": ("7", ("916", "958"), 7),
                 "AE": ("971", ("50", "55"), 7), "CZ": ("420", ("603", "731"), 6),
                 "PL": ("48", ("501", "601"), 6), "FR": ("33", ("6",), 8),
                 "GB": ("44", ("7700",), 6), "HK": ("852", ("5", "6", "9"), 7)}
VOIP_FOR_HOME = {"CN": ("CN", "SG"), "RU": ("GB",), "CZ": ("CZ",), "PL": ("PL",), "DE": ("GB",),
                 "FR": ("FR",)}
MOBILE_FOR_HOME = {"CN": ("CN", "HK"), "RU": ("RU", "AE"), "CZ": ("CZ",), "PL": ("PL",),
                   "DE": ("GB",), "FR": ("FR",)}


def number(rng: np.random.Generator, home: str, voip: bool) -> tuple[str, str, str]:
    """(region, calling code, national number) of a valid number in a range ``home``'s
    operators use: VOIP / virtual operators when ``voip``, mobiles otherwise."""
    region = pick(rng, (VOIP_FOR_HOME if voip else MOBILE_FOR_HOME)[home])
    code, prefixes, digits = (VOIP_RANGES if voip else MOBILE_RANGES)[region]
    for _ in range(100):
        national = pick(rng, prefixes) + "".join(str(x) for x in rng.integers(0, 10, digits))
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+{code}{national}")):
            return region, code, national
    raise RuntimeError(f"no valid number drawn in {region} {prefixes}")


def written(rng: np.random.Generator, region: str, code: str, national: str, declared: str,
            *, noisy: bool, fullwidth: bool) -> str:
    """One way of writing the number, parseable with ``declared`` as default region."""
    forms = V.phone_forms(code, national, region, declared)
    text = pick(rng, forms) if noisy else f"+{code}{national}"
    if fullwidth and rng.random() < 0.5:
        text = V.fullwidth_digits(text)
    return text
