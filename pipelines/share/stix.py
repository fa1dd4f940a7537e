"""A case's indicators as a STIX 2.1 bundle for industry partners, and a partner's bundle
matched against our accounts.

The bundle holds an identity for us (the producer) and one for the attributed parent, a
threat actor and an intrusion set for the operator, related as intrusion set → attributed-to →
threat actor → attributed-to → parent; indicators for the IP ranges, proxy exits, addresses,
domains and user agents the campaign used, each ``indicates`` the intrusion set. Personal
identifiers (emails, phones, card fingerprints, billing names) appear only as HMAC-SHA256 of
their normalised form under a key shared between partners (``ATTRIB_SHARING_KEY``): two
providers with the same key find the same hashes without revealing the values.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime

import pandas as pd
import stix2

from pipelines.errors import AttribError
from pipelines.report.model import Case
from pipelines.share.keys import PERSONAL_TYPES, account_keys, indicator_key

PARTNER_COLUMNS = ["indicator_type", "value", "partner", "confidence", "first_seen"]
KEY_VARIABLE = "ATTRIB_SHARING_KEY"
PRODUCER_VARIABLE = "ATTRIB_PROVIDER_NAME"
MIN_KEY_BYTES = 16
# A personal identifier travels as an indicator on our own observable type: only its keyed
# hash and what kind of identifier it is.
HASHED_PATTERN = ("[x-hashed-identifier:kind = '{kind}' AND "
                  "x-hashed-identifier:hmac_sha256 = '{digest}']")
HASHED_RE = re.compile(r"x-hashed-identifier:kind = '(\w+)' AND "
                       r"x-hashed-identifier:hmac_sha256 = '([0-9a-f]{64})'")
CLEAR_RES = {
    "ip": re.compile(r"\[ipv[46]-addr:value = '([^']+)'\]"),
    "cidr": re.compile(r"\[ipv[46]-addr:value ISSUBSET '([^']+)'\]"),
    "domain": re.compile(r"\[domain-name:value = '([^']+)'\]"),
    "user_agent": re.compile(
        r"\[network-traffic:extensions\.'http-request-ext'\.request_header\.'User-Agent' = "
        r"'((?:[^'\\]|\\.)*)'\]"),
}


def sharing_key() -> bytes:
    """The partners' shared HMAC key, read when needed (never stored in code or output)."""
    value = os.environ.get(KEY_VARIABLE, "")
    if len(value.encode()) < MIN_KEY_BYTES:
        raise AttribError(f"Set {KEY_VARIABLE} to the key agreed with your partners (at least "
                          f"{MIN_KEY_BYTES} bytes, e.g. `openssl rand -hex 32`): personal "
                          "identifiers are shared only as hashes under that key.")
    return value.encode()


def keyed_hash(key: bytes, kind: str, normalised: str) -> str:
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _network_pattern(kind: str, value: str) -> str:
    family = "ipv6-addr" if ":" in value else "ipv4-addr"
    if kind in ("ip", "proxy_exit"):
        return f"[{family}:value = '{value}']"
    if kind == "cidr":
        return f"[{family}:value ISSUBSET '{value}']"
    if kind == "domain":
        return f"[domain-name:value = '{_quoted(value)}']"
    return ("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = "
            f"'{_quoted(value)}']")


def _timestamp(text: str) -> datetime:
    return pd.Timestamp(text).tz_localize("UTC") if pd.Timestamp(text).tzinfo is None else (
        pd.Timestamp(text).tz_convert("UTC"))


def personal_identifiers(case: Case, accounts: pd.DataFrame, payments: pd.DataFrame
                         ) -> pd.DataFrame:
    """The case's accounts' personal identifiers in normal form: indicator_type, key."""
    keys = account_keys(accounts, payments)
    keys = keys[keys["account_id"].isin(case.account_ids)
                & keys["indicator_type"].isin(PERSONAL_TYPES)]
    return keys[["indicator_type", "key"]].drop_duplicates()


