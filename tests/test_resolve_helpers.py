"""The resolver's fast helpers give exactly what the plain pandas or json call they replace
gives: the evidence JSON is read back by explanations, and the lists' order and the MinHash
minima decide which pairs are compared."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipelines.attribute.features import synchronised_activity
from pipelines.resolve.attach import BUCKETS_PER_DAY, attachment_links, hot_buckets
from pipelines.resolve.blocking import group_stars
from pipelines.resolve.coactivity import _mix, _salts, signatures
from pipelines.resolve.fuzzy import _lists_by
from pipelines.resolve.profiles import _peak_hour
from pipelines.resolve.scoring import EVIDENCE_COLUMNS, score_links
from pipelines.resolve.weights import DEFAULT_WEIGHTS

SEED = 20261129


PIECES = [
    ("ip", "203.0.113.7", 3, 0.35, 0.0),
    ("billing_fuzzy", 'Zoë "K" \\ back\n\ttab \x01\x1f\x0b 東京 ≈ x\u2028', np.int64(12),
     np.float64(0.1 + 0.2), 0.8123),
    ("name", "", 0, 1e-20, float("nan")),
    ("name", "b", 5, 0.999999999, 1e300),
    ("name", "b", 5, float("inf"), float("-inf")),
    ("phone", "+6531432325", 2, 1.5e-05, float("inf")),
]


@pytest.mark.parametrize("piece", PIECES)
def test_evidence_json_is_what_json_dumps_writes(piece: tuple) -> None:
    kind, value, accounts, weight, coherence = piece
    item = {"kind": kind, "value": value, "accounts": int(accounts), "weight": float(weight)}
    if coherence > 0:
        item["coherence"] = float(coherence)
    evidence = pd.DataFrame([("a1", "a2", *piece)], columns=EVIDENCE_COLUMNS)
    written = score_links(evidence)["evidence"].iloc[0]
    assert written == "[" + json.dumps(item, ensure_ascii=False) + "]"
    assert json.loads(written)[0]["value"] == value


def test_each_pairs_evidence_is_strongest_first_and_its_score_the_noisy_or() -> None:
    rows = [("a", "b", kind, f"v{n}", 2, weight, 0.0) for n, (kind, weight) in enumerate(
        [("ip", 0.3), ("phone", 0.9), ("ip", 0.3), ("email", 0.0), ("coactivity", 0.5)])]
    rows.append(("a", "c", "ip", "v9", 2, 0.2, 0.0))
    links = score_links(pd.DataFrame(rows, columns=EVIDENCE_COLUMNS))
    assert links[["a", "b"]].values.tolist() == [["a", "b"], ["a", "c"]]
    first = links.iloc[0]
    assert [i["value"] for i in json.loads(first["evidence"])] == ["v1", "v4", "v0", "v2"]
    assert first["kinds"] == "coactivity,ip,ip,phone"
    assert first["score"] == round(1 - 0.7 * 0.1 * 0.7 * 0.5, 4)


def test_lists_by_label_keep_the_order_of_a_groupby() -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    labels = pd.Series(rng.integers(0, 50, 2_000))
    values = pd.Series([f"k{v}" for v in rng.integers(0, 300, 2_000)], dtype=object)
    expected = values.groupby(labels.to_numpy()).agg(list)
    assert _lists_by(labels, values).to_dict() == expected.to_dict()
    assert _lists_by(labels.iloc[:0], values.iloc[:0]).empty


def test_signatures_are_the_minimum_hash_per_account() -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    minutes = rng.integers(29_000_000, 29_100_000, 5_000) // 10 * 10
    buckets = pd.DataFrame({
        "account_id": [f"A{n:03d}" for n in rng.integers(0, 120, 5_000)],
        "bucket": pd.to_datetime(minutes * 60, unit="s", utc=True)})
    found = signatures(buckets, min_buckets=30)
    counts = buckets["account_id"].value_counts()
    active = buckets[buckets["account_id"].isin(counts[counts >= 30].index)]
    values = (active["bucket"].dt.as_unit("s").astype("int64") // 60).to_numpy(dtype=np.uint64)
    for i, salt in enumerate(_salts(17)):
        expected = pd.Series(_mix(values ^ salt)).groupby(active["account_id"].to_numpy()).min()
        assert found[f"h{i}"].to_dict() == expected.to_dict()
    assert list(found.index) == sorted(found.index)


def test_peak_hour_is_the_busiest_hour_the_earliest_on_a_tie() -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    buckets = pd.DataFrame({
        "account_id": pd.Series([f"A{n:03d}" for n in rng.integers(0, 80, 3_000)], dtype="str"),
        "bucket": pd.to_datetime(rng.integers(0, 3 * 86_400, 3_000) // 600 * 600, unit="s",
                                 utc=True)})
    counts = buckets.assign(hour=buckets["bucket"].dt.hour).value_counts(
        ["account_id", "hour"]).rename("n").reset_index()
    best = counts.sort_values(["account_id", "n", "hour"], ascending=[True, False, True])
    expected = best.drop_duplicates("account_id").set_index("account_id")["hour"]
    assert _peak_hour(buckets).to_dict() == {a: f"h{h:02d}" for a, h in expected.items()}
    # A row without an account or a bucket counts for no one; an account with no known
    # bucket has no peak (not hour 0).
    odd = pd.DataFrame({"account_id": pd.Series(["Z1", None, "Z2", "Z2"], dtype="str"),
                        "bucket": pd.to_datetime([None, 3_600, 7_200, 7_800], unit="s",
                                                 utc=True)})
    assert _peak_hour(odd).to_dict() == {"Z2": "h02"}
    assert signatures(odd.dropna(subset=["bucket"]), min_buckets=1).index.tolist() == ["Z2"]


def _scheduled_buckets(rng: np.random.Generator, members: dict[str, int]) -> pd.DataFrame:
    """Bucket rows of accounts: those of a cluster fire in its few scheduled minutes."""
    rows = []
    for account, slot in members.items():  # slot -1: forty buckets at random over 3 days
        starts = rng.choice(3 * 144, 40, replace=False) if slot < 0 else (
            np.arange(3) * 144 + slot)
        rows += [(account, int(s) * 600) for s in starts]
    frame = pd.DataFrame(rows, columns=["account_id", "bucket"])
    frame["account_id"] = frame["account_id"].astype("str")
    frame["bucket"] = pd.to_datetime(frame["bucket"], unit="s", utc=True)
    return frame.drop_duplicates(ignore_index=True)


def test_hot_buckets_are_where_several_members_of_a_big_cluster_are_active() -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    members = {f"C{i:02d}": int(rng.integers(0, 2)) * 7 for i in range(24)}
    members.update({"C24": 50, "C25": 50})  # two members alike: not enough to make a bucket hot
    members.update({f"L{i:02d}": -1 for i in range(30)})
    buckets = _scheduled_buckets(rng, members)
    clusters = pd.DataFrame({"account_id": [a for a in members if a.startswith("C")],
                             "cluster_id": "K1", "size": 26})
    hot, density = hot_buckets(clusters, buckets, min_cluster=10)
    active = buckets.merge(clusters, on="account_id")
    per_bucket = active.groupby("bucket")["account_id"].nunique()
    assert sorted(hot["bucket"]) == sorted(per_bucket[per_bucket >= 3].index)
    days = active["bucket"].dt.floor("D").nunique()
    assert density.to_dict() == {"K1": len(hot) / (days * BUCKETS_PER_DAY)}
    # No cluster of ten: nothing is hot, and attribution's schedule feature is 0, no error.
    small = clusters.head(5).assign(size=5)
    hot, density = hot_buckets(small, buckets, min_cluster=10)
    assert hot.empty and density.empty
    groups = small.rename(columns={"cluster_id": "group_id"})[["account_id", "group_id"]]
    assert synchronised_activity(groups, buckets).to_dict() == {"K1": 0.0}


def test_registry_names_match_through_a_typo_in_a_one_word_name() -> None:
    from pipelines.normalise.names import org_name_key
    from pipelines.resolve.orgs import match_names

    registry = pd.DataFrame({"org_id": ["ORG-1", "ORG-1", "ORG-2", "ORG-3"],
                             "name": ["Quellrun Finance LLC", "QUELLRUN", "Tarvenko Systems SARL",
                                      "Quellbrook Trading Ltd"]})
    registry["name_key"] = registry["name"].map(org_name_key)
    keys = pd.Series([org_name_key(n) for n in ("QUELLRRUN", "Tarvenco Systems", "Quellmarsh")])
    found = dict(zip(*match_names(keys, registry[["name_key", "org_id"]])[["name_key", "org_id"]]
                     .T.to_numpy(), strict=True))
    assert found == {org_name_key("QUELLRRUN"): "ORG-1",
                     org_name_key("Tarvenco Systems"): "ORG-2"}


def test_a_typo_as_close_to_two_companies_names_neither() -> None:
    from pipelines.normalise.names import org_name_key
    from pipelines.resolve.orgs import OrganisationMatcher, match_names

    # "Ningjing" typed "Ninging" is one letter from a holding company of another group too.
    registry = pd.DataFrame({"org_id": ["ORG-1", "ORG-1", "ORG-2"],
                             "name": ["Ningjing Analytics Ltd", "NINGJING",
                                      "Ningding Holdings Limited"]})
    registry["name_key"] = registry["name"].map(org_name_key)
    typo = org_name_key("NINGING")
    assert OrganisationMatcher(registry).candidates(typo)[0] == ["ORG-1", "ORG-2"]
    assert match_names(pd.Series([typo]), registry).empty
    # One letter further from the other name: the nearer company is named.
    found = match_names(pd.Series([org_name_key("NINGJNG")]), registry)
    assert found["org_id"].tolist() == ["ORG-1"]


def test_a_parent_few_of_a_cluster_reach_ties_it_to_no_one() -> None:
    from pipelines.resolve.pipeline import without_stray_parents

    # C1: 40 accounts; 38 reach P-A, 2 (a typo the matcher took for another company) P-B.
    # C2: 40 accounts split 20/20 between two parents: no leading parent, both kept.
    # A3 is in no cluster: its parent stays.
    c1 = [f"C1-{i:02d}" for i in range(40)]
    c2 = [f"C2-{i:02d}" for i in range(40)]
    clusters = pd.DataFrame({"account_id": c1 + c2, "anchor": [c1[0]] * 40 + [c2[0]] * 40,
                             "size": 40})
    parents = pd.DataFrame({"account_id": [*c1, *c2, "A3"],
                            "value": ["P-A"] * 38 + ["P-B"] * 2 + ["P-C"] * 20 + ["P-D"] * 20
                            + ["P-B"]}).assign(kind="parent")
    kept = without_stray_parents(parents, clusters)
    assert not ((kept["account_id"].isin(c1[38:])) & (kept["value"] == "P-B")).any()
    assert kept.groupby("value").size().to_dict() == {"P-A": 38, "P-B": 1, "P-C": 20,
                                                      "P-D": 20}
    # Were the clusters of 100 accounts (most reaching no parent), no parent would lead.
    assert len(without_stray_parents(parents, clusters.assign(size=100))) == len(parents)


def test_links_keep_arrow_strings_whoever_made_them_even_when_empty() -> None:
    """Every maker of links returns the same column types, empty or not: a table of object
    columns (an empty one too) concatenated with the scored links turns each of their millions
    of strings into a Python object."""
    evidence = pd.DataFrame([("a1", "a2", "phone", "+6531432325", 2, 0.9, 0.0)],
                            columns=EVIDENCE_COLUMNS)
    scored = score_links(evidence)
    no_groups = pd.DataFrame({"kind": ["phone"], "value": ["+6531432325"], "accounts": [2],
                              "weight": [0.9], "coherence": [0.0]})
    identifiers = pd.DataFrame({"account_id": ["a1", "a2"], "kind": "phone",
                                "value": "+6531432325"})
    made = {
        "no evidence": score_links(evidence.iloc[0:0]),
        "no large group": group_stars(identifiers, no_groups, limit=10, threshold=0.5),
        "no activity": attachment_links(
            pd.DataFrame({"account_id": ["a1"], "anchor": ["a1"], "size": [12],
                          "cluster_id": ["a1"]}),
            pd.DataFrame(columns=["account_id", "bucket", "requests"]), {}, DEFAULT_WEIGHTS),
        "a large group": group_stars(identifiers, no_groups.assign(accounts=50), limit=10,
                                     threshold=0.5),
    }
    assert len(made["a large group"]) == 1
    for name, links in made.items():
        joined = pd.concat([scored, links], ignore_index=True)
        assert joined.dtypes.to_dict() == scored.dtypes.to_dict(), name
    assert str(scored["evidence"].dtype) == "str" and scored["score"].dtype == "float64"
