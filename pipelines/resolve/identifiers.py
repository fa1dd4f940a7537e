"""Identifier table: one row per (account, kind, value) from the normalised sources.

Identity kinds (the same mailbox, phone, card, billing identity, signup address) tie accounts
into clusters; operator kinds (the registrant of their mail domain, the custom domain itself, the
declared or billing organisation, a user agent, a prepaid BIN) tie clusters into campaigns."""

from __future__ import annotations

import pandas as pd

from pipelines.normalise.names import is_generic_org_key

IDENTIFIER_COLUMNS = ["account_id", "kind", "value"]
WEAK_FUNDING = ("prepaid", "virtual", "prepaid_virtual")


def _pairs(frame: pd.DataFrame, column: str, kind: str) -> pd.DataFrame:
    part = frame[["account_id", column]].dropna()
    return pd.DataFrame({"account_id": part["account_id"], "kind": kind, "value": part[column]})


def _named(frame: pd.DataFrame, column: str, kind: str) -> pd.DataFrame:
    """A name as an identifier, unless it is generic business words only ("LLC Bio")."""
    part = _pairs(frame, column, kind)
    return part[~part["value"].map(is_generic_org_key)]


def _registrants(accounts: pd.DataFrame, domains: pd.DataFrame) -> pd.DataFrame:
    """Accounts whose custom email domains were registered by the same registrant email."""
    if domains.empty:
        return pd.DataFrame(columns=IDENTIFIER_COLUMNS)
    registrant = domains[["registrable_domain", "registrant_email_key"]].dropna()
    custom = accounts[~accounts["email_public_provider"].astype(bool)][
        ["account_id", "email_domain"]]
    joined = custom.merge(registrant.drop_duplicates(), left_on="email_domain",
                          right_on="registrable_domain")
    return _pairs(joined, "registrant_email_key", "registrant")


def account_identifiers(
    accounts: pd.DataFrame, payments: pd.DataFrame, domains: pd.DataFrame,
    ip_kinds: pd.DataFrame,
) -> pd.DataFrame:
    """Every identifier of every account. Public-provider and disposable mail domains are left
    out of ``email_domain`` (anyone can sign up there); signup IPs inside hub networks (carrier,
    education, hosting, proxy) are left out of ``signup_ip``; declared and billing names of
    generic business words alone ("LLC Bio") are left out too."""
    custom = accounts[~accounts["email_public_provider"].astype(bool)
                      & ~accounts["email_disposable"].astype(bool)]
    signup = accounts[["account_id", "signup_ip"]].merge(ip_kinds, how="left",
                                                         left_on="signup_ip", right_on="ip")
    signup = signup[~signup["is_hub"].fillna(False).astype(bool)]
    weak_cards = payments[payments["funding_type"].isin(WEAK_FUNDING)]
    parts = [
        _pairs(accounts, "email_key", "email"),
        _pairs(accounts, "phone_e164", "phone"),
        _pairs(signup, "signup_ip", "signup_ip"),
        _pairs(payments, "fingerprint", "payment"),
        _pairs(payments[payments["billing_name_key"].notna()], "billing_key", "billing"),
        _pairs(custom, "email_domain", "email_domain"),
        _registrants(accounts, domains),
        _named(accounts, "declared_org_key", "declared_org"),
        _named(payments, "billing_name_key", "billing_name"),
        _pairs(accounts, "user_agent_key", "user_agent"),
        _pairs(weak_cards, "bin", "prepaid_bin"),
    ]
    table = pd.concat(parts, ignore_index=True).astype(str)
    return table.drop_duplicates().sort_values(IDENTIFIER_COLUMNS).reset_index(drop=True)
