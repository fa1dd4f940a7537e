"""Usage aggregation, streamed over the ingested Parquet: per account, per account and IP, per
account and day, and the set of time buckets each account was active in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

BUCKET = "10min"
EXTRACTION_CATEGORIES = ("cot_elicitation", "reasoning_trace", "tool_use", "data_extraction")


@dataclass
class UsageAggregates:
    accounts: pd.DataFrame
    account_ips: pd.DataFrame
    account_days: pd.DataFrame
    account_buckets: pd.DataFrame


def _batch_aggregates(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    frame = frame.assign(
        day=frame["ts"].dt.floor("D"), bucket=frame["ts"].dt.floor(BUCKET),
        extraction=frame["prompt_category"].isin(EXTRACTION_CATEGORIES).astype("int64"),
    )
    accounts = frame.groupby("account_id").agg(
        requests=("request_id", "size"), input_tokens=("input_tokens", "sum"),
        output_tokens=("output_tokens", "sum"), extraction_requests=("extraction", "sum"),
        first_ts=("ts", "min"), last_ts=("ts", "max"),
    )
    categories = frame.groupby(["account_id", "prompt_category"]).size().rename("requests")
    ips = frame.groupby(["account_id", "source_ip"]).agg(
        requests=("request_id", "size"), first_ts=("ts", "min"), last_ts=("ts", "max"))
    days = frame.groupby(["account_id", "day"]).size().rename("requests")
    buckets = frame.groupby(["account_id", "bucket"]).size().rename("requests")
    return {"accounts": accounts, "categories": categories.to_frame(), "ips": ips,
            "days": days.to_frame(), "buckets": buckets.to_frame()}


def _combine(parts: list[pd.DataFrame], how: dict[str, str]) -> pd.DataFrame:
    joined = pd.concat(parts)
    return joined.groupby(level=list(range(joined.index.nlevels))).agg(how)


def aggregate_usage(
    path: Path, progress: Callable[[str], None] = lambda _: None, batch_rows: int = 1_000_000
) -> UsageAggregates:
    """Fold the ingested usage into per-account tables, batch by batch (bounded memory)."""
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in
                                             ("accounts", "categories", "ips", "days", "buckets")}
    seen = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        for key, frame in _batch_aggregates(batch.to_pandas()).items():
            parts[key].append(frame)
        seen += batch.num_rows
        progress(f"usage aggregation: {seen:,} requests")
    if not seen:
        return _empty()
    sums = {"requests": "sum"}
    accounts = _combine(parts["accounts"], {
        "requests": "sum", "input_tokens": "sum", "output_tokens": "sum",
        "extraction_requests": "sum", "first_ts": "min", "last_ts": "max"})
    categories = _combine(parts["categories"], sums)["requests"].unstack(fill_value=0)
    accounts = accounts.join(categories.add_prefix("category_"), how="left").fillna(0)
    days = _combine(parts["days"], sums).reset_index()
    per_day = days.groupby("account_id")["requests"].agg(active_days="size", max_day="max")
    accounts = accounts.join(per_day)
    return UsageAggregates(
        accounts=accounts.reset_index(),
        account_ips=_combine(parts["ips"], {"requests": "sum", "first_ts": "min",
                                            "last_ts": "max"}).reset_index(),
        account_days=days,
        account_buckets=_combine(parts["buckets"], sums).reset_index(),
    )


def _empty() -> UsageAggregates:
    return UsageAggregates(
        accounts=pd.DataFrame(columns=["account_id", "requests", "input_tokens", "output_tokens",
                                       "extraction_requests", "first_ts", "last_ts",
                                       "active_days", "max_day"]),
        account_ips=pd.DataFrame(columns=["account_id", "source_ip", "requests", "first_ts",
                                          "last_ts"]),
        account_days=pd.DataFrame(columns=["account_id", "day", "requests"]),
        account_buckets=pd.DataFrame(columns=["account_id", "bucket", "requests"]),
    )
