"""One operation answers to one parent: two operations whose accounts lead to different parents
stay two when only names and weak traits tie them (a common cardholder name and one browser
build joined two campaigns of 70 and 126 accounts of different owners on a zoo world), and are
one when anything stronger does (hand-built links: no pipeline run, no database)."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.resolve.cluster import OperationRule, ParentConflict, form_groups, resting_items
from pipelines.resolve.judgements import AccountJudgements
from pipelines.resolve.scoring import LINK_COLUMNS

THRESHOLD = 0.6
NO_JUDGEMENTS = AccountJudgements(same=[], different=[])
IDENTITY = frozenset({"email", "phone", "payment", "billing"})
SOFT = frozenset({"billing_name", "declared_org", "user_agent", "prepaid_bin", "signup_ip"})


def _link(a: str, b: str, items: list[tuple[str, str, float]]) -> tuple:
    evidence = json.dumps([{"kind": kind, "value": value, "accounts": 10, "weight": weight}
                           for kind, value, weight in items])
    score = 1.0
    for _, _, weight in items:
        score *= 1.0 - weight
    kinds = ",".join(sorted(kind for kind, _, _ in items))
    return (*sorted((a, b)), 1.0 - score, kinds, evidence)


def _operation(prefix: str, n: int) -> list[tuple]:
    """An operation's accounts, each tied to the next through the parent its fronts lead to."""
    return [_link(f"{prefix}{i:03d}", f"{prefix}{i + 1:03d}", [("parent", f"ORG-{prefix}", 0.7)])
            for i in range(n - 1)]


def _parents(**operations: tuple[int, str]) -> pd.DataFrame:
    """(account_id, value): the first ``n`` accounts of each operation reach ``parent``."""
    return pd.DataFrame([(f"{prefix}{i:03d}", parent) for prefix, (n, parent)
                         in operations.items() for i in range(n)],
                        columns=["account_id", "value"])


def _name_and_agent(a: str, b: str) -> tuple:
    """A common cardholder name and one browser build: 0.625, over the threshold together."""
    return _link(a, b, [("billing_name", "lebedev oleg", 0.5), ("user_agent", "23648b", 0.25)])


SOFT_TIES = [_name_and_agent(f"a{i:03d}", f"b{i:03d}") for i in range(5)]


def _anchors(rows: list[tuple], parents: pd.DataFrame | None) -> pd.Series:
    conflict = None if parents is None else ParentConflict(parents, SOFT, 0.5)
    links = pd.DataFrame(rows, columns=LINK_COLUMNS)
    groups = form_groups(links, NO_JUDGEMENTS, THRESHOLD, 10_000, lambda _: False,
                         OperationRule(30, IDENTITY, frozenset(), conflict))
    return groups.set_index("account_id")["anchor"]


def test_two_operations_of_different_parents_tied_by_names_stay_apart() -> None:
    rows = [*_operation("a", 40), *_operation("b", 60), *SOFT_TIES]
    anchors = _anchors(rows, _parents(a=(35, "ORG-A"), b=(50, "ORG-B")))
    assert anchors["a000"] != anchors["b000"]
    assert sorted(anchors.value_counts()) == [40, 60]
    assert _anchors(rows, None).nunique() == 1  # without parents, the names join them


def test_the_same_parent_lets_names_join_two_parts() -> None:
    rows = [*_operation("a", 40), *_operation("b", 60), *SOFT_TIES]
    assert _anchors(rows, _parents(a=(35, "ORG-A"), b=(50, "ORG-A"))).nunique() == 1


def test_a_strong_tie_joins_parts_of_different_parents() -> None:
    """A shared registrant beside the names: the link does not rest on soft kinds alone."""
    strong = _link("a001", "b001", [("billing_name", "lebedev oleg", 0.5),
                                     ("registrant", "admin@front.example", 0.85)])
    rows = [*_operation("a", 40), *_operation("b", 60), *SOFT_TIES, strong]
    assert _anchors(rows, _parents(a=(35, "ORG-A"), b=(50, "ORG-B"))).nunique() == 1


def test_a_small_piece_or_a_part_without_a_lead_parent_is_not_vetoed() -> None:
    """Under 30 accounts, or a part whose accounts reach two parents evenly: no one parent to
    set against the other's."""
    small = [*_operation("a", 40), *_operation("b", 12), *SOFT_TIES]
    assert _anchors(small, _parents(a=(35, "ORG-A"), b=(12, "ORG-B"))).nunique() == 1
    rows = [*_operation("a", 40), *_operation("b", 60), *SOFT_TIES]
    split = pd.concat([_parents(a=(35, "ORG-A"), b=(25, "ORG-B")),
                       pd.DataFrame({"account_id": [f"b{i:03d}" for i in range(25, 50)],
                                     "value": "ORG-C"})])
    assert _anchors(rows, split).nunique() == 1


def test_a_link_is_soft_when_its_other_items_stay_under_the_threshold() -> None:
    items = {
        "name and agent": _name_and_agent("x", "y")[-1],
        "name and registrant": _link("x", "y", [("billing_name", "n", 0.5),
                                                ("registrant", "r", 0.85)])[-1],
        "name and a sliver of payment": _link("x", "y", [("billing_name", "n", 0.5),
                                                         ("declared_org", "d", 0.5),
                                                         ("payment", "p", 0.1)])[-1],
        "parent": _link("x", "y", [("parent", "ORG-A", 0.7)])[-1],
    }
    soft = resting_items([pd.Series(items)], THRESHOLD, sorted(SOFT)).soft
    assert dict(zip(items, soft.tolist(), strict=True)) == {
        "name and agent": True, "name and registrant": False,
        "name and a sliver of payment": True, "parent": False}
    assert not resting_items([pd.Series(items)], THRESHOLD).soft.any()  # no soft kinds named
