"""Hostile or careless drops, one change at a time to a small landing file: each either fails its
ingestion step with one paragraph naming the file, what was found and what was expected, or
quarantines the offending rows with a reason, and read = loaded + quarantined always holds."""

from __future__ import annotations

import csv
import dataclasses
import os
import random
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.contract import FileRules, load_contracts
from pipelines.errors import ContractError
from pipelines.ingest.assets import ingest_source
from pipelines.ingest.days import usage_day_files
from pipelines.ingest.usage import ingest_usage_day
from pipelines.paths import PipelinePaths
from pipelines.snapshot import snapshot
from tests.test_ingest import GOOD, HEADER, row, write_accounts

CONTRACTS = load_contracts()
ACCOUNTS = CONTRACTS["accounts"]
DAY = "2026-05-02"
USAGE_ROW = {
    "ts": pd.Timestamp(f"{DAY}T13:45:10Z"), "account_id": "acc_1", "api_key_id": "k1",
    "source_ip": "198.18.0.9", "model": "m", "input_tokens": 10, "output_tokens": 20,
    "prompt_category": "coding", "request_id": "r1",
}


@pytest.fixture
def paths(tmp_path: Path) -> PipelinePaths:
    (tmp_path / "landing").mkdir()
    return PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"))


def accounts(count: int = 6) -> list[dict]:
    return [row(account_id=f"acc_{i}", email=f"user{i}@qinglan-data.com") for i in range(count)]


def landing_accounts(paths: PipelinePaths, rows: list[dict], **kwargs) -> Path:
    return write_accounts(paths.landing / "accounts.csv", rows, **kwargs)


def ingested(paths: PipelinePaths, source: str = "accounts"):
    report = ingest_source(CONTRACTS[source], paths)
    assert report.reconciles, report
    return report


def refused(paths: PipelinePaths, source: str = "accounts") -> str:
    with pytest.raises(ContractError) as failure:
        ingest_source(CONTRACTS[source], paths)
    message = str(failure.value)
    assert "\n" not in message and "Traceback" not in message  # one paragraph
    return message


def quarantine(paths: PipelinePaths, source: str = "accounts") -> pd.DataFrame:
    return pd.read_csv(paths.quarantine(source), dtype=str)


def test_a_header_only_file_fails_and_names_itself(paths: PipelinePaths) -> None:
    landing_accounts(paths, [])
    message = refused(paths)
    assert "accounts.csv cannot be ingested as accounts" in message
    assert "holds no row at all" in message and "last good state" in message
    assert not paths.ingested("accounts").exists()  # nothing published


def test_a_semicolon_file_is_read_by_its_sniffed_delimiter(paths: PipelinePaths) -> None:
    path = landing_accounts(paths, accounts())
    path.write_text(path.read_text().replace(",", ";"))
    assert ingested(paths).loaded == 6


