"""Usage lands one file per UTC day: each day is ingested once, a replaced day is ingested
again, rows of another day and half-written files are caught, strays are named."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.contract import load_contracts
from pipelines.errors import ContractError
from pipelines.ingest.days import split_usage_file, usage_day_files
from pipelines.ingest.usage import ingest_usage_day
from pipelines.normalise.usage import aggregate_usage_day, combine_usage_days
from pipelines.paths import PipelinePaths
from pipelines.tables import read_table

USAGE = load_contracts()["api_usage"]


def _request(n: int, ts: str, account: str = "acc_1") -> dict:
    return {"ts": pd.Timestamp(ts), "account_id": account, "api_key_id": "k1",
            "source_ip": "198.18.0.9", "model": "m", "input_tokens": 10, "output_tokens": 20,
            "prompt_category": "coding", "request_id": f"r{n}"}


def _write_day(paths: PipelinePaths, day: str, rows: list[dict]) -> None:
    folder = paths.landing / "api_usage"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / f"{day}.parquet")


@pytest.fixture
def paths(tmp_path) -> PipelinePaths:
    return PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"))


def test_a_row_of_another_day_is_quarantined_not_counted_twice(paths) -> None:
    _write_day(paths, "2026-05-02", [_request(1, "2026-05-02T10:00:00Z"),
                                     _request(2, "2026-05-03T00:00:00Z")])
    report = ingest_usage_day(USAGE, paths, "2026-05-02")
    assert (report.read, report.loaded, report.quarantined) == (2, 1, 1) and report.reconciles
    quarantine = pd.read_csv(paths.usage_day_quarantine("2026-05-02"))
    assert quarantine["reason"].str.startswith("ts outside the file's day").all()


def test_an_unchanged_day_is_skipped_and_a_replaced_day_ingested_again(paths) -> None:
    _write_day(paths, "2026-05-02", [_request(1, "2026-05-02T10:00:00Z")])
    assert ingest_usage_day(USAGE, paths, "2026-05-02").note == ""
    assert aggregate_usage_day(paths, "2026-05-02") == "aggregated"
    again = ingest_usage_day(USAGE, paths, "2026-05-02")
    assert again.note.startswith("unchanged") and again.read == 1 and again.reconciles
    assert aggregate_usage_day(paths, "2026-05-02") == "unchanged"
    _write_day(paths, "2026-05-02", [_request(1, "2026-05-02T10:00:00Z"),
                                     _request(2, "2026-05-02T11:00:00Z")])
    with pytest.raises(ContractError, match="2026-05-02"):  # replaced, not yet re-ingested
        combine_usage_days(paths)
    assert ingest_usage_day(USAGE, paths, "2026-05-02").read == 2
    assert aggregate_usage_day(paths, "2026-05-02") == "aggregated"
    assert combine_usage_days(paths).requests == 2


def test_days_add_up_across_files(paths) -> None:
    _write_day(paths, "2026-05-01", [_request(1, "2026-05-01T23:59:59Z")])
    _write_day(paths, "2026-05-02", [_request(2, "2026-05-02T00:00:01Z"),
                                     _request(3, "2026-05-02T08:00:00Z", "acc_2")])
    for day in usage_day_files(paths.landing):
        ingest_usage_day(USAGE, paths, day)
        aggregate_usage_day(paths, day)
    combine_usage_days(paths)
    usage = read_table(paths, "normalised/usage_accounts")
    first = usage.set_index("account_id").loc["acc_1"]
    assert first["requests"] == 2 and first["active_days"] == 2
    assert first["first_ts"] == pd.Timestamp("2026-05-01T23:59:59Z")


def test_a_half_written_file_stops_the_day_with_a_clear_message(paths) -> None:
    _write_day(paths, "2026-05-02", [_request(n, "2026-05-02T10:00:00Z") for n in range(50)])
    day_file = paths.landing / "api_usage" / "2026-05-02.parquet"
    whole = day_file.read_bytes()
    day_file.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ContractError, match="may still be being written"):
        ingest_usage_day(USAGE, paths, "2026-05-02")
    day_file.write_bytes(whole)  # the writer finished: the next run takes the day in
    assert ingest_usage_day(USAGE, paths, "2026-05-02").loaded == 50


def test_a_day_without_a_file_is_a_day_without_usage(paths) -> None:
    (paths.landing / "api_usage").mkdir(parents=True)
    report = ingest_usage_day(USAGE, paths, "2026-05-02")
    assert report.read == 0 and "no usage file" in report.note
    assert aggregate_usage_day(paths, "2026-05-02") == "empty"


def test_stray_files_and_single_exports_are_named(paths) -> None:
    _write_day(paths, "2026-05-02", [_request(1, "2026-05-02T10:00:00Z")])
    (paths.landing / "api_usage" / "may.parquet").write_bytes(b"")
    with pytest.raises(ContractError, match=r"may\.parquet"):
        usage_day_files(paths.landing)
    (paths.landing / "api_usage" / "may.parquet").unlink()
    pq.write_table(pa.Table.from_pylist([_request(1, "2026-05-02T10:00:00Z")]),
                   paths.landing / "api_usage.parquet")
    with pytest.raises(ContractError, match="split-usage"):
        usage_day_files(paths.landing)


def test_split_usage_writes_one_file_per_day(tmp_path) -> None:
    export = tmp_path / "export.parquet"
    rows = [_request(1, "2026-05-01T10:00:00Z"), _request(2, "2026-05-02T10:00:00Z"),
            _request(3, "2026-05-02T11:00:00Z")]
    pq.write_table(pa.Table.from_pylist(rows), export)
    written = split_usage_file(export, tmp_path / "landing", progress=lambda _: None)
    assert written == {"2026-05-01": 1, "2026-05-02": 2}
    assert sorted(usage_day_files(tmp_path / "landing")) == ["2026-05-01", "2026-05-02"]
