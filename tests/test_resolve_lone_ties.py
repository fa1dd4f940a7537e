"""Two operations tied through one identifier alone stay two at campaign level (a recycled phone
number on one account of each, found on a full-size zoo world: 3,001 and 1,199 accounts merged
through it); tied through two different identifiers they are one, and a small piece still joins
an operation on one shared phone (hand-built links: no pipeline run, no database)."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.resolve.cluster import OperationRule, form_groups, resting_items
from pipelines.resolve.judgements import AccountJudgements
from pipelines.resolve.scoring import EVIDENCE_COLUMNS, LINK_COLUMNS, score_links

THRESHOLD = 0.6
NO_JUDGEMENTS = AccountJudgements(same=[], different=[])
PHONE = "+6531432325"
OPERATIONS = OperationRule(30, frozenset({"email", "phone", "payment", "billing"}))


def _link(a: str, b: str, kind: str, value: str, score: float = 0.9) -> tuple:
    evidence = json.dumps([{"kind": kind, "value": value, "accounts": 2, "weight": score}])
    return (*sorted((a, b)), score, kind, evidence)


def _operation(prefix: str, n: int) -> list[tuple]:
    """An operation's accounts, each tied to the next through its front's registrant."""
    front = f"admin@{prefix}.example"
    return [_link(f"{prefix}{i:03d}", f"{prefix}{i + 1:03d}", "registrant", front)
            for i in range(n - 1)]


PHONE_TIES = [_link("a007", "b031", "phone", PHONE), _link("a008", "b031", "phone", PHONE)]


def _groups(rows: list[tuple], operations: OperationRule | None = OPERATIONS,
            judgements: AccountJudgements = NO_JUDGEMENTS) -> pd.Series:
    links = pd.DataFrame(rows, columns=LINK_COLUMNS)
    groups = form_groups(links, judgements, THRESHOLD, 10_000, lambda _: False, operations)
    return groups.set_index("account_id")["anchor"]


def test_two_operations_on_one_shared_phone_stay_apart() -> None:
    rows = [*_operation("a", 40), *_operation("b", 40), *PHONE_TIES]
    anchors = _groups(rows)
    assert anchors["a000"] != anchors["b000"]
    assert (anchors.value_counts() == 40).all()
    assert _groups(rows, operations=None).nunique() == 1  # the cluster level keeps the link


def test_two_operations_tied_through_two_identifiers_are_one() -> None:
    rows = [*_operation("a", 40), *_operation("b", 40), PHONE_TIES[0],
            _link("a020", "b002", "payment", "fp_shared_card")]
    assert _groups(rows).nunique() == 1


def test_a_small_piece_joins_an_operation_on_one_phone() -> None:
    rows = [*_operation("a", 40), *_operation("p", 3), _link("a007", "p001", "phone", PHONE)]
    anchors = _groups(rows)
    assert anchors["p000"] == anchors["a000"] and anchors.nunique() == 1


def test_a_tie_resting_on_more_than_the_identifier_joins() -> None:
    """The phone pair is also tied by the operators' shared registrant: not one value alone."""
    rows = [*_operation("a", 40), *_operation("b", 40), PHONE_TIES[0],
            _link("a007", "b031", "registrant", "admin@both.example")]
    assert _groups(rows).nunique() == 1


def test_a_tie_judged_the_same_by_an_analyst_joins() -> None:
    rows = [*_operation("a", 40), *_operation("b", 40), *PHONE_TIES]
    assert _groups(rows, judgements=AccountJudgements(same=[("a007", "b031")], different=[])
                   ).nunique() == 1


def test_kinds_outside_the_rule_are_not_lone_identifiers() -> None:
    rows = [*_operation("a", 40), *_operation("b", 40), _link("a007", "b031", "parent", "ORG-9")]
    assert _groups(rows).nunique() == 1


def _front(a: str, b: str, name: str) -> tuple:
    """A link resting on a declared name, with a common browser's sliver of weight beside it."""
    evidence = json.dumps([{"kind": "declared_org", "value": name, "accounts": 53, "weight": 0.6},
                           {"kind": "user_agent", "value": "9ae9", "accounts": 432,
                            "weight": 0.0004}])
    return (*sorted((a, b)), 0.6002, "declared_org,user_agent", evidence)


NAME_TIES = [_front(f"a{i:03d}", f"b{j:03d}", "chenning") for i in range(5) for j in range(3)]


def test_two_operations_on_a_name_the_registry_gives_two_owners_stay_apart() -> None:
    """Many accounts of two operations tied through one ambiguous name are still one value."""
    rows = [*_operation("a", 40), *_operation("b", 40), *NAME_TIES]
    rule = OperationRule(30, OPERATIONS.identity_kinds, frozenset({"declared_org=chenning"}))
    anchors = _groups(rows, rule)
    assert anchors["a000"] != anchors["b000"] and (anchors.value_counts() == 40).all()


def test_a_name_of_one_owner_ties_two_parts_into_one_operation() -> None:
    rows = [*_operation("a", 40), *_operation("b", 40), *NAME_TIES]
    assert _groups(rows).nunique() == 1  # a front's name, not an ambiguous one


def test_a_phone_beside_a_sliver_of_other_evidence_is_still_one_identifier() -> None:
    phone = json.dumps([{"kind": "phone", "value": PHONE, "accounts": 2, "weight": 0.9},
                        {"kind": "user_agent", "value": "9ae9", "accounts": 432,
                         "weight": 0.0004}])
    rows = [*_operation("a", 40), *_operation("b", 40),
            ("a007", "b031", 0.9, "phone,user_agent", phone)]
    assert _groups(rows).nunique() == 2


def test_the_value_a_link_rests_on_is_read_however_its_json_was_written() -> None:
    """Escaped or not, the item a link rests on is found and judged the rule's; an item the
    rule does not name, or a link resting on no one item, is not."""
    def written(kind: str, value: str, accounts: int, weight: float, coherence: float) -> str:
        piece = pd.DataFrame([("x", "y", kind, value, accounts, weight, coherence)],
                             columns=EVIDENCE_COLUMNS)
        return score_links(piece)["evidence"].iloc[0]

    rule = OperationRule(30, frozenset({"phone"}), frozenset({"declared_org=东岭科技"}))
    both = json.dumps([{"kind": "phone", "value": PHONE, "weight": 0.7},
                       {"kind": "declared_org", "value": "东岭科技", "weight": 0.7}])
    items = {
        "escaped name": json.dumps([{"kind": "declared_org", "value": "东岭科技", "weight": 0.6}]),
        "raw name": written("declared_org", "东岭科技", 40, 0.6, 0.5),
        "phone": written("phone", PHONE, 2, 0.9, 0.0),
        "other name": written("declared_org", "东岭物流", 40, 0.6, 0.5),
        "registrant": _operation("q", 2)[0][-1],
        "two strong items": both,
    }
    resting = resting_items([pd.Series(items)], THRESHOLD)
    counted = dict(zip(items, resting.counted(rule) >= 0, strict=True))
    assert counted == {"escaped name": True, "raw name": True, "phone": True,
                       "other name": False, "registrant": False, "two strong items": False}
    numbers = dict(zip(items, resting.item, strict=True))
    assert numbers["escaped name"] == numbers["raw name"]  # one value, however written
    assert numbers["two strong items"] == -1  # either item alone still makes the link
