"""The network and client indicators a campaign used (IP ranges, proxy exits, addresses,
domains, user agents), each with how many of its accounts used it and how many others did.
Indicators mostly used by other customers are left out: sharing them would tar those
customers."""

from __future__ import annotations

import pandas as pd

from pipelines.report.model import Indicator
from pipelines.resolve.pipeline import ip_networks
from pipelines.resolve.weights import DEFAULT_WEIGHTS

MAX_PER_KIND = 50
MIN_CAMPAIGN_SHARE = 0.5  # at least half of an indicator's accounts belong to the campaign


def _counted(frame: pd.DataFrame, column: str, campaign: set[str]) -> pd.DataFrame:
    """Per value: accounts of the campaign and accounts outside it."""
    frame = frame[["account_id", column]].dropna().drop_duplicates()
    inside = frame["account_id"].isin(campaign)
    counts = pd.DataFrame({
        "campaign": frame[inside].groupby(column)["account_id"].nunique(),
        "others": frame[~inside].groupby(column)["account_id"].nunique()}).fillna(0)
    counts = counts[counts["campaign"] > 0].astype("int64")
    share = counts["campaign"] / (counts["campaign"] + counts["others"])
    counts = counts[share >= MIN_CAMPAIGN_SHARE]
    return counts.sort_values(["campaign", "others"], ascending=[False, True]).head(MAX_PER_KIND)


def _indicators(kind: str, counts: pd.DataFrame, detail: dict | None = None) -> list[Indicator]:
    detail = detail or {}
    return [Indicator(kind, str(value), int(row.campaign),
                      f"{detail.get(value, '')}used by {row.campaign} of the campaign's accounts "
                      f"and {row.others} other account(s)")
            for value, row in counts.iterrows()]


def campaign_indicators(account_ids: pd.Series, accounts: pd.DataFrame, usage_ips: pd.DataFrame,
                        ip_intel: pd.DataFrame) -> list[Indicator]:
    campaign = set(account_ids)
    if not campaign:
        return []
    used = usage_ips[usage_ips["source_ip"].isin(
        set(usage_ips.loc[usage_ips["account_id"].isin(campaign), "source_ip"]))]
    networks = ip_networks(used["source_ip"], ip_intel, DEFAULT_WEIGHTS)
    services = ip_intel.dropna(subset=["proxy_service"]).set_index("cidr")["proxy_service"]
    networks["proxy_service"] = networks["cidr"].map(services)
    used = used.merge(networks[["ip", "cidr", "proxy_service"]], left_on="source_ip",
                      right_on="ip", how="left")
    exits = used[used["proxy_service"].notna()]
    exit_names = dict(zip(exits["source_ip"], exits["proxy_service"], strict=True))
    custom = accounts[~accounts["email_public_provider"].astype(bool)
                      & ~accounts["email_disposable"].astype(bool)]
    return [
        *_indicators("cidr", _counted(used, "cidr", campaign)),
        *_indicators("proxy_exit", _counted(exits, "source_ip", campaign),
                     {ip: f"exit of {name}; " for ip, name in exit_names.items()}),
        *_indicators("ip", _counted(used[used["proxy_service"].isna()], "source_ip", campaign)),
        *_indicators("domain", _counted(custom, "email_domain", campaign)),
        *_indicators("user_agent", _counted(accounts, "user_agent", campaign)),
    ]
