"""Where each piece of evidence comes from: its concrete value in words, how many accounts share
it, how its name matched, and the landing files and rows it was read from."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from pipelines.share.keys import account_keys, indicator_key

if TYPE_CHECKING:
    from pipelines.report.case import CaseTables

SHOWN_ROWS = 5  # rows cited per file; the rest are counted
METHODS = {"exact_key": "exact match of the normalised name",
           "fuzzy_token_sort": "fuzzy match of the normalised name (token sort)",
           "analyst": "confirmed by an analyst"}


def cite(files: pd.Series, lines: pd.Series) -> tuple[str, ...]:
    """``payment_instruments.csv rows 12, 57 and 3 more`` per file, first rows first."""
    frame = pd.DataFrame({"file": files, "line": lines}).dropna().drop_duplicates()
    out = []
    for name, group in frame.groupby("file"):
        rows = sorted(int(n) for n in group["line"])
        shown = ", ".join(str(n) for n in rows[:SHOWN_ROWS])
        more = f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else ""
        out.append(f"{name} row{'s' if len(rows) > 1 else ''} {shown}{more}")
    return tuple(out)


class Provenance:
    """Look-ups over the normalised sources for one set of tables."""

    def __init__(self, tables: CaseTables) -> None:
        self.tables = tables
        accounts = tables.accounts
        self.declared_key = accounts.set_index("account_id")["declared_org_key"]
        self.domain_accounts = accounts.groupby("email_domain")["account_id"].nunique()
        self.public_domains = set(accounts.loc[accounts["email_public_provider"].astype(bool)
                                               | accounts["email_disposable"].astype(bool),
                                               "email_domain"])
        self.declared_accounts = accounts.groupby("declared_org_key")["account_id"].nunique()
        payments = tables.payments
        self.billing_accounts = payments.groupby("billing_key")["account_id"].nunique()
        registered = tables.domains[["registrable_domain", "registrant_email_key"]].dropna()
        by_registrant = accounts[["account_id", "email_domain"]].merge(
            registered, left_on="email_domain", right_on="registrable_domain")
        self.registrant_accounts = by_registrant.groupby("registrant_email_key")[
            "account_id"].nunique()

    def value_keys(self, raw: pd.DataFrame) -> pd.Series:
        """The concrete value each evidence row runs through (declared names by their key)."""
        declared = raw["kind"].eq("declared_organisation")
        return raw["via"].where(~declared, raw["account_id"].map(self.declared_key))

    def accounts_sharing(self, kind: str, key: str) -> int:
        if kind == "billing_identity":
            return int(self.billing_accounts.get(key, 0))
        if kind == "declared_organisation":
            return int(self.declared_accounts.get(key, 0))
        if kind == "registrant_email_website":
            return int(self.registrant_accounts.get(key, 0))
        return int(self.domain_accounts.get(key, 0))

    def is_public_domain(self, kind: str, key: str) -> bool:
        return kind.startswith("email_domain") and key in self.public_domains

    def value_words(self, kind: str, key: str) -> str:
        tables = self.tables
        if kind == "billing_identity":
            rows = tables.payments[tables.payments["billing_key"] == key]
            name, _, address = key.partition(" | ")
            example = rows["billing_name"].mode()
            raw = f" (as written: “{example.iloc[0]}”)" if len(example) else ""
            return f"billing name “{name}”, address “{address}” (normalised){raw}"
        if kind == "declared_organisation":
            rows = tables.accounts[tables.accounts["declared_org_key"] == key]
            spellings = rows["declared_org"].value_counts().index[:3]
            return (f"declared organisation “{key}” (normalised; written as "
                    + ", ".join(f"“{s}”" for s in spellings) + ")")
        if kind == "email_domain_registrant":
            rows = self._registrations(key)
            who = rows["registrant_org"].dropna().unique()[:2]
            return (f"email domain {key}, registrant “{', '.join(who)}”"
                    if len(who) else f"email domain {key}")
        if kind == "registrant_email_website":
            return (f"email domains registered by {key}, whose domain "
                    f"{key.rpartition('@')[2]} is the organisation's website")
        return f"email domain {key}, the organisation's website"

    def match_words(self, kind: str, key: str, org_id: str, score: float) -> str:
        matches = self.tables.org_matches
        subject = {"billing_identity": "billing", "email_domain_registrant": "domain"}.get(kind)
        method = None
        if subject:
            hit = matches[(matches["subject_kind"] == subject) & (matches["org_id"] == org_id)
                          & matches["subject"].isin(self._subjects(kind, key))]
            method = hit["method"].mode().iloc[0] if len(hit) else None
        elif kind == "declared_organisation":
            method = "exact_key" if score >= 100 else "fuzzy_token_sort"
        elif kind == "registrant_email_website":
            return "the registrant's email domain is the organisation's registered website"
        else:
            return "the email domain is the organisation's registered website (100/100)"
        return f"{METHODS.get(method, method or 'name match')}, {score:.0f}/100"

    def _subjects(self, kind: str, key: str) -> list[str]:
        if kind == "email_domain_registrant":
            return list(self._registrations(key)["domain"]) or [key]
        return [key]

    def _registrations(self, domain: str) -> pd.DataFrame:
        domains = self.tables.domains
        return domains[(domains["registrable_domain"] == domain) | (domains["domain"] == domain)]

    def sources(self, kind: str, key: str, org_id: str, accounts: tuple[str, ...]
                ) -> tuple[str, ...]:
        """The landing rows this evidence was read from."""
        tables = self.tables
        chosen = tables.accounts[tables.accounts["account_id"].isin(accounts)]
        if kind == "billing_identity":
            rows = tables.payments[(tables.payments["billing_key"] == key)
                                   & tables.payments["account_id"].isin(accounts)]
            return cite(rows["_file"], rows["_line"])
        if kind == "email_domain_registrant":
            rows = self._registrations(key)
            return cite(rows["_file"], rows["_line"]) + cite(chosen["_file"], chosen["_line"])
        if kind == "email_domain_website":
            rows = tables.organisations[tables.organisations["org_id"] == org_id]
            return cite(rows["_file"], rows["_line"]) + cite(chosen["_file"], chosen["_line"])
        if kind == "registrant_email_website":
            domains = tables.domains[tables.domains["registrant_email_key"] == key]
            orgs = tables.organisations[tables.organisations["org_id"] == org_id]
            return (cite(domains["_file"], domains["_line"]) + cite(orgs["_file"], orgs["_line"])
                    + cite(chosen["_file"], chosen["_line"]))
        return cite(chosen["_file"], chosen["_line"])

    def partner_hits(self, account_ids: pd.Series) -> list[dict]:
        """Partners' indicators equal to an identifier of the given accounts, with how many
        accounts in all carry that identifier."""
        partner = self.tables.partner_indicators
        if partner.empty:
            return []
        keys = [indicator_key(t, v) for t, v in zip(partner["indicator_type"], partner["value"],
                                                     strict=True)]
        partner = partner.assign(key=keys).dropna(subset=["key"])
        ours = account_keys(self.tables.accounts, self.tables.payments)
        hits = partner.merge(ours[["account_id", "indicator_type", "key"]],
                             on=["indicator_type", "key"])
        case = set(account_ids)
        out = []
        for (kind, value, who), group in hits.groupby(["indicator_type", "value", "partner"]):
            involved = sorted(set(group["account_id"]) & case)
            if not involved:
                continue
            first = group.iloc[0]
            out.append({"indicator_type": kind, "value": value, "partner": who,
                        "confidence": float(first["confidence"]), "accounts": involved,
                        "sharing": int(group["account_id"].nunique()),
                        "source": f"{first['_file']} row {int(first['_line'])}"})
        return out
