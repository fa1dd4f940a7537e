"""Identifiers in one normal form, so that two providers who normalise the same way (and hash
with the same key) find the same values. Partner indicators and our own accounts' identifiers
both go through :func:`indicator_key`."""

from __future__ import annotations

import pandas as pd

from pipelines.normalise.email import normalise_domain, normalise_email
from pipelines.normalise.names import org_name_key
from pipelines.normalise.network import normalise_ip
from pipelines.normalise.payment import normalise_bin, normalise_fingerprint
from pipelines.normalise.phone import normalise_phone
from pipelines.normalise.tables import user_agent_key

# Indicator types that identify a person or a payment: shared only as keyed hashes.
PERSONAL_TYPES = ("email", "phone", "payment_fingerprint", "billing_name")


def indicator_key(indicator_type: str, value: object) -> str | None:
    """The normalised form of one indicator value (None when it does not parse)."""
    if indicator_type == "email":
        email = normalise_email(value)
        return email.address if email else None
    if indicator_type == "phone":
        phone = normalise_phone(value)
        return phone.e164 if phone else None
    if indicator_type == "payment_fingerprint":
        return normalise_fingerprint(value)
    if indicator_type == "domain":
        return normalise_domain(value)
    if indicator_type == "ip":
        return normalise_ip(value)
    if indicator_type == "bin":
        return normalise_bin(value)
    if indicator_type in ("org_name", "billing_name"):
        return org_name_key(value)
    if indicator_type == "user_agent":
        return user_agent_key(value)
    return None


def account_keys(accounts: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Every account's identifiers as (account_id, indicator_type, key, _file, _line): the same
    normal forms :func:`indicator_key` gives a partner's values."""
    parts = []
    for indicator_type, frame, column in (
            ("email", accounts, "email_key"), ("phone", accounts, "phone_e164"),
            ("domain", accounts, "email_domain"), ("ip", accounts, "signup_ip"),
            ("org_name", accounts, "declared_org_key"), ("user_agent", accounts, "user_agent_key"),
            ("payment_fingerprint", payments, "fingerprint"), ("bin", payments, "bin"),
            ("billing_name", payments, "billing_name_key"),
            ("org_name", payments, "billing_name_key")):
        part = frame[["account_id", column, "_file", "_line"]].dropna(subset=[column])
        parts.append(part.rename(columns={column: "key"}).assign(indicator_type=indicator_type))
    keys = pd.concat(parts, ignore_index=True)
    return keys[["account_id", "indicator_type", "key", "_file", "_line"]].drop_duplicates(
        ["account_id", "indicator_type", "key"])