def test_a_delimiter_other_than_the_declared_one_fails(paths: PipelinePaths,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    comma_only = dataclasses.replace(ACCOUNTS, file=FileRules(delimiter=","))
    monkeypatch.setitem(CONTRACTS, "accounts", comma_only)
    path = landing_accounts(paths, accounts())
    path.write_text(path.read_text().replace(",", ";"))
    message = refused(paths)
    assert "comma-delimited" in message and "one single column" in message
    assert "account_id;created_at" in message  # what was found


def test_a_missing_required_column_fails_before_any_row(paths: PipelinePaths) -> None:
    landing_accounts(paths, accounts(), header=[h for h in HEADER if h != "email"])
    message = refused(paths)
    assert "required column email missing" in message and "Found: comma-delimited" in message


def test_a_duplicated_column_name_is_refused(paths: PipelinePaths) -> None:
    path = landing_accounts(paths, accounts())
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace("display_name", "email")
    path.write_text("\n".join(lines) + "\n")
    assert "names email more than once" in refused(paths)


def test_an_optional_source_with_a_duplicated_column_is_refused_too(paths: PipelinePaths
                                                                    ) -> None:
    (paths.landing / "partner_indicators.csv").write_text(
        "indicator_type,value,value,partner,confidence\ndomain,a.test,b.test,P,0.5\n")
    assert "names value more than once" in refused(paths, "partner_indicators")


def test_a_symlink_out_of_the_landing_folder_is_never_opened(paths: PipelinePaths,
                                                             tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("account_id\nMARKER-7f3a\n")
    (paths.landing / "accounts.csv").symlink_to(secret)
    message = refused(paths)
    assert "symbolic link" in message and "not opened" in message
    assert snapshot(paths.landing)["files"] == {}  # not digested (opened) either
    assert not paths.work.exists() or "MARKER-7f3a" not in "".join(
        p.read_text(errors="replace") for p in paths.work.rglob("*") if p.is_file())


def test_a_symlinked_usage_folder_and_day_are_refused(paths: PipelinePaths,
                                                      tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    pq.write_table(pa.Table.from_pylist([USAGE_ROW]), outside / f"{DAY}.parquet")
    (paths.landing / "api_usage").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ContractError, match="api_usage is a symbolic link"):
        usage_day_files(paths.landing)
    (paths.landing / "api_usage").unlink()
    (paths.landing / "api_usage").mkdir()
    (paths.landing / "api_usage" / f"{DAY}.parquet").symlink_to(outside / f"{DAY}.parquet")
    with pytest.raises(ContractError, match="symbolic link"):
        usage_day_files(paths.landing)


def test_a_fifo_or_a_directory_is_refused_without_being_opened(paths: PipelinePaths) -> None:
    os.mkfifo(paths.landing / "accounts.csv")  # opening it for reading would block forever
    assert "a FIFO" in refused(paths)
    (paths.landing / "accounts.csv").unlink()
    (paths.landing / "accounts.csv").mkdir()
    assert "a directory" in refused(paths)


def test_random_bytes_fail_a_required_source_with_a_message(paths: PipelinePaths) -> None:
    seed = random.randrange(2**32)
    print(f"random bytes seed {seed}")
    (paths.landing / "accounts.csv").write_bytes(random.Random(seed).randbytes(4096))
    message = refused(paths)
    assert "cannot be ingested as accounts" in message


def test_random_bytes_in_an_optional_source_are_quarantined(paths: PipelinePaths) -> None:
    seed = random.randrange(2**32)
    print(f"random bytes seed {seed}")
    header = b"indicator_type,value,partner,confidence\n"
    garbage = random.Random(seed).randbytes(2048).replace(b"\n", b"\xff\n")
    (paths.landing / "partner_indicators.csv").write_bytes(header + garbage)
    report = ingested(paths, "partner_indicators")
    assert report.loaded == 0 and report.quarantined == report.read > 0
    reasons = quarantine(paths, "partner_indicators")["reason"]
    assert reasons.str.contains("undecodable bytes|fields but the header|unreadable").all()


def test_undecodable_bytes_are_quarantined_with_the_bytes_escaped(paths: PipelinePaths) -> None:
    path = landing_accounts(paths, [*accounts(5), row(account_id="acc_x", display_name="QQ")])
    path.write_bytes(path.read_bytes().replace(b"QQ", b"Jos\xe9"))
    report = ingested(paths)
    assert (report.loaded, report.quarantined) == (5, 1)
    bad = quarantine(paths).iloc[0]
    assert bad["reason"] == "undecodable bytes in display_name: Jos\\xe9"
    assert "Jos\\\\xe9" in bad["row"]  # escaped in the JSON of the row too


def test_a_latin1_export_fails_and_says_so(paths: PipelinePaths) -> None:
    names = ["José", "Zoë", "Åsa", "Jürgen", "Renée", "Ana"]
    rows = [row(account_id=f"acc_{i}", display_name=n) for i, n in enumerate(names)]
    path = landing_accounts(paths, rows)
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    message = refused(paths)
    assert "not valid UTF-8" in message and "Latin-1" in message
    assert "first bad line 2: undecodable bytes in display_name: Jos\\xe9" in message


def test_a_latin1_export_loads_when_the_contract_declares_it(paths: PipelinePaths,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    latin1 = dataclasses.replace(ACCOUNTS, file=FileRules(encoding="latin-1"))
    monkeypatch.setitem(CONTRACTS, "accounts", latin1)
    path = landing_accounts(paths, [row(display_name="José")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    assert ingested(paths).loaded == 1
    assert pd.read_parquet(paths.ingested("accounts")).loc[0, "display_name"] == "José"


def test_a_file_truncated_mid_row_quarantines_the_last_row(paths: PipelinePaths) -> None:
    path = landing_accounts(paths, accounts())
    path.write_bytes(path.read_bytes()[:-40])
    report = ingested(paths)
    assert (report.loaded, report.quarantined) == (5, 1)
    assert "fields but the header has" in quarantine(paths)["reason"].iloc[0]


def test_a_file_truncated_mid_quote_quarantines_the_last_row(paths: PipelinePaths) -> None:
    rows = [*accounts(5), row(account_id="acc_q", display_name="Wei, the \"boss\"")]
    path = landing_accounts(paths, rows)
    text = path.read_text()
    path.write_text(text[:text.rindex("boss")])  # ends inside the quoted display name
    report = ingested(paths)
    assert (report.loaded, report.quarantined) == (5, 1)
    assert quarantine(paths)["line"].tolist() == ["7"]


def test_nul_and_control_characters_in_ids_are_refused(paths: PipelinePaths) -> None:
    rows = [*accounts(4), row(account_id="acc_\x00evil"), row(account_id="acc_\u200bx")]
    landing_accounts(paths, rows)
    report = ingested(paths)
    assert (report.loaded, report.quarantined) == (4, 2)
    reasons = quarantine(paths)["reason"].tolist()
    assert reasons == ["invalid account_id: control character U+0000 in an identifier",
                       "invalid account_id: control character U+200B in an identifier"]
    assert not pd.read_parquet(paths.ingested("accounts"))["account_id"].str.contains(
        "\x00").any()


def test_a_20_mb_field_is_quarantined_and_the_rest_read(paths: PipelinePaths) -> None:
    path = landing_accounts(paths, accounts(4))
    with path.open("a", newline="") as handle:
        csv.writer(handle).writerow(row(account_id="acc_big", display_name="x" * 20_000_000)
                                    .values())
    write_accounts(paths.landing / "tail.csv", [row(account_id="acc_tail")])
    with path.open("a") as handle:
        handle.write((paths.landing / "tail.csv").read_text().split("\n", 1)[1])
    (paths.landing / "tail.csv").unlink()
    report = ingested(paths)
    assert (report.loaded, report.quarantined) == (5, 1)
    assert "field larger than field limit" in quarantine(paths)["reason"].iloc[0]


def _usage_day(paths: PipelinePaths, table: pa.Table | bytes) -> Path:
    folder = paths.landing / "api_usage"
    folder.mkdir(exist_ok=True)
    path = folder / f"{DAY}.parquet"
    if isinstance(table, bytes):
        path.write_bytes(table)
    else:
        pq.write_table(table, path)
    return path


def test_a_zero_byte_usage_day_fails_and_publishes_nothing(paths: PipelinePaths) -> None:
    _usage_day(paths, b"")
    with pytest.raises(ContractError, match="cannot be read as parquet"):
        ingest_usage_day(CONTRACTS["api_usage"], paths, DAY)
    assert not paths.usage_day_ingested(DAY).exists()


@pytest.mark.parametrize(("change", "reason"), [
    ({"ts": 1714650000}, "invalid ts"),
    ({"input_tokens": "ten"}, "invalid input_tokens"),
    ({"source_ip": b"\xff\x00"}, "undecodable bytes in source_ip"),
    ({"prompt_category": ["coding"]}, "invalid prompt_category"),
])
def test_a_wrongly_typed_usage_day(paths: PipelinePaths, change: dict, reason: str) -> None:
    rows = [{**USAGE_ROW, **change, "request_id": f"r{i}"} for i in range(3)]
    _usage_day(paths, pa.Table.from_pylist(rows))
    with pytest.raises(ContractError) as failure:  # every row bad: under the usable share
        ingest_usage_day(CONTRACTS["api_usage"], paths, DAY)
    assert f"first bad line 1: {reason}" in str(failure.value)
    assert not paths.usage_day_ingested(DAY).exists()
    bad = pd.read_csv(paths.usage_day_quarantine(DAY), dtype=str)
    assert len(bad) == 3 and bad["reason"].str.startswith(reason).all()


def test_a_usage_day_missing_a_column_or_naming_one_twice_fails(paths: PipelinePaths) -> None:
    table = pa.Table.from_pylist([USAGE_ROW])
    _usage_day(paths, table.drop_columns(["source_ip"]))
    with pytest.raises(ContractError, match="required column source_ip missing"):
        ingest_usage_day(CONTRACTS["api_usage"], paths, DAY)
    twice = pa.Table.from_arrays([*table.columns, table["model"]],
                                 names=[*table.column_names, "MODEL"])
    _usage_day(paths, twice)
    with pytest.raises(ContractError, match="names model more than once"):
        ingest_usage_day(CONTRACTS["api_usage"], paths, DAY)


def test_a_usage_day_with_a_few_bad_rows_loads_the_rest(paths: PipelinePaths) -> None:
    rows = [{**USAGE_ROW, "request_id": f"r{i}"} for i in range(5)]
    rows[2]["source_ip"] = "not-an-ip"
    _usage_day(paths, pa.Table.from_pylist(rows))
    report = ingest_usage_day(CONTRACTS["api_usage"], paths, DAY)
    assert (report.read, report.loaded, report.quarantined) == (5, 4, 1)


def test_good_rows_still_load(paths: PipelinePaths) -> None:
    landing_accounts(paths, [GOOD])
    assert ingested(paths).loaded == 1


def test_a_reference_export_that_is_not_parquet_fails_with_a_message(paths: PipelinePaths
                                                                      ) -> None:
    (paths.landing / "accounts.parquet").write_bytes(b"PAR1 not really")
    assert "cannot be read as Parquet" in refused(paths)
