"""Bad input, each case on a small hand-written file: loaded + quarantined = read, always."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.contract import load_contracts
from pipelines.errors import ContractError
from pipelines.ingest.assets import ingest_source
from pipelines.ingest.fields import CONTROL, CONTROL_RE2
from pipelines.ingest.tables import TableIngest
from pipelines.ingest.usage import ingest_usage
from pipelines.paths import PipelinePaths

CONTRACTS = load_contracts()
HEADER = CONTRACTS["accounts"].columns
GOOD = {
    "account_id": "acc_1", "created_at": "2026-04-28T09:14:03Z", "email": "wei@qinglan-data.com",
    "display_name": "Wei", "phone": "+86 138-0013-8000", "declared_country": "CN",
    "declared_org": "Qinglan Data", "signup_ip": "198.18.0.7", "user_agent": "python-httpx/0.27",
    "tier": "build", "status": "active",
}
TEST_PAN = "4111 1111 1111 1111"  # the well-known test card number


def write_accounts(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def ingest(path: Path) -> TableIngest:
    table = TableIngest(CONTRACTS["accounts"], path)
    report = table.run()
    assert report.reconciles, report
    return table


def row(**changes: str) -> dict:
    return {**GOOD, **changes}


def test_good_rows_load_with_their_lines(tmp_path: Path) -> None:
    table = ingest(write_accounts(tmp_path / "a.csv", [row(), row(account_id="acc_2")]))
    assert table.report.loaded == 2 and table.report.quarantined == 0
    assert list(table.frame()["_line"]) == [2, 3]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"account_id": ""}, "missing required field account_id"),
        ({"email": "not-an-address"}, "invalid email"),
        ({"email": "two@@signs.com"}, "invalid email"),
        ({"created_at": "28/04/2026 9am"}, "invalid created_at"),
        ({"display_name": "x" * 5000}, "over the limit"),
        ({"account_id": TEST_PAN}, "full card number in identifier field account_id"),
    ],
)
def test_bad_required_or_dangerous_values_are_quarantined(
    tmp_path: Path, change: dict, reason: str
) -> None:
    bad = row(**{"account_id": "acc_2", **change})
    table = ingest(write_accounts(tmp_path / "a.csv", [row(), bad]))
    assert table.report.loaded == 1 and table.report.quarantined == 1
    assert reason in table.quarantine[0]["reason"]
    assert table.quarantine[0]["line"] == 3


def test_card_number_never_reaches_any_output(tmp_path: Path) -> None:
    rows = [row(declared_org=f"pay {TEST_PAN}"), row(account_id="acc_2", email="bad",
                                                     display_name=f"card {TEST_PAN}")]
    table = ingest(write_accounts(tmp_path / "a.csv", rows))
    everything = json.dumps(table.quarantine) + table.frame().to_json()
    assert "4111" not in everything
    assert table.report.loaded == 1  # free text: redacted in place, the row kept
    assert table.frame().loc[0, "declared_org"] == "pay [REDACTED-CARD-NUMBER]"
    assert "REDACTED-CARD-NUMBER" in table.quarantine[0]["row"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "call me maybe"), ("signup_ip", "300.1.2.3"), ("declared_country", "China"),
     ("tier", "platinum")],  # tier and status are optional: real exports may lack them
)
def test_bad_optional_values_are_nulled_and_noted(tmp_path: Path, field: str, value: str) -> None:
    table = ingest(write_accounts(tmp_path / "a.csv", [row(**{field: value})]))
    frame = table.frame()
    assert table.report.loaded == 1
    assert frame.loc[0, field] is None
    assert field in frame.loc[0, "_issues"]


def test_duplicates_keep_the_first_and_say_why(tmp_path: Path) -> None:
    rows = [row(), row(), row(email="other@qinglan-data.com")]
    table = ingest(write_accounts(tmp_path / "a.csv", rows))
    reasons = [q["reason"] for q in table.quarantine]
    assert table.report.loaded == 1
    assert reasons == ["exact duplicate of line 2",
                       "duplicate account_id conflicting with line 2 on email"]


def test_bom_quoted_newlines_and_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_accounts(path, [row(display_name="two\nlines", extra="x"), row(account_id="acc_2")],
                   header=[*HEADER, "extra"])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    table = ingest(path)
    frame = table.frame()
    assert table.report.loaded == 2
    assert frame.loc[0, "display_name"] == "two lines"  # whitespace collapsed, content kept
    assert list(frame["_line"]) == [2, 4]  # the quoted newline moves the next row down a line
    assert table.report.unknown_columns == ["extra"]


def test_non_utf8_bytes_quarantine_only_their_row(tmp_path: Path) -> None:
    path = write_accounts(tmp_path / "a.csv", [row(), row(account_id="acc_2", display_name="ZZ")])
    path.write_bytes(path.read_bytes().replace(b"ZZ", b"\xff\xfe"))
    table = ingest(path)
    assert table.report.loaded == 1
    assert table.quarantine[0]["reason"] == "undecodable bytes in display_name: \\xff\\xfe"


def test_spreadsheet_formula_is_neutralised(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://example.invalid","click")'
    table = ingest(write_accounts(tmp_path / "a.csv", [row(display_name=formula)]))
    frame = table.frame()
    assert frame.loc[0, "display_name"] == "'" + formula
    assert "formula" in frame.loc[0, "_issues"]


def test_short_rows_and_empty_files(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(",".join(HEADER) + "\nacc_1,2026-01-01T00:00:00Z\n", encoding="utf-8")
    table = ingest(path)
    assert "fields but the header has" in table.quarantine[0]["reason"]
    (tmp_path / "e.csv").write_text("")
    empty = TableIngest(CONTRACTS["partner_indicators"], tmp_path / "e.csv")  # optional source
    assert empty.run().read == 0 and "empty" in empty.report.note
    with pytest.raises(ContractError, match="the file is empty"):  # a required one fails
        ingest(tmp_path / "e.csv")


def test_missing_sources(tmp_path: Path) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    (tmp_path / "landing").mkdir()
    with pytest.raises(ContractError, match=r"no accounts\.csv"):
        ingest_source(CONTRACTS["accounts"], paths)
    report = ingest_source(CONTRACTS["partner_indicators"], paths)
    assert report.read == 0 and "skipped" in report.note
    assert pd.read_parquet(paths.ingested("partner_indicators")).empty


def test_usage_parquet_is_streamed_and_reconciles(tmp_path: Path) -> None:
    good = {
        "ts": pd.Timestamp("2026-05-02T13:45:10Z"), "account_id": "acc_1", "api_key_id": "k1",
        "source_ip": "198.18.0.9", "model": "m", "input_tokens": 10, "output_tokens": 20,
        "prompt_category": "coding", "request_id": "r1",
    }
    rows = [good, {**good, "request_id": "r2", "source_ip": "nope"},
            {**good, "request_id": "r1"}, {**good, "request_id": "r3", "prompt_category": "x"},
            {**good, "request_id": "r4", "api_key_id": TEST_PAN.replace(" ", "")}]
    path = tmp_path / "api_usage.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    report, quarantine = ingest_usage(CONTRACTS["api_usage"], path, tmp_path / "out.parquet")
    # r3's unknown category loads as "other" (see the next test); the rest are quarantined.
    assert report.read == 5 and report.loaded == 2 and report.reconciles
    reasons = sorted(q["reason"].split(":")[0] for q in quarantine)
    assert reasons == ["duplicate request_id",
                       "full card number in identifier field api_key_id (redacted)",
                       "invalid source_ip"]
    assert "4111" not in json.dumps(quarantine)


def test_a_new_classifier_label_loads_as_other_kept_and_counted(tmp_path: Path) -> None:
    """A prompt category the contract does not list (the upstream classifier grew a label) is
    no reason to quarantine a whole usage day: it loads as ``other`` with the raw label kept."""
    rows = [{"ts": "2026-05-02T10:00:00Z", "account_id": f"acc_{i}", "api_key_id": "k",
             "source_ip": "198.51.100.1", "model": "m", "input_tokens": 1, "output_tokens": 2,
             "prompt_category": label, "request_id": f"r{i}"}
            for i, label in enumerate(["coding", "Multimodal_Critique", "multimodal_critique"])]
    source = tmp_path / "2026-05-02.parquet"
    pd.DataFrame(rows).to_parquet(source, index=False)
    report, quarantine = ingest_usage(CONTRACTS["api_usage"], source,
                                      tmp_path / "out.parquet", day="2026-05-02")
    loaded = pd.read_parquet(tmp_path / "out.parquet")
    assert report.loaded == 3 and not quarantine
    assert list(loaded["prompt_category"]) == ["coding", "other", "other"]
    assert loaded["prompt_category_raw"].isna().tolist() == [True, False, False]
    assert list(loaded["prompt_category_raw"][1:]) == ["multimodal_critique",
                                                       "multimodal_critique"]
    assert report.field_issues[
        "prompt_category: unknown label 'multimodal_critique' loaded as other"] == 2


def test_the_re2_control_class_is_the_python_one_on_every_code_point() -> None:
    """The usage days check identifiers with ``CONTROL_RE2`` (pyarrow), the other sources with
    ``CONTROL`` (Python): both must refuse exactly the same characters."""
    import pyarrow.compute as pc

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    by_re2 = pc.match_substring_regex(pa.array(points), CONTROL_RE2).to_pylist()
    assert by_re2 == [CONTROL.search(p) is not None for p in points]


def test_rows_checked_in_worker_processes_come_out_as_in_one(tmp_path: Path,
                                                             monkeypatch) -> None:
    """A large file's chunks are checked by worker processes: the same rows
    load, the same are quarantined for the same reasons, in file order (a duplicate found
    across chunks names the line it repeats)."""
    from pipelines import parallel
    from pipelines.ingest import tables

    bad = [{"declared_country": "Narnia"}, {"account_id": TEST_PAN}, {"created_at": "soon"},
           {"phone": TEST_PAN}, {"account_id": "acc_3"}, {"email": "not an email"}]
    rows = [row(**{"account_id": f"acc_{n}", **(bad[n // 7 % len(bad)] if n % 7 == 0 else {})})
            for n in range(1, 400)]
    path = write_accounts(tmp_path / "accounts.csv", rows)
    monkeypatch.setattr(parallel, "CHUNK", 25)
    monkeypatch.setattr(tables, "POOL_MIN_BYTES", 0)
    results = []
    for workers in ("1", "2"):
        monkeypatch.setenv(parallel.WORKERS_SETTING, workers)
        table = ingest(path)
        results.append((table.frame(), table.quarantine, table.report))
    (one, one_quarantine, one_report), (pooled, pooled_quarantine, pooled_report) = results
    assert one_report.quarantined > 10 and one_report.field_issues
    pd.testing.assert_frame_equal(one, pooled)
    assert one_quarantine == pooled_quarantine
    assert (one_report.reasons, one_report.field_issues) == (pooled_report.reasons,
                                                             pooled_report.field_issues)
    assert sum("duplicate of line 4" in q["reason"] for q in pooled_quarantine) > 3
