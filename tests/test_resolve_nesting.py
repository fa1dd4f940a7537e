"""A piece whose whole operator-level footprint lies inside a larger operation's joins it, on two
sources or on two of the operation's names borne by two of its accounts; a namesake, a
colleague paying in their own name, or a piece carrying a front of its own does not
(hand-built frames: no pipeline run, no database)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from pipelines.resolve.groups import value_groups
from pipelines.resolve.nesting import nested_links, operator_like_traits
from pipelines.resolve.weights import DEFAULT_WEIGHTS, CoherenceRules

THRESHOLD = 0.6


def _identifiers(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "kind", "value"])


def _operator(identifiers: pd.DataFrame) -> pd.DataFrame:
    """Every shared value weighs something (a crowd's would be absent)."""
    sizes = identifiers.groupby(["kind", "value"]).size().rename("accounts").reset_index()
    return sizes[sizes["accounts"] >= 2].assign(coherence=0.37, weight=0.2)


def _world() -> tuple[pd.DataFrame, pd.DataFrame]:
    host = [f"h{i}" for i in range(5)]
    rows = [(a, "declared_org", "jadeloft software") for a in host]
    rows += [(a, "parent", "ORG-P") for a in host]
    rows += [("h0", "billing_name", "vera lind"), ("h1", "billing_name", "vera lind"),
             ("h2", "billing_name", "otto brand"), ("h3", "billing_name", "otto brand")]
    # The operation's piece: its front on one account, one of its names on the other.
    rows += [("p1", "declared_org", "jadeloft software"), ("p1", "parent", "ORG-P"),
             ("p2", "billing_name", "otto brand")]
    # A namesake: one of the names, nothing else (one source).
    rows += [("x1", "billing_name", "vera lind")]
    # A colleague of a real company that shares the front's name, paying in their own name.
    rows += [("y1", "declared_org", "jadeloft software"), ("y1", "billing_name", "ines moll"),
             ("z1", "billing_name", "ines moll")]
    # A second operation's piece: the same common name, but a front of its own.
    rows += [("q1", "declared_org", "corvid trading"), ("q1", "billing_name", "otto brand"),
             ("q2", "declared_org", "corvid trading")]
    units = pd.DataFrame({"account_id": [*host, "p1", "p2"],
                          "anchor": ["h0"] * 5 + ["p1", "p1"]})
    units["size"] = units.groupby("anchor")["account_id"].transform("size")
    return _identifiers(rows), units


def test_a_piece_carrying_only_the_operations_values_joins_it() -> None:
    identifiers, units = _world()
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert set(zip(links["a"], links["b"], strict=True)) == {("h0", "p1"), ("h0", "p2")}
    assert (links["score"] == THRESHOLD).all()
    assert (links["kinds"] == "nested").all()
    assert "declared_org: jadeloft software" in links["evidence"].iloc[0]


def test_a_value_only_the_piece_carries_neither_ties_nor_holds_it() -> None:
    # The piece's two accounts also declared a typo of the front that no one else wrote.
    identifiers, units = _world()
    typo = _identifiers([("p1", "declared_org", "jadelof software"),
                         ("p2", "declared_org", "jadelof software")])
    identifiers = pd.concat([identifiers, typo], ignore_index=True)
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert set(links["b"]) == {"p1", "p2"}


def test_a_piece_with_an_identity_of_its_own_is_an_operation_not_a_piece() -> None:
    # Three accounts of the piece go by a front no one else declares: a second operation that
    # happens to share the first one's values, not a part of it.
    identifiers, units = _world()
    units = pd.concat([units, pd.DataFrame({"account_id": ["p3"], "anchor": [units.loc[
        units["account_id"] == "p1", "anchor"].iloc[0]]})], ignore_index=True)
    units["size"] = units.groupby("anchor")["account_id"].transform("size")
    own = _identifiers([(a, "declared_org", "birchmoor analytics") for a in ("p1", "p2", "p3")])
    identifiers = pd.concat([identifiers, own], ignore_index=True)
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert links.empty


def test_an_operation_with_an_identity_of_its_own_still_hosts_pieces() -> None:
    # The host's own front, declared by three of its accounts and no one else, makes it an
    # operation: it must not nest anywhere, but its pieces still join it.
    identifiers, units = _world()
    own = _identifiers([(a, "declared_org", "birchmoor analytics") for a in ("h0", "h1", "h2")])
    identifiers = pd.concat([identifiers, own], ignore_index=True)
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert set(zip(links["a"], links["b"], strict=True)) == {("h0", "p1"), ("h0", "p2")}


def test_a_value_shared_outside_the_host_holds_the_piece_back() -> None:
    # The same typo, written by a loose account too: the piece shares it with someone the
    # operation does not hold.
    identifiers, units = _world()
    typo = _identifiers([("p1", "declared_org", "jadelof software"),
                         ("w1", "declared_org", "jadelof software")])
    identifiers = pd.concat([identifiers, typo], ignore_index=True)
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert links.empty


def _with_piece(identifiers: pd.DataFrame, units: pd.DataFrame,
                rows: list[tuple[str, str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The world with one more piece: the accounts of ``rows``, one unit anchored at the first."""
    accounts = list(dict.fromkeys(a for a, _, _ in rows))
    units = pd.concat([units, pd.DataFrame({"account_id": accounts, "anchor": accounts[0]})],
                      ignore_index=True)
    units["size"] = units.groupby("anchor")["account_id"].transform("size")
    return pd.concat([identifiers, _identifiers(rows)], ignore_index=True), units


def test_two_accounts_bearing_two_of_the_operations_names_join_it_on_one_source() -> None:
    # Three accounts on one phone, two of them paying under another of the operation's
    # cardholder names each: one source, but two names on two accounts are no coincidence.
    identifiers, units = _with_piece(*_world(), [("r1", "billing_name", "vera lind"),
                                                 ("r2", "billing_name", "otto brand"),
                                                 ("r3", "phone", "+33600000001")])
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert {"r1", "r2", "r3"} <= set(links["b"])
    assert "billing_name: otto brand" in links.loc[links["b"] == "r1", "evidence"].iloc[0]


def test_names_alone_choose_no_host_when_another_operation_bears_one_of_them() -> None:
    # A second formed operation (more than a piece) that also pays under "otto brand": two
    # operations drawing common names from one culture; names alone cannot say whose piece it is.
    identifiers, units = _with_piece(*_world(), [("r1", "billing_name", "vera lind"),
                                                 ("r2", "billing_name", "otto brand"),
                                                 ("r3", "phone", "+33600000001")])
    rival = [f"k{i}" for i in range(12)]
    identifiers = pd.concat([identifiers, _identifiers(
        [(a, "billing_name", "otto brand") for a in rival[:2]]
        + [(a, "declared_org", "corvid trading") for a in rival])], ignore_index=True)
    units = pd.concat([units, pd.DataFrame({"account_id": rival, "anchor": "k0"})],
                      ignore_index=True)
    units["size"] = units.groupby("anchor")["account_id"].transform("size")
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert not set(links["b"]) & {"r1", "r2", "r3"}


def _bands(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "value"])


def test_names_alone_choose_no_host_whose_activity_the_piece_does_not_keep() -> None:
    """The piece of two of the operation's names runs as a loose account does (one activity
    band), and as none of the host's accounts: a second operation of the same culture drawing
    the same common names. With a band of the host's instead, it joins."""
    identifiers, units = _with_piece(*_world(), [("r1", "billing_name", "vera lind"),
                                                 ("r2", "billing_name", "otto brand"),
                                                 ("r3", "phone", "+33600000001")])
    operator = _operator(identifiers)
    elsewhere = _bands([("r1", "b3:aa"), ("w9", "b3:aa")])
    links = nested_links(identifiers, units, operator, THRESHOLD, elsewhere)
    assert not set(links["b"]) & {"r1", "r2", "r3"}
    assert "p1" in set(links["b"])  # a piece of two sources is not held back by it
    with_host = pd.concat([elsewhere, _bands([("r2", "b7:cc"), ("h3", "b7:cc")])])
    links = nested_links(identifiers, units, operator, THRESHOLD, with_host)
    assert {"r1", "r2", "r3"} <= set(links["b"])
    assert {"r1", "r2", "r3"} <= set(nested_links(identifiers, units, operator, THRESHOLD,
                                                  _bands([("r1", "b3:aa")]))["b"])


def test_one_name_on_two_accounts_or_two_names_on_one_are_a_namesake_still() -> None:
    for piece in ([("s1", "billing_name", "vera lind"), ("s2", "billing_name", "vera lind")],
                  [("t1", "billing_name", "vera lind"), ("t1", "billing_name", "otto brand"),
                   ("t2", "phone", "+33600000002")]):
        identifiers, units = _with_piece(*_world(), piece)
        links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
        assert not set(links["b"]) & {account for account, _, _ in piece}


def test_a_mail_service_and_a_card_issuer_alone_are_no_name_to_nest_on() -> None:
    # Two sources, but neither names the operation: strangers use the same mail service and
    # prepaid cards of the same issuer.
    identifiers, units = _world()
    service = [(a, "email_domain", "mailorbit.example") for a in ("h0", "h1", "h2", "u1")]
    issuer = [(a, "prepaid_bin", "53955198") for a in ("h2", "h3", "h4", "u1")]
    identifiers = pd.concat([identifiers, _identifiers(service + issuer)], ignore_index=True)
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert "u1" not in set(links["a"]) | set(links["b"])
    assert {"p1", "p2"} <= set(links["b"])


def test_nothing_nests_in_a_group_no_larger_than_itself() -> None:
    identifiers, units = _world()
    units = units.iloc[0:0]  # every account loose: no operation formed yet
    links = nested_links(identifiers, units, _operator(identifiers), THRESHOLD)
    assert links.empty


def _population() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forty accounts signed up over a year; ten of them in one afternoon on one custom client,
    ten others spread over the year on one popular client."""
    ids = [f"a{i:02d}" for i in range(40)]
    created = [100.0 + 9 * i for i in range(40)]
    created[:10] = [50.0 + 0.01 * i for i in range(10)]
    agents = ["custom"] * 10 + [f"other{i}" if i % 3 else "popular" for i in range(30)]
    profiles = pd.DataFrame({"created_at": created, "user_agent": agents},
                            index=pd.Index(ids, name="account_id"))
    identifiers = _identifiers([(a, "user_agent", ua) for a, ua in zip(ids, agents,
                                                                        strict=True)])
    return identifiers, profiles


def test_a_weak_trait_counts_only_where_its_accounts_look_like_one_operator() -> None:
    identifiers, profiles = _population()
    operator = _operator(identifiers)
    rules = CoherenceRules(gate_low=0.35, gate_high=0.5, min_group=8,
                           traits={"created_at": 1.0, "user_agent": 1.0})
    groups = value_groups(identifiers, profiles, replace(DEFAULT_WEIGHTS, coherence=rules))
    found = operator_like_traits(groups[groups["value"].isin(operator["value"])], rules)
    # Sharing the popular client makes its ten accounts agree on the client trait; that the
    # trait itself is left out is what keeps them a crowd.
    assert set(zip(found["kind"], found["value"], strict=True)) == {("user_agent", "custom")}
