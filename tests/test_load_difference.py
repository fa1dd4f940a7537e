"""The loader's difference against its manifest, without a server: which rows are written (and
whether as new), which are deleted, and the shortcuts it takes on large tables (a table with no
repeated key is not copied; the manifest's keys are read only for rows to delete)."""

import numpy as np
import pandas as pd

from pipelines.load.delta import Manifest, difference, distinct, matched, relationship_element
from pipelines.load.identity_graph import strongest_links


def _used_ip(rows: list[tuple[str, str, int]]):
    frame = pd.DataFrame(rows, columns=["account_id", "source_ip", "requests"])
    return relationship_element("USED_IP", frame, "account_id", "source_ip", ["requests"])


def test_distinct_keeps_the_first_row_of_each_key_and_leaves_a_table_without_repeats_as_is():
    frame = pd.DataFrame({"a": ["x", "y", "x", "z"], "b": ["1", "1", "1", "1"], "n": [1, 2, 3, 4]})
    assert distinct(frame, ["a", "b"])["n"].tolist() == [1, 2, 4]
    unique = frame.iloc[[0, 1, 3]]
    assert distinct(unique, ["a", "b"]) is unique
    categorical = frame.astype({"a": "category", "b": "category"})
    assert distinct(categorical, ["a", "b"])["n"].tolist() == [1, 2, 4]


def test_elements_drop_rows_missing_a_key_and_repeated_keys():
    frame = pd.DataFrame({"account_id": ["a1", None, "a1", "a2"],
                          "source_ip": ["10.0.0.1", "10.0.0.1", "10.0.0.1", None],
                          "requests": [1, 2, 3, 4]})
    element = relationship_element("USED_IP", frame, "account_id", "source_ip", ["requests"])
    assert element.frame.to_dict("records") == [
        {"_source": "a1", "_target": "10.0.0.1", "requests": 1}]


def test_matched_finds_each_current_id_and_the_previous_ones_gone():
    previous = np.array([10, 20, 30, 40], dtype=np.uint64)
    current = np.array([30, 50, 10], dtype=np.uint64)
    position, gone = matched(previous, current)
    assert position.tolist() == [2, -1, 0]
    assert gone.tolist() == [False, True, False, True]


def test_matched_with_a_repeated_previous_id_takes_its_first_occurrence():
    previous = np.array([10, 20, 10, 40], dtype=np.uint64)
    position, gone = matched(previous, np.array([10, 50], dtype=np.uint64))
    assert position.tolist() == [0, -1]
    assert gone.tolist() == [False, True, False, True]


def test_difference_writes_changed_and_new_rows_and_deletes_the_rows_gone(tmp_path):
    manifest = Manifest(tmp_path / "graph")
    manifest.reset(None)
    yesterday = _used_ip([("a1", "10.0.0.1", 3), ("a2", "10.0.0.2", 4), ("a3", "10.0.0.3", 5)])
    first = difference(yesterday, manifest)
    assert len(first.changed) == 3 and first.new.all() and first.removed.empty
    manifest.save("USED_IP", first.current)

    today = _used_ip([("a1", "10.0.0.1", 3), ("a2", "10.0.0.2", 9), ("a4", "10.0.0.4", 1)])
    delta = difference(today, manifest)
    assert delta.changed[["_source", "requests"]].values.tolist() == [["a2", 9], ["a4", 1]]
    assert delta.new.tolist() == [False, True]
    assert delta.removed.values.tolist() == [["a3", "10.0.0.3"]]

    manifest.save("USED_IP", delta.current)
    assert len(difference(today, manifest)) == 0


def test_the_graph_keeps_the_strongest_link_of_each_pair_above_the_threshold():
    links = pd.DataFrame({"a": ["x", "x", "y", "z", "x"], "b": ["y", "y", "z", "w", "y"],
                          "score": [0.6, 0.9, 0.7, 0.3, 0.9],
                          "evidence": ["weak", "strong", "only", "below", "tie, later"]})
    kept = strongest_links(links, 0.5)
    assert kept[["a", "b", "evidence"]].values.tolist() == [["x", "y", "strong"],
                                                            ["y", "z", "only"]]
    unique = links.iloc[[1, 2]]
    assert strongest_links(unique, 0.5) is unique  # nothing to drop: not copied
