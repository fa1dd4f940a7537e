"""Groups from links held as arrays (``cluster.form_groups``): components as networkx finds
them, a judged-different pair cut at its weakest links, a lone weak bridge between two parts
cut, a huge crowd divided, whatever order the links come in (hand-built links: no pipeline
run, no database)."""

from __future__ import annotations

import json

import networkx as nx
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.resolve.cluster import form_groups
from pipelines.resolve.judgements import AccountJudgements
from pipelines.resolve.scoring import LINK_COLUMNS

THRESHOLD = 0.6
NONE = AccountJudgements(same=[], different=[])


def _links(edges: list[tuple[str, str, float]]) -> pd.DataFrame:
    rows = [(a, b, w, "registrant", json.dumps([{"kind": "registrant", "value": "r",
                                                 "weight": w}])) for a, b, w in edges]
    return pd.DataFrame(rows, columns=LINK_COLUMNS)


def _groups(edges: list[tuple[str, str, float]], judgements: AccountJudgements = NONE,
            max_size: int = 10_000, is_crowd=lambda _: False) -> set[frozenset[str]]:
    groups = form_groups(_links(edges), judgements, THRESHOLD, max_size, is_crowd)
    return {frozenset(g["account_id"]) for _, g in groups.groupby("anchor")}


def _triangle(prefix: str, weight: float = 0.95) -> list[tuple[str, str, float]]:
    return [(f"{prefix}1", f"{prefix}2", weight), (f"{prefix}2", f"{prefix}3", weight),
            (f"{prefix}1", f"{prefix}3", weight)]


TWO_TRIANGLES = {frozenset({"a1", "a2", "a3"}), frozenset({"b1", "b2", "b3"})}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30),
                          st.floats(0.9, 1.0)), max_size=60), st.randoms())
def test_groups_are_the_connected_components_of_the_strong_links(edges, random) -> None:
    """With no weak link, judgement or crowd, a group is a connected component of two
    accounts or more (networkx as the reference), in any order of the links."""
    named = [(f"x{a:02d}", f"x{b:02d}", w) for a, b, w in edges]
    random.shuffle(named)
    reference = nx.Graph()
    reference.add_edges_from((a, b) for a, b, _ in named if a != b)
    expected = {frozenset(c) for c in nx.connected_components(reference) if len(c) >= 2}
    assert _groups(named) == expected
    frame = form_groups(_links(named), NONE, THRESHOLD, 10_000, lambda _: False)
    assert (frame["anchor"] == frame.groupby("anchor")["account_id"].transform("min")).all()
    assert (frame["size"] == frame.groupby("anchor")["account_id"].transform("size")).all()


def test_links_under_the_threshold_join_nothing() -> None:
    assert _groups([*_triangle("a"), ("a1", "b1", 0.5)]) == {frozenset({"a1", "a2", "a3"})}


def test_one_weak_tie_between_two_parts_is_cut_and_a_strong_one_kept() -> None:
    weak = [*_triangle("a"), *_triangle("b"), ("a3", "b1", 0.7)]
    assert _groups(weak) == TWO_TRIANGLES
    strong = [*_triangle("a"), *_triangle("b"), ("a3", "b1", 0.92)]
    assert len(_groups(strong)) == 1
    twice = [*_triangle("a"), *_triangle("b"), ("a3", "b1", 0.7), ("a2", "b2", 0.7)]
    assert len(_groups(twice)) == 1  # tied twice over: one operation


def test_a_weak_tie_to_a_pair_is_kept() -> None:
    """A part below the minimum side (a pair) may hang on one doubtful match."""
    assert len(_groups([*_triangle("a"), ("b1", "b2", 0.95), ("a3", "b1", 0.7)])) == 1


def test_a_pair_linked_twice_keeps_its_last_weight() -> None:
    edges = [*_triangle("a"), *_triangle("b"), ("a3", "b1", 0.95), ("b1", "a3", 0.7)]
    assert _groups(edges) == TWO_TRIANGLES


def test_a_judged_different_pair_is_cut_at_its_weakest_links() -> None:
    edges = [*_triangle("a"), *_triangle("b"), ("a3", "b1", 0.92), ("a2", "b2", 0.91)]
    judged = AccountJudgements(same=[], different=[("a1", "b3")])
    assert _groups(edges, judged) == TWO_TRIANGLES


def test_a_judged_same_pair_joins_and_a_judged_different_link_is_gone() -> None:
    assert _groups(_triangle("a") + _triangle("b"),
                   AccountJudgements(same=[("a1", "b1")], different=[])) == {
        frozenset({"a1", "a2", "a3", "b1", "b2", "b3"})}
    assert _groups([("a1", "a2", 0.95)],
                   AccountJudgements(same=[], different=[("a1", "a2")])) == set()


def test_a_huge_crowd_is_divided_and_a_huge_operation_kept() -> None:
    """Two dense communities tied by a few strong links: one component over the size limit.
    Judged a crowd, Louvain divides it into the communities; judged one operation, it stays."""
    def clique(prefix: str) -> list[tuple[str, str, float]]:
        names = [f"{prefix}{i}" for i in range(6)]
        return [(a, b, 0.95) for i, a in enumerate(names) for b in names[i + 1:]]

    edges = [*clique("a"), *clique("b"), ("a0", "b0", 0.95), ("a1", "b1", 0.95)]
    divided = _groups(edges, max_size=8, is_crowd=lambda _: True)
    assert divided == {frozenset(f"a{i}" for i in range(6)), frozenset(f"b{i}" for i in range(6))}
    assert len(_groups(edges, max_size=8)) == 1
    assert len(_groups(edges, max_size=12, is_crowd=lambda _: True)) == 1
