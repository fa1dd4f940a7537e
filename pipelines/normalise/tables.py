"""Normalisation of whole ingested tables: each adds key columns next to the source columns."""

from __future__ import annotations

import hashlib

import pandas as pd

from pipelines.normalise.address import one_line_address
from pipelines.normalise.email import normalise_domain, normalise_email, registrable_domain
from pipelines.normalise.names import address_key, billing_key, org_name_key
from pipelines.normalise.network import group_prefix, normalise_cidr, normalise_ip
from pipelines.normalise.payment import (
    normalise_bin,
    normalise_fingerprint,
    normalise_funding_type,
)
from pipelines.normalise.phone import normalise_phone
from pipelines.normalise.text import clean, is_mixed_script_evasion
from pipelines.parallel import map_values


def _map_unique(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` once per distinct value (identifiers repeat a lot; a million distinct
    ones go to worker processes)."""
    values = series.dropna().unique().tolist()
    uniques = dict(zip(values, map_values(func, values), strict=True))
    return series.astype(object).map(uniques).astype(object)


def user_agent_key(raw: object) -> str | None:
    text = clean(raw)
    return hashlib.sha1(text.casefold().encode()).hexdigest()[:16] if text else None


def normalise_accounts(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    emails = _map_unique(out["email"], normalise_email)
    out["email_key"] = emails.map(lambda e: e.address if e else None)
    out["email_domain"] = emails.map(lambda e: e.registrable_domain if e else None)
    out["email_public_provider"] = emails.map(lambda e: bool(e and e.is_public_provider))
    out["email_disposable"] = emails.map(lambda e: bool(e and e.is_disposable))
    # Look-alike letters from another script in the address or the name: an evasion signal.
    out["lookalike"] = emails.map(lambda e: bool(e and e.confusable)) | out[
        "display_name"].map(lambda n: isinstance(n, str) and is_mixed_script_evasion(n))
    numbers = list(dict.fromkeys((p, c) for p, c in zip(
        out["phone"], out["declared_country"], strict=True) if isinstance(p, str)))
    parsed = dict(zip(numbers, map_values(normalise_phone, numbers), strict=True))
    phones = pd.Series([parsed.get((p, c)) for p, c in zip(
        out["phone"], out["declared_country"], strict=True)], index=out.index, dtype="object")
    out["phone_e164"] = phones.map(lambda p: p.e164 if p else None)
    out["phone_type"] = phones.map(lambda p: p.number_type if p else None)
    out["phone_valid"] = phones.map(lambda p: bool(p and p.is_valid))
    out["signup_ip"] = _map_unique(out["signup_ip"], normalise_ip)
    out["signup_prefix"] = _map_unique(out["signup_ip"], group_prefix)
    out["declared_org_key"] = _map_unique(out["declared_org"], org_name_key)
    out["user_agent_key"] = _map_unique(out["user_agent"], user_agent_key)
    out["created_at"] = pd.to_datetime(out["created_at"], utc=True, format="ISO8601")
    return out


def normalise_payments(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["fingerprint"] = _map_unique(out["processor_fingerprint"], normalise_fingerprint)
    out["bin"] = _map_unique(out["bin"], normalise_bin)
    out["funding_type"] = out["funding_type"].map(normalise_funding_type)
    out["billing_name_key"] = _map_unique(out["billing_name"], org_name_key)
    line = one_line_address(out)
    out["billing_address_key"] = _map_unique(line, address_key)
    out["billing_key"] = [billing_key(n, a) for n, a in zip(out["billing_name"], line,
                                                             strict=True)]
    out["added_at"] = pd.to_datetime(out["added_at"], utc=True, format="ISO8601")
    return out


def normalise_ip_intel(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["cidr"] = _map_unique(out["cidr"], normalise_cidr)
    for flag in ("is_hosting", "is_proxy", "is_vpn"):
        out[flag] = out[flag].eq("true")
    out["asn"] = pd.to_numeric(out["asn"]).astype("int64")
    out["usage_type"] = out["usage_type"].fillna("unknown")
    out["proxy_service_key"] = _map_unique(out["proxy_service"], org_name_key)
    return out


def normalise_domains(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["domain"] = _map_unique(out["domain"], normalise_domain)
    # A domain under a suffix the Public Suffix List lacks is its own registrable domain (as
    # for email addresses): the registration is still evidence.
    out["registrable_domain"] = _map_unique(out["domain"], registrable_domain).fillna(
        out["domain"])
    out["registrant_org_key"] = _map_unique(out["registrant_org"], org_name_key)
    emails = _map_unique(out["registrant_email"], normalise_email)
    out["registrant_email_key"] = emails.map(lambda e: e.address if e else None)
    return out


def organisation_names(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (organisation, name): the legal name and every alias, with its key."""
    rows = []
    for record in frame.itertuples(index=False):
        rows.append((record.org_id, record.legal_name, "legal"))
        for alias in str(record.aliases or "").split("|"):
            if clean(alias):
                rows.append((record.org_id, clean(alias), "alias"))
    names = pd.DataFrame(rows, columns=["org_id", "name", "kind"])
    names["name_key"] = _map_unique(names["name"], org_name_key)
    return names.dropna(subset=["name_key"]).drop_duplicates(["org_id", "name_key"])


def normalise_organisations(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["name_key"] = _map_unique(out["legal_name"], org_name_key)
    out["website_domain"] = _map_unique(out["website_domain"], normalise_domain)
    return out


def normalise_ownership(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["percentage"] = pd.to_numeric(out["percentage"], errors="coerce")
    # Control: a majority stake, or a relationship that implies it whatever the figure.
    # A stake declared minority never controls, whatever figure was typed beside it.
    out["controls"] = (out["percentage"].gt(50) | out["relationship"].isin(
        ["subsidiary", "branch"])) & out["relationship"].ne("minority_stake")
    return out