def case_bundle(case: Case, personal: pd.DataFrame, key: bytes,
                producer_name: str | None = None) -> stix2.Bundle:
    """The case's indicators as a STIX 2.1 bundle (marked TLP:AMBER)."""
    marking = [stix2.TLP_AMBER]
    producer = stix2.Identity(name=producer_name or os.environ.get(
        PRODUCER_VARIABLE, "distillation-attribution"), identity_class="organization",
        object_marking_refs=marking)
    common = {"created_by_ref": producer.id, "object_marking_refs": marking}
    first = _timestamp(case.first_activity) if case.first_activity else datetime.now(UTC)
    last = _timestamp(case.last_activity) if case.last_activity else first
    parent = stix2.Identity(name=case.parent.legal_name, identity_class="organization",
                            description=f"Registry id {case.parent.org_id}, country "
                            f"{case.parent.country}; attributed parent in {case.case_number}",
                            **common)
    actor = stix2.ThreatActor(name=f"Operator of {case.case_number}",
                              threat_actor_types=["criminal"], first_seen=first,
                              last_seen=last, confidence=round(100 * case.confidence),
                              description=case.confidence_meaning, **common)
    intrusion = stix2.IntrusionSet(
        name=f"Distillation campaign {case.case_number}", first_seen=first, last_seen=last,
        description=f"{len(case.accounts):,} accounts, {case.exchanges:,} exchanges; "
        "model-output extraction at scale through many small accounts.", **common)
    objects: list = [producer, parent, actor, intrusion,
                     stix2.Relationship(intrusion, "attributed-to", actor, **common),
                     stix2.Relationship(actor, "attributed-to", parent,
                                        confidence=round(100 * case.confidence), **common)]
    for item in case.indicators:
        indicator = stix2.Indicator(
            name=f"{item.kind} used by {case.case_number}", description=item.detail,
            pattern=_network_pattern(item.kind, item.value), pattern_type="stix",
            valid_from=first, indicator_types=["anomalous-activity" if item.kind in (
                "proxy_exit", "cidr") else "malicious-activity"], **common)
        objects += [indicator, stix2.Relationship(indicator, "indicates", intrusion, **common)]
    for kind, normalised in personal.itertuples(index=False):
        indicator = stix2.Indicator(
            name=f"hashed {kind} of an account of {case.case_number}",
            description=f"HMAC-SHA256 of the normalised {kind} under the key shared with "
            "partners: compare with your own hashes; the value itself is not shared.",
            pattern=HASHED_PATTERN.format(kind=kind, digest=keyed_hash(key, kind, normalised)),
            pattern_type="stix", valid_from=first, indicator_types=["attribution"],
            allow_custom=True, **common)
        objects += [indicator, stix2.Relationship(indicator, "indicates", intrusion, **common)]
    return stix2.Bundle(objects=objects, allow_custom=True)


def validation_errors(bundle_text: str) -> list[str]:
    """What the OASIS STIX validator finds wrong with a bundle (empty when it is valid)."""
    from stix2validator import ValidationOptions, validate_string

    result = validate_string(bundle_text, ValidationOptions(version="2.1"))
    return [] if result.is_valid else [str(e) for e in result.errors]


def _indicators(bundle_text: str) -> Iterable[dict]:
    errors = validation_errors(bundle_text)
    if errors:
        raise AttribError(f"the partner's bundle is not valid STIX 2.1: {errors[0]}")
    bundle = json.loads(bundle_text)
    return (o for o in bundle.get("objects", []) if o.get("type") == "indicator")


def _ours_contains(kind: str, value: str, ours: dict[str, set[str]]) -> bool:
    """Whether a partner's clear indicator names something of ours."""
    if kind == "cidr":
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
        return any(ipaddress.ip_address(ip) in network for ip in ours["ip"])
    key = indicator_key(kind, value)
    return key is not None and key in ours[kind]


def partner_matches(bundle_text: str, key: bytes, accounts: pd.DataFrame,
                    payments: pd.DataFrame, used_ips: Iterable[str], partner: str
                    ) -> pd.DataFrame:
    """The partner's indicators that match our data, as rows of the ``partner_indicators``
    source: hashed identifiers by recomputing our own hashes (a match carries our clear value,
    which the partner never sent), clear network indicators when they name an address, range,
    domain or user agent our accounts used."""
    keys = account_keys(accounts, payments)
    personal = keys[keys["indicator_type"].isin(PERSONAL_TYPES)]
    by_hash = {keyed_hash(key, t, k): (t, k) for t, k in zip(
        personal["indicator_type"], personal["key"], strict=True)}
    ours = {t: set(g["key"]) for t, g in keys.groupby("indicator_type")}
    ours["ip"] = ours.get("ip", set()) | set(used_ips)
    for kind in CLEAR_RES:
        ours.setdefault(kind, set())
    rows = []
    for indicator in _indicators(bundle_text):
        confidence = indicator.get("confidence", 50) / 100
        seen = indicator.get("valid_from")
        hashed = HASHED_RE.search(indicator["pattern"])
        if hashed:
            hit = by_hash.get(hashed.group(2))
            if hit and hit[0] == hashed.group(1):
                # The partner_indicators contract has no billing_name type: a billing name is
                # an organisation name, normalised the same way.
                kind = "org_name" if hit[0] == "billing_name" else hit[0]
                rows.append((kind, hit[1], partner, confidence, seen))
            continue
        for kind, pattern in CLEAR_RES.items():
            clear = pattern.search(indicator["pattern"])
            if clear:
                value = re.sub(r"\\(.)", r"\1", clear.group(1))
                if _ours_contains(kind, value, ours):
                    rows.append((kind, value, partner, confidence, seen))
    frame = pd.DataFrame(rows, columns=PARTNER_COLUMNS)
    return frame.drop_duplicates(["indicator_type", "value", "partner"])
