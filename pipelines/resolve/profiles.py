"""One row per account of the traits that tell one operator's accounts from an unrelated crowd:
when and how the account was created, what it pays with, what it asks and when. Coherence
(coherence.py) compares a group's traits with the whole population's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.resolve.runs import label_codes

SECONDS_PER_DAY = 86_400
NUMERIC_TRAITS = ("created_at", "first_activity", "extraction_share", "volume")
CATEGORICAL_TRAITS = ("usage_mix", "schedule", "tier", "funding_type", "status",
                      "declared_country", "email_kind", "phone_type", "user_agent")
MISSING = "∅"


def _days(values: pd.Series) -> pd.Series:
    """Days since the epoch (float) of a timestamp column, whatever its unit."""
    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.as_unit("s").astype("int64").where(stamps.notna()) / SECONDS_PER_DAY


def _email_kind(accounts: pd.DataFrame) -> pd.Series:
    kind = np.where(accounts["email_disposable"].fillna(False).astype(bool), "disposable",
                    np.where(accounts["email_public_provider"].fillna(False).astype(bool),
                             "public", "custom"))
    return pd.Series(kind, index=accounts.index)


def _usage_traits(usage: pd.DataFrame) -> pd.DataFrame:
    """Main prompt category, extraction share, volume and first activity per account."""
    categories = [c for c in usage.columns if c.startswith("category_")]
    frame = pd.DataFrame({"account_id": usage["account_id"]})
    requests = pd.to_numeric(usage["requests"], errors="coerce").fillna(0)
    if categories:
        counts = usage[categories].astype("float64")
        frame["usage_mix"] = counts.idxmax(axis=1).str.removeprefix("category_").where(
            counts.sum(axis=1) > 0)
    else:
        frame["usage_mix"] = None
    extraction = pd.to_numeric(usage.get("extraction_requests"), errors="coerce")
    frame["extraction_share"] = (extraction / requests.replace(0, np.nan)).astype("float64")
    frame["volume"] = np.log10(requests + 1)
    frame["first_activity"] = _days(usage["first_ts"]) if "first_ts" in usage else np.nan
    return frame


def _peak_hour(buckets: pd.DataFrame) -> pd.Series:
    """The UTC hour of day in which each account was active in the most 10-minute buckets
    (the earliest such hour on a tie)."""
    if buckets.empty:
        return pd.Series(dtype=object, name="schedule")
    hours = pd.to_datetime(buckets["bucket"], utc=True).dt.hour
    # Counted per (account code, hour) in one array: the ids stay Arrow strings (a NumPy
    # array of the seed preset's 27.8M ids as Python strings alone is about 2 GB).
    codes, accounts, _, known = label_codes(buckets["account_id"])
    known &= hours.notna().to_numpy()
    cells = codes[known] * 24 + hours.to_numpy()[known].astype("int64")
    counts = np.bincount(cells, minlength=len(accounts) * 24).reshape(len(accounts), 24)
    peak = counts.argmax(axis=1)  # the first maximum: the earliest hour
    labels = np.array([f"h{h:02d}" for h in range(24)], dtype=object)
    seen = counts.any(axis=1)
    return pd.Series(labels[peak[seen]], index=accounts[seen], name="schedule")


def account_profiles(accounts: pd.DataFrame, payments: pd.DataFrame, usage: pd.DataFrame,
                     buckets: pd.DataFrame) -> pd.DataFrame:
    """Traits per account, indexed by account_id: numeric traits as floats (NaN when unknown),
    categorical traits as strings (``∅`` when unknown: a shared absence is a shared trait)."""
    frame = pd.DataFrame({
        "account_id": accounts["account_id"].to_numpy(),
        "created_at": _days(accounts["created_at"]).to_numpy(),
        "tier": accounts.get("tier"), "status": accounts.get("status"),
        "declared_country": accounts.get("declared_country"),
        "email_kind": _email_kind(accounts), "phone_type": accounts.get("phone_type"),
        "user_agent": accounts.get("user_agent_key"),
    }).set_index("account_id")
    funding = (payments.sort_values("added_at").drop_duplicates("account_id")
               .set_index("account_id")["funding_type"]) if len(payments) else pd.Series(
        dtype=object)
    frame["funding_type"] = funding.reindex(frame.index)
    if len(usage):
        frame = frame.join(_usage_traits(usage).set_index("account_id"))
    else:
        frame = frame.assign(usage_mix=None, extraction_share=np.nan, volume=np.nan,
                             first_activity=np.nan)
    frame["schedule"] = _peak_hour(buckets).reindex(frame.index)
    for trait in CATEGORICAL_TRAITS:
        frame[trait] = frame[trait].astype(object).where(frame[trait].notna(), MISSING).astype(str)
    for trait in NUMERIC_TRAITS:
        frame[trait] = pd.to_numeric(frame[trait], errors="coerce").astype("float64")
    return frame
