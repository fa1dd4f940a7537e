"""The usage tables DuckDB folds day by day and combines equal what pandas computes over all the
ingested requests at once (the pandas aggregation the project used before, kept here as the
reference): same rows, same order, same columns and types."""

from __future__ import annotations

import logging
import random

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.contract import load_contracts
from pipelines.ingest.days import usage_day_files
from pipelines.ingest.usage import ingest_usage_day
from pipelines.normalise.usage import (
    EXTRACTION_CATEGORIES,
    USAGE_TABLES,
    aggregate_usage_day,
    combine_usage_days,
)
from pipelines.paths import PipelinePaths
from pipelines.tables import read_table

USAGE = load_contracts()["api_usage"]
CATEGORIES = ["coding", "cot_elicitation", "general_chat", "tool_use", "translation"]


def _random_requests(rng: random.Random, count: int) -> list[dict]:
    """Requests over four days, a few accounts and IPs, some on bucket and day boundaries."""
    start = pd.Timestamp("2026-05-01T00:00:00Z")
    rows = []
    for n in range(count):
        offset = pd.Timedelta(seconds=rng.choice([0, 599, 600, 86_399, rng.randrange(345_600)]))
        rows.append({
            "ts": start + offset,
            "account_id": f"acc_{rng.randrange(9)}", "api_key_id": "k1",
            "source_ip": f"198.18.0.{rng.randrange(6)}", "model": "m",
            "input_tokens": rng.randrange(1, 500), "output_tokens": rng.randrange(1, 900),
            "prompt_category": rng.choice(CATEGORIES), "request_id": f"r{n}"})
    return rows


def _land(paths: PipelinePaths, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows)
    folder = paths.landing / "api_usage"
    folder.mkdir(parents=True, exist_ok=True)
    for day, part in frame.groupby(frame["ts"].dt.strftime("%Y-%m-%d")):
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False),
                       folder / f"{day}.parquet")


def _pandas_reference(requests: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The four usage tables computed in pandas from every request at once."""
    frame = requests.assign(
        day=requests["ts"].dt.floor("D"), bucket=requests["ts"].dt.floor("10min"),
        extraction=requests["prompt_category"].isin(EXTRACTION_CATEGORIES).astype("int64"))
    accounts = frame.groupby("account_id").agg(
        requests=("request_id", "size"), input_tokens=("input_tokens", "sum"),
        output_tokens=("output_tokens", "sum"), extraction_requests=("extraction", "sum"),
        first_ts=("ts", "min"), last_ts=("ts", "max"))
    categories = frame.groupby(["account_id", "prompt_category"]).size().unstack(fill_value=0)
    accounts = accounts.join(categories.add_prefix("category_"), how="left").fillna(0)
    days = frame.groupby(["account_id", "day"]).size().rename("requests").reset_index()
    per_day = days.groupby("account_id")["requests"].agg(active_days="size", max_day="max")
    ips = frame.groupby(["account_id", "source_ip"]).agg(
        requests=("request_id", "size"), first_ts=("ts", "min"), last_ts=("ts", "max"))
    buckets = frame.groupby(["account_id", "bucket"]).size().rename("requests")
    return {"usage_accounts": accounts.join(per_day).reset_index(),
            "usage_account_ips": ips.reset_index(), "usage_account_days": days,
            "usage_account_buckets": buckets.reset_index()}


@pytest.mark.parametrize("seed", [random.randrange(10**6) for _ in range(3)])
def test_duckdb_usage_tables_equal_the_pandas_aggregation(tmp_path, seed: int) -> None:
    logging.getLogger(__name__).warning("usage tables test seed: %d", seed)
    rng = random.Random(seed)
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"))
    _land(paths, _random_requests(rng, 3_000))
    for day in usage_day_files(paths.landing):
        ingest_usage_day(USAGE, paths, day)
        aggregate_usage_day(paths, day)
    summary = combine_usage_days(paths)
    ingested = pd.concat(pd.read_parquet(paths.usage_day_ingested(day))
                         for day in usage_day_files(paths.landing))
    expected = _pandas_reference(ingested)
    assert summary.requests == len(ingested) == 3_000
    for name in USAGE_TABLES:
        pd.testing.assert_frame_equal(read_table(paths, f"normalised/{name}"), expected[name],
                                      obj=name)


def test_no_usage_gives_empty_tables_with_their_columns(tmp_path) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"))
    (paths.landing / "api_usage").mkdir(parents=True)
    summary = combine_usage_days(paths)
    assert (summary.accounts, summary.requests) == (0, 0)
    accounts = read_table(paths, "normalised/usage_accounts")
    assert accounts.empty and {"account_id", "requests", "active_days"} <= set(accounts.columns)
