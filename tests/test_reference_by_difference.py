"""A reference export checked and normalised by difference (pipelines.ingest.memo,
pipelines.normalise.by_difference) loads, quarantines and normalises exactly what doing every row
would, keeps nothing the outputs do not, and starts over whenever the code could treat a row
differently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines import parallel
from pipelines.ingest import memo as memo_module
from pipelines.ingest.assets import ingest_source
from pipelines.normalise import by_difference
from pipelines.normalise.assets import normalise_table
from pipelines.paths import PipelinePaths
from pipelines.prepare import prepare_tables
from tests.landing import account, payment, write_landing
from tests.mini_world import mini_world
from tests.test_ingest import CONTRACTS, TEST_PAN, row, write_accounts

ACCOUNTS = CONTRACTS["accounts"]


def yesterday() -> list[dict]:
    rows = [row(account_id=f"acc_{n}", email=f"user{n}@qinglan-data.com",
                phone=f"+86 138-0013-{8000 + n}") for n in range(30)]
    rows[3] = row(account_id="acc_3", phone="not a phone")  # loaded, with an issue
    rows[4] = row(account_id="acc_4", display_name=f"pay with {TEST_PAN}")  # redacted, loaded
    rows[5] = row(account_id="acc_5", created_at="yesterday")  # quarantined
    return rows


def today() -> list[dict]:
    rows = yesterday()
    rows[7] = row(account_id="acc_7", email="changed@qinglan-data.com")  # a row changed
    del rows[9]  # a row gone
    rows.insert(12, row(account_id="acc_new", email="new@qinglan-data.com"))  # one new
    rows.append(rows[20])  # an exact duplicate of a remembered row
    return rows


def ingested(paths: PipelinePaths) -> tuple[pd.DataFrame, str, object]:
    report = ingest_source(ACCOUNTS, paths)
    assert report.reconciles, report
    frame = pd.read_parquet(paths.ingested("accounts"))
    return frame, paths.quarantine("accounts").read_text(), report


def paths_for(root: Path) -> PipelinePaths:
    return PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))


def day_by_difference(tmp_path: Path) -> tuple[tuple, tuple]:
    """Today ingested after yesterday (by difference) and from nothing (every row checked)."""
    chained, fresh = paths_for(tmp_path / "chained"), paths_for(tmp_path / "fresh")
    for paths in (chained, fresh):
        paths.landing.mkdir(parents=True)
    write_accounts(chained.landing / "accounts.csv", yesterday())
    ingested(chained)
    for paths in (chained, fresh):
        write_accounts(paths.landing / "accounts.csv", today())
    return ingested(chained), ingested(fresh)


def assert_same_outputs(one: tuple, other: tuple) -> None:
    pd.testing.assert_frame_equal(one[0], other[0])
    assert one[1] == other[1]
    for name in ("read", "loaded", "quarantined", "reasons", "field_issues"):
        assert getattr(one[2], name) == getattr(other[2], name), name


def test_a_day_checked_by_difference_equals_every_row_checked(tmp_path: Path) -> None:
    by_difference, every_row = day_by_difference(tmp_path)
    assert_same_outputs(by_difference, every_row)
    assert every_row[2].reused == 0
    # 29 loaded yesterday; today one of them changed and one is gone, and the duplicate's
    # cells are remembered too (it is then refused as a duplicate, as without the memo)
    assert by_difference[2].reused == 28
    frame = by_difference[0].set_index("account_id")
    assert "phone: not a valid phone number" in frame.loc["acc_3", "_issues"]
    assert "card number redacted" in frame.loc["acc_4", "_issues"]


def test_the_same_with_rows_checked_in_worker_processes(tmp_path: Path, monkeypatch) -> None:
    """Remembered and unchecked rows interleave in every chunk sent to the workers."""
    monkeypatch.setattr(parallel, "CHUNK", 4)
    monkeypatch.setenv(parallel.WORKERS_SETTING, "2")
    monkeypatch.setattr("pipelines.ingest.tables.POOL_MIN_BYTES", 0)
    by_difference, every_row = day_by_difference(tmp_path)
    assert_same_outputs(by_difference, every_row)
    assert by_difference[2].reused == 28


def test_the_memo_keeps_no_card_number_and_no_quarantined_row(tmp_path: Path) -> None:
    paths = paths_for(tmp_path)
    paths.landing.mkdir(parents=True)
    write_accounts(paths.landing / "accounts.csv", yesterday())
    ingested(paths)
    kept = pd.read_parquet(paths.ingest_memo("accounts"))
    text = kept.to_csv()
    assert TEST_PAN not in text and TEST_PAN.replace(" ", "") not in text
    assert "acc_5" not in set(kept["account_id"])
    assert len(kept) == 29


def test_other_checks_start_over(tmp_path: Path, monkeypatch) -> None:
    paths = paths_for(tmp_path)
    paths.landing.mkdir(parents=True)
    write_accounts(paths.landing / "accounts.csv", yesterday())
    ingested(paths)
    monkeypatch.setattr(memo_module, "checks_version", lambda contract: "other checks")
    assert ingested(paths)[2].reused == 0
    assert ingested(paths)[2].reused == 29  # and remembers under the new version


@pytest.mark.parametrize("damage", ["truncated", "another table"])
def test_a_damaged_memo_means_every_row_is_checked(tmp_path: Path, damage: str) -> None:
    paths = paths_for(tmp_path)
    paths.landing.mkdir(parents=True)
    write_accounts(paths.landing / "accounts.csv", yesterday())
    first = ingested(paths)
    memo_file = paths.ingest_memo("accounts")
    if damage == "truncated":
        memo_file.write_bytes(memo_file.read_bytes()[:100])
    else:
        pd.DataFrame({"x": [1]}).to_parquet(memo_file)
    again = ingested(paths)
    assert again[2].reused == 0
    assert_same_outputs(first, again)


def a_day_later(world: dict[str, list[dict]], accounts_change: bool) -> dict[str, list[dict]]:
    """The next day's export: a new payment, one card removed, one billing address corrected,
    and (``accounts_change``) one account's phone changed and one new account."""
    payments = [dict(p) for p in world["payment_instruments"][1:]]
    payments[0]["billing_address"] = "Rm 1204, Tower B"
    payments.append(payment("acc_lg_1", "fp_second_card_0002", billing_name="Legit 1",
                            billing_address="12 Harbour Lane", billing_country="GB"))
    accounts = [dict(a) for a in world["accounts"]]
    if accounts_change:
        accounts[1]["phone"] = "+44 20 7946 0018"
        accounts.append(account("acc_lg_9", phone="+1 415 555 0100"))
    return {**world, "accounts": accounts, "payment_instruments": payments}


