"""At campaign level, a value too widely shared to be linked pair by pair is linked as a star
(each member to the group's first member). The rule that cuts a lone weak tie between two parts
of three accounts or more must count the star as the pairs it stands for: a piece of three
whose one account uses the front's mail domain joins the operation, as it would if the group
were small enough to be linked pair by pair (found on a held-out zoo world: five pieces of three
accounts cut off a 163-account operation, whenever the star's first member was itself in a
piece of three). A plain weak tie is still cut. Hand-built links: no pipeline run, no
database."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.resolve.cluster import OperationRule, form_groups, resting_items
from pipelines.resolve.judgements import AccountJudgements
from pipelines.resolve.scoring import LINK_COLUMNS

THRESHOLD = 0.6
WEAK = 0.85  # over the threshold, under the strength that lets one tie join two parts alone
OPERATIONS = OperationRule(30, frozenset({"email", "phone", "payment", "billing"}))
REGISTRANT = "admin@front.example"


def _item(kind: str, value: str, accounts: int, weight: float, via: bool) -> dict:
    return {"kind": kind, "value": value, "accounts": accounts, "weight": weight,
            **({"coherence": 0.6, "via": "group"} if via else {})}


def _link(a: str, b: str, *items: dict) -> tuple:
    score = 1.0
    for item in items:
        score *= 1.0 - item["weight"]
    kinds = ",".join(item["kind"] for item in items)
    return (*sorted((a, b)), round(1.0 - score, 6), kinds, json.dumps(list(items)))


def _star(members: list[str], accounts: int, weight: float = WEAK) -> list[tuple]:
    """Each member linked to the first through the registrant group of ``accounts``."""
    item = _item("registrant", REGISTRANT, accounts, weight, via=True)
    return [_link(members[0], member, item) for member in members[1:]]


def _triples(names: list[str]) -> list[tuple]:
    """Each run of three accounts tied strongly by its own phone: pieces of three."""
    rows = []
    for start in range(0, len(names), 3):
        phone = _item("phone", f"+65314{start:05d}", 3, 0.95, via=False)
        first, *rest = names[start:start + 3]
        rows += [_link(first, other, phone) for other in rest]
    return rows


PIECE = ["p000", "p001", "p002"]
PIECE_LINKS = _triples(PIECE)
OPERATION = [f"a{i:03d}" for i in range(39)]  # thirteen pieces of three, one registrant
OPERATION_LINKS = _triples(OPERATION)


def _groups(rows: list[tuple]) -> pd.Series:
    links = pd.DataFrame(rows, columns=LINK_COLUMNS)
    groups = form_groups(links, AccountJudgements(same=[], different=[]), THRESHOLD, 10_000,
                         lambda _: False, OPERATIONS)
    return groups.set_index("account_id")["anchor"]


def test_a_piece_of_three_joins_the_operation_through_one_member_of_its_group() -> None:
    anchors = _groups([*_star([*OPERATION, "p000"], accounts=40), *OPERATION_LINKS,
                       *PIECE_LINKS])
    assert anchors.nunique() == 1 and len(anchors) == 42


def test_a_lone_weak_pairwise_tie_still_leaves_the_piece_apart() -> None:
    tie = _link("a004", "p000", _item("billing_name", "wen li", 2, WEAK, via=False))
    anchors = _groups([*_star(OPERATION, accounts=39), *OPERATION_LINKS, *PIECE_LINKS, tie])
    assert sorted(anchors.value_counts()) == [3, 39]


def test_a_star_of_two_accounts_is_one_tie() -> None:
    """Two accounts sharing a value are one pair: one weak tie, cut as before."""
    rows = [*_star(OPERATION, accounts=39), *OPERATION_LINKS, *PIECE_LINKS,
            _link("a004", "p000", _item("registrant", "admin@other.example", 2, WEAK, via=True))]
    assert sorted(_groups(rows).value_counts()) == [3, 39]


def test_a_group_too_weak_alone_does_not_count_as_its_pairs() -> None:
    """Beside other evidence a weak group can make a link strong, but its other members'
    links are not strong: the star stands for no strong pairs."""
    weak_group = _item("registrant", "admin@weak.example", 60, 0.4, via=True)
    name = _item("billing_name", "wen li", 2, 0.5, via=False)
    rows = [*_star(OPERATION, accounts=39), *OPERATION_LINKS, *PIECE_LINKS,
            _link("a004", "p000", weak_group, name)]
    assert sorted(_groups(rows).value_counts()) == [3, 39]


def test_only_strong_group_items_of_three_or_more_accounts_mark_a_star() -> None:
    links = pd.Series([
        json.dumps([_item("registrant", REGISTRANT, 41, WEAK, via=True)]),
        json.dumps([_item("registrant", REGISTRANT, 2, WEAK, via=True)]),
        json.dumps([_item("registrant", REGISTRANT, 41, 0.4, via=True)]),
        json.dumps([_item("registrant", REGISTRANT, 41, WEAK, via=False)]),
        json.dumps([_item("phone", "+6531432325", 2, 0.5, via=False),
                    _item("coactivity", "sig-1", 300, 0.7, via=True)]),
    ])
    assert resting_items([links], THRESHOLD).grouped.tolist() == [True, False, False, False, True]
