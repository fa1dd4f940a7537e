"""Work spread over worker processes comes back as the calling process would have made it."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines import parallel
from pipelines.contract import load_contracts
from pipelines.ingest.tables import TableIngest
from pipelines.normalise.phone import normalise_phone
from pipelines.normalise.tables import normalise_accounts, normalise_payments
from tests.landing import write_landing
from tests.mini_world import mini_world


@pytest.fixture
def pooled(monkeypatch):
    """Every map goes to two workers in parts of three values."""
    monkeypatch.setattr(parallel, "POOL_MIN_VALUES", 0)
    monkeypatch.setattr(parallel, "CHUNK", 3)
    monkeypatch.setenv(parallel.WORKERS_SETTING, "2")
    return monkeypatch


def test_map_values_keeps_order_and_unpacks_pairs(pooled) -> None:
    numbers = [(f"+86 138 0013 {n:04d}", "CN") for n in range(40)] + [("garbage", None)]
    assert parallel.map_values(normalise_phone, numbers) == [normalise_phone(*n)
                                                             for n in numbers]
    assert parallel.map_values(str.upper, list("abcdefg")) == list("ABCDEFG")


def test_normalised_tables_are_the_same_with_workers(tmp_path, pooled) -> None:
    write_landing(tmp_path, **mini_world())
    contracts = load_contracts()
    frames = {}
    for source in ("accounts", "payment_instruments"):
        table = TableIngest(contracts[source], tmp_path / f"{source}.csv")
        table.run()
        frames[source] = table.frame()
    accounts = frames["accounts"]
    accounts["phone"] = [f"+86 138-0013-80{n:02d}" if n % 3 else None
                         for n in range(len(accounts))]
    results = []
    for workers in ("1", "2"):
        pooled.setenv(parallel.WORKERS_SETTING, workers)
        results.append((normalise_accounts(frames["accounts"]),
                        normalise_payments(frames["payment_instruments"])))
    for one, two in zip(*results, strict=True):
        pd.testing.assert_frame_equal(one, two)
    assert results[0][0]["phone_e164"].notna().any()
