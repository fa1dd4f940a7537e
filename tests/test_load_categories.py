"""The load reads its largest table (usage by account and address) with categorical keys to save
memory. Whatever the key columns' dtype, the graph must be the same: the same import files, the
same manifest fingerprints (or a rerun would rewrite every row), the same sharing counts."""

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.load.bulk_files import column_types, import_table
from pipelines.load.delta import fingerprints, relationship_element
from pipelines.load.identity_graph import accounts_reaching
from pipelines.paths import PipelinePaths
from pipelines.tables import read_table, table_path

USAGE = pd.DataFrame({
    "account_id": ["a1", "a2", "a1", "a3", "a2"],
    "source_ip": ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.9"],
    "requests": [3, 4, 5, 6, 7],
})


def _used_ip(frame: pd.DataFrame):
    return relationship_element("USED_IP", frame, "account_id", "source_ip", ["requests"],
                                source="api_usage")


@pytest.fixture
def both() -> tuple:
    categorical = USAGE.astype({"account_id": "category", "source_ip": "category"})
    return _used_ip(USAGE), _used_ip(categorical)


def test_fingerprints_do_not_depend_on_the_key_dtype(both):
    text, categorical = both
    left, right = fingerprints(text), fingerprints(categorical)
    assert left["id"].tolist() == right["id"].tolist()
    assert left["row"].tolist() == right["row"].tolist()
    assert right["_source"].astype(str).tolist() == left["_source"].tolist()


def test_import_files_do_not_depend_on_the_key_dtype(both):
    text, categorical = both
    tables = [import_table(e, e.frame, column_types(e)) for e in (text, categorical)]
    assert tables[0][0] == tables[1][0]
    assert tables[0][1].equals(tables[1][1])


def test_accounts_reaching_over_routes_of_either_dtype_count_each_pair_once():
    signup = pd.DataFrame({"_source": ["a1", "a4"], "_target": ["10.0.0.1", "10.0.0.1"]})
    usage = USAGE.set_axis(["_source", "_target", "requests"], axis=1)[["_source", "_target"]]
    for used in (usage, usage.astype("category")):
        counts = accounts_reaching([signup, used])
        assert counts.astype(int).to_dict() == {
            "10.0.0.1": 3, "10.0.0.2": 1, "10.0.0.3": 1, "10.0.0.9": 1}
        assert accounts_reaching([used]).astype(int).to_dict() == {
            "10.0.0.1": 2, "10.0.0.2": 1, "10.0.0.3": 1, "10.0.0.9": 1}


def test_accounts_reaching_over_empty_routes_is_empty():
    nobody = pd.DataFrame({"_source": pd.Series([], dtype=str),
                           "_target": pd.Series([], dtype=str)})
    assert accounts_reaching([nobody]).empty
    assert accounts_reaching([nobody, nobody]).empty


def test_a_table_read_with_categories_over_many_row_groups_holds_the_same_values(tmp_path):
    """Each row group carries a dictionary of its own; the categories come out as one."""
    paths = PipelinePaths(landing_dir=str(tmp_path), work_dir=str(tmp_path))
    path = table_path(paths, "normalised/usage_account_ips")
    path.parent.mkdir(parents=True)
    rows = pd.concat([USAGE.iloc[::-1], USAGE], ignore_index=True)
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), path, row_group_size=2)
    read = read_table(paths, "normalised/usage_account_ips",
                      categorical=("account_id", "source_ip"))
    assert isinstance(read["account_id"].dtype, pd.CategoricalDtype)
    assert read.astype({"account_id": str, "source_ip": str}).equals(rows)
    assert read.equals(pd.read_parquet(path, read_dictionary=["account_id", "source_ip"]))


def test_import_files_write_datetimes_as_utc_iso_text_to_the_microsecond():
    """Neo4j's importer reads these as datetimes: a ``T`` between date and time, a ``Z`` for UTC,
    the offset folded in, and an empty cell (not the text 'NaT') where the time is missing."""
    stamps = pd.to_datetime(pd.Series(["2026-04-04T19:47:10+02:00", "1969-12-31T23:59:59.5Z",
                                       None, "2026-01-01T00:00:00.000001Z"]),
                            utc=True, format="ISO8601")
    seen = relationship_element("USED_IP", USAGE.iloc[:4].assign(first_seen=stamps.array),
                                "account_id", "source_ip", ["first_seen"], source="api_usage")
    headers, table = import_table(seen, seen.frame, column_types(seen))
    assert "first_seen:datetime" in headers
    written = table[headers.index("first_seen:datetime")].to_pylist()
    assert written == ["2026-04-04T17:47:10.000000Z", "1969-12-31T23:59:59.500000Z", None,
                       "2026-01-01T00:00:00.000001Z"]