def normalised(paths: PipelinePaths) -> dict[str, pd.DataFrame]:
    prepare_tables(paths)
    return {t: pd.read_parquet(paths.work / "normalised" / f"{t}.parquet")
            for t in by_difference.ROW_WISE}


@pytest.mark.parametrize("accounts_change", [True, False])
def test_tables_normalised_by_difference_equal_every_row_normalised(
        tmp_path: Path, accounts_change: bool) -> None:
    world = mini_world()
    world["accounts"][0]["phone"] = "+86 138-0013-8000"
    chained, fresh = paths_for(tmp_path / "chained"), paths_for(tmp_path / "fresh")
    write_landing(chained.landing, **world)
    normalised(chained)
    later = a_day_later(world, accounts_change)
    write_landing(chained.landing, **later)
    write_landing(fresh.landing, **later)
    by_difference_tables, every_row = normalised(chained), normalised(fresh)
    for table in by_difference.ROW_WISE:
        pd.testing.assert_frame_equal(by_difference_tables[table], every_row[table])
    assert every_row["payment_instruments"]["billing_address_key"].notna().any()


def test_normalised_rows_read_back_are_counted_and_versioned(tmp_path: Path, monkeypatch
                                                             ) -> None:
    paths = paths_for(tmp_path)
    write_landing(paths.landing, **mini_world())
    prepare_tables(paths)
    said: list[str] = []
    normalise_table("payment_instruments", paths, said.append)
    assert said == ["payment_instruments: 6 rows, 6 as the last run normalised them"]
    monkeypatch.setattr(by_difference, "CODE", ("pipelines/normalise/names.py",))
    normalise_table("payment_instruments", paths, said.append)
    assert said[-1] == "payment_instruments: 6 rows, 0 as the last run normalised them"
