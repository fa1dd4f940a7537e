"""Usage aggregation, streamed over the ingested Parquet: per account, per account and IP, per
account and day, and the set of time buckets each account was active in."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pipelines.errors import ContractError
from pipelines.ingest.days import DaySidecar, landing_digest, usage_day_files

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


PARTS = ("accounts", "categories", "ips", "days", "buckets")
SUMS = {"requests": "sum"}
HOW = {
    "accounts": {"requests": "sum", "input_tokens": "sum", "output_tokens": "sum",
                 "extraction_requests": "sum", "first_ts": "min", "last_ts": "max"},
    "categories": SUMS,
    "ips": {"requests": "sum", "first_ts": "min", "last_ts": "max"},
    "days": SUMS,
    "buckets": SUMS,
}
Partials = dict[str, pd.DataFrame]


def _combine(parts: list[pd.DataFrame], how: dict[str, str]) -> pd.DataFrame:
    joined = pd.concat(parts)
    return joined.groupby(level=list(range(joined.index.nlevels))).agg(how)


def partial_aggregates(
    path: Path, progress: Callable[[str], None] = lambda _: None, batch_rows: int = 1_000_000
) -> Partials | None:
    """One ingested usage file folded per account (and account×IP, ×category, ×day, ×bucket);
    None when it has no rows. Partials of several files combine with :func:`combine_partials`."""
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in PARTS}
    seen = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        for key, frame in _batch_aggregates(batch.to_pandas()).items():
            parts[key].append(frame)
        seen += batch.num_rows
        progress(f"usage aggregation: {seen:,} requests")
    if not seen:
        return None
    return {key: _combine(frames, HOW[key]) for key, frames in parts.items()}


def write_partials(partials: Partials, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, frame in partials.items():
        frame.to_parquet(folder / f"{key}.parquet")


def read_partials(folder: Path) -> Partials:
    return {key: pd.read_parquet(folder / f"{key}.parquet") for key in PARTS}


def combine_partials(partials: list[Partials]) -> UsageAggregates:
    """The per-account usage tables over every day given."""
    partials = [p for p in partials if p is not None]
    if not partials:
        return _empty()
    merged = {key: _combine([p[key] for p in partials], HOW[key]) for key in PARTS}
    accounts = merged["accounts"]
    categories = merged["categories"]["requests"].unstack(fill_value=0)
    accounts = accounts.join(categories.add_prefix("category_"), how="left").fillna(0)
    days = merged["days"].reset_index()
    per_day = days.groupby("account_id")["requests"].agg(active_days="size", max_day="max")
    accounts = accounts.join(per_day)
    return UsageAggregates(
        accounts=accounts.reset_index(),
        account_ips=merged["ips"].reset_index(),
        account_days=days,
        account_buckets=merged["buckets"].reset_index(),
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


def aggregate_usage_day(paths, day: str, progress: Callable[[str], None] = lambda _: None) -> str:
    """Fold one ingested day into partial aggregates (skipped when already done for the same
    landing file); return what happened."""
    ingested = DaySidecar(paths.usage_day_ingested(day)).source_digest()
    if ingested is None:
        raise ContractError(f"usage for {day} has not been ingested: materialise partition {day}"
                            " of ingested_api_usage first.")
    folder = paths.usage_day_partials(day)
    sidecar = DaySidecar(folder)
    if sidecar.source_digest() == ingested:
        return "unchanged"
    sidecar.path.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    partials = partial_aggregates(paths.usage_day_ingested(day), progress)
    if partials is not None:
        write_partials(partials, folder)
    sidecar.write(ingested, empty=partials is None)
    return "empty" if partials is None else "aggregated"


def combine_usage_days(paths, progress: Callable[[str], None] = lambda _: None
                       ) -> UsageAggregates:
    """Usage tables over every day in the landing folder; each day must have been aggregated
    from the file that is there now (otherwise the answer would mix old and new exports)."""
    files = usage_day_files(paths.landing)
    stale = [day for day, path in files.items()
             if DaySidecar(paths.usage_day_partials(day)).source_digest() != landing_digest(path)]
    if stale:
        raise ContractError(
            f"{len(stale)} usage day(s) in the landing folder are not ingested yet, or changed "
            f"since: {', '.join(stale[:5])}{' …' if len(stale) > 5 else ''}. Materialise those "
            "partitions of ingested_api_usage and normalised_usage_day (the landing sensor and "
            "`attrib demo` do this), then run again."
        )
    partials = []
    for number, day in enumerate(sorted(files), start=1):
        folder = paths.usage_day_partials(day)
        if (folder / f"{PARTS[0]}.parquet").exists():
            partials.append(read_partials(folder))
        if number % 10 == 0:
            progress(f"usage: read {number}/{len(files)} days")
    return combine_partials(partials)
