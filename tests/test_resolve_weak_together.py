"""Two formed operations holding the same coherent client build and the same coherent card
batch between them are one operator (an operation split by cardholder at campaign level: found
on a full-size zoo world, 448 accounts in four operations of 224, 80, 77 and 67). One kind of
value alone, values mostly held outside operations, a part running them on a handful of
accounts, and pieces do not tie. Hand-built tables: no
pipeline run, no database."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.resolve.together import tied_operations, weak_carriers, weak_together_links

THRESHOLD = 0.6
MIN_GROUP = 8
AGENT = ("user_agent", "ua-build-7")
BIN = ("prepaid_bin", "53122227")
TRAITS = pd.DataFrame([AGENT, BIN], columns=["kind", "value"])


def _units(**operations: int) -> pd.DataFrame:
    """Each operation's accounts (``name000`` …), anchored at its first account."""
    rows = [(f"{name}{i:03d}", f"{name}000", size) for name, size in operations.items()
            for i in range(size)]
    return pd.DataFrame(rows, columns=["account_id", "anchor", "size"])


def _carry(units: pd.DataFrame, operation: str, count: int, *values: tuple[str, str]
           ) -> list[tuple]:
    members = units.loc[units["anchor"] == f"{operation}000", "account_id"].head(count)
    return [(account, kind, value) for account in members for kind, value in values]


def _identifiers(*parts: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([row for part in parts for row in part],
                        columns=["account_id", "kind", "value"])


UNITS = _units(a=60, b=30, c=40)
def _tied(identifiers: pd.DataFrame, units: pd.DataFrame, traits: pd.DataFrame = TRAITS
          ) -> pd.DataFrame:
    return tied_operations(weak_carriers(identifiers, traits), units, MIN_GROUP)


BOTH = _identifiers(_carry(UNITS, "a", 40, AGENT, BIN), _carry(UNITS, "b", 20, AGENT, BIN))


def test_a_client_and_a_card_batch_held_by_two_operations_tie_them() -> None:
    links = weak_together_links(weak_carriers(BOTH, TRAITS), UNITS, MIN_GROUP, THRESHOLD)
    assert len(links) == 20  # each carrier of the smaller operation, to the larger's anchor
    assert set(links["a"]) | set(links["b"]) == {"a000", *[f"b{i:03d}" for i in range(20)]}
    assert (links["score"] == THRESHOLD).all()
    item = json.loads(links["evidence"].iloc[0])[0]
    assert item["kind"] == "weak_together" and item["value"] == "a000"
    assert sorted(item["values"]) == ["prepaid_bin=53122227 (60 accounts)",
                                      "user_agent=ua-build-7 (60 accounts)"]


def test_one_kind_alone_does_not_tie() -> None:
    second_agent = ("user_agent", "ua-build-8")
    traits = pd.DataFrame([AGENT, second_agent], columns=["kind", "value"])
    identifiers = _identifiers(_carry(UNITS, "a", 40, AGENT, second_agent),
                               _carry(UNITS, "b", 20, AGENT, second_agent))
    assert _tied(identifiers, UNITS, traits).empty


def test_values_mostly_held_elsewhere_do_not_tie() -> None:
    """A client and card batch most of whose accounts are outside formed operations are no
    operation's in particular."""
    loose = [(f"x{i:03d}", kind, value) for i in range(80) for kind, value in (AGENT, BIN)]
    identifiers = _identifiers(_carry(UNITS, "a", 20, AGENT, BIN),
                               _carry(UNITS, "b", 10, AGENT, BIN), loose)
    assert _tied(identifiers, UNITS, TRAITS).empty


def test_values_that_are_no_operators_do_not_tie() -> None:
    assert _tied(BOTH, UNITS, TRAITS.iloc[0:0]).empty


def test_pieces_are_left_to_the_piece_rules() -> None:
    units = _units(a=60, p=8)
    identifiers = _identifiers(_carry(units, "a", 40, AGENT, BIN),
                               _carry(units, "p", 8, AGENT, BIN))
    assert _tied(identifiers, units, TRAITS).empty


def test_an_operation_split_in_several_ties_every_part_that_runs_its_values() -> None:
    units = _units(a=60, b=30, c=40, d=25)
    identifiers = _identifiers(*(_carry(units, name, 20, AGENT, BIN) for name in "abcd"))
    tied = _tied(identifiers, units, TRAITS)
    pairs = set(zip(tied["larger"], tied["smaller"], strict=True))
    assert pairs == {("a000", "c000"), ("a000", "b000"), ("a000", "d000"), ("c000", "b000"),
                     ("c000", "d000"), ("b000", "d000")}


def test_a_part_running_the_values_on_fewer_accounts_than_a_group_is_not_tied() -> None:
    """A handful of accounts cannot show an operator's habit: seven carriers in an operation
    of thirty tie it to nothing."""
    identifiers = _identifiers(_carry(UNITS, "a", 40, AGENT, BIN),
                               _carry(UNITS, "b", MIN_GROUP - 1, AGENT, BIN))
    assert _tied(identifiers, UNITS, TRAITS).empty
