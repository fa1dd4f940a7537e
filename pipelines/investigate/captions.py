"""Short captions for the nodes Neo4j Browser draws (``browser/style.grass`` shows them): an
account as its id's tail and the skeleton of its email, an IP address with its ASN, an
organisation by its short name. The loader stores them as a ``caption`` property."""

from __future__ import annotations

import pandas as pd

from pipelines.normalise.names import LEGAL_SUFFIX_WORDS

ACCOUNT_TAIL = 4
ORG_CAPTION_CHARS = 24


def email_skeleton(email: object) -> str:
    """``li…@quillpost`` for ``lina.wu@quillpost-mail.com``: enough to tell accounts apart at a
    glance, short enough for a circle."""
    if not isinstance(email, str) or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:2]}…@{domain.split('.')[0].split('-')[0]}"


def account_captions(accounts: pd.DataFrame) -> pd.Series:
    tails = accounts["account_id"].astype(str).str[-ACCOUNT_TAIL:]
    skeletons = accounts["email_key"].map(email_skeleton)
    return (tails + " " + skeletons).str.strip()


def ip_captions(ips: pd.Series, asns: pd.Series) -> pd.Series:
    """``198.51.100.7 AS64500`` (the address alone when its network is unknown)."""
    known = asns.notna()
    numbers = asns.where(known, 0).astype("int64").astype(str)
    return ips.where(~known, ips + " AS" + numbers)


def organisation_short_name(legal_name: object) -> str:
    """The legal name without its legal form, cut to fit: ``Lumenmoor Studio`` for
    ``Lumenmoor Studio LLC``."""
    if not isinstance(legal_name, str):
        return ""
    words = legal_name.replace(",", " ").replace(".", " ").split()
    kept = [w for w in words if w.casefold() not in LEGAL_SUFFIX_WORDS] or words
    short = " ".join(kept)
    return short if len(short) <= ORG_CAPTION_CHARS else short[:ORG_CAPTION_CHARS - 1] + "…"
