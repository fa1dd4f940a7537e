"""Groups whose whole operator-level footprint lies inside a larger operation's.

An operator that keeps its accounts in pieces and disguises their behaviour (low and slow, a
mixed prompt profile) leaves fronts and cardholder names that are each too weak to join a piece
to the rest: every value is shared by a group that looks only half like one operator. What ties
the pieces is that they carry nothing else. A piece whose declared fronts, billing names and mail
domains (and the parents they lead to) are *all* carried by one larger operation, through at
least two independent sources (what the account declared, the name on its card, its mail
domain, its client), is a part of that operation: a namesake carries one source only, a
legitimate account that declared one of the operation's fronts still pays in its own name, and
a second operation drawing the same common names still has fronts of its own. Two different
names of one source carried by two different accounts of the piece count as two facts too
(three accounts on one phone, each paying under another of the operation's cardholder names):
one namesake is a coincidence, a piece whose several accounts each bear another of the
operation's names is not. One of the values must be a name (a declared front, a cardholder): a
mail service and a card issuer an operator favours are shared with strangers too. Only values
that weigh at campaign level count; a weak trait (user agent, prepaid BIN) counts only where the
accounts sharing it look like one operator on every other trait.
"""

from __future__ import annotations

import json

import pandas as pd

from pipelines.resolve.pieces import MAX_PIECE, piece_of
from pipelines.resolve.scoring import LINK_COLUMNS, typed_links
from pipelines.resolve.weights import CoherenceRules

# Where each kind of value comes from: two values from one source are one fact (a mail domain
# and its registrant), and a parent is reached through one of the others.
SOURCES = {"declared_org": "declared", "billing_name": "card",
           "email_domain": "mail", "registrant": "mail",
           "user_agent": "client", "prepaid_bin": "card issuer"}
# Weak traits count only where the accounts sharing them look like one operator, judged
# without the trait itself (``groups.SELF_TRAITS``: sharing a user agent is not a sign of
# sharing one).
WEAK_KINDS = ("user_agent", "prepaid_bin")
FOOTPRINT_KINDS = (*SOURCES, "parent")  # weak kinds: only those operator_like_traits keeps
MIN_SOURCES = 2
# An identity of the piece's own (a front, a cardholder name, a mail domain or registrant
# carried by this many of its accounts and no one else) makes it an operation, not a piece: a
# typo two accounts copied is a slip, a spelling three use is a name the operation goes by.
IDENTITY_KINDS = ("declared_org", "billing_name", "email_domain", "registrant")
OWN_CARRIERS = 3
NAME_KINDS = ("declared_org", "billing_name")


def operator_like_traits(operator: pd.DataFrame, rules: CoherenceRules) -> pd.DataFrame:
    """The weak traits (kind, value) of ``operator`` (groups weighed at campaign level) whose
    accounts look like one operator (coherence, measured without the trait itself, at or above
    ``rules.gate_high``)."""
    found = operator[operator["kind"].isin(WEAK_KINDS)
                     & (operator["coherence"] >= rules.gate_high)]
    return found[["kind", "value"]].reset_index(drop=True)


def without_crowds(values: pd.DataFrame, rules: CoherenceRules) -> pd.DataFrame:
    """The values a footprint may hold: not those of a measured crowd (a group large enough to
    judge whose accounts look unrelated, coherence under ``rules.gate_low``: a mail service
    thousands use keeps a sliver of weight at campaign level, but no operation owns it)."""
    crowd = (values["accounts"] >= rules.min_group) & (values["coherence"] < rules.gate_low)
    return values[~crowd]


def footprints(identifiers: pd.DataFrame, units: pd.DataFrame, operator: pd.DataFrame
               ) -> tuple[dict[str, frozenset[tuple[str, str]]], set[str], set[str]]:
    """Per piece (a unit's anchor, or a loose account), the operator-level values it carries
    that weigh at campaign level and that some account outside it carries too; the pieces in
    which two different accounts carry two different names of the footprint; and the
    pieces with an identity of their own (which may host others, never nest)."""
    weighted = operator.loc[operator["kind"].isin(FOOTPRINT_KINDS), ["kind", "value"]]
    carried = identifiers.merge(weighted.drop_duplicates())
    carried = carried.assign(piece=piece_of(carried["account_id"], units))
    keys = ["piece", "kind", "value"]
    inside = carried.groupby(keys).size().rename("inside").reset_index()
    total = carried.groupby(["kind", "value"]).size().rename("total").reset_index()
    # A value only the piece's own accounts carry (a typo of a front, its own card's name)
    # ties it to no one: neither to the operation nor away from it; unless several of its
    # accounts carry it (a front or a cardholder of its own): then the piece is an operation
    # in its own right, and sharing a mail service or a card issuer with another is no
    # reason to fold it in.
    shared = inside.merge(total)
    own = shared[(shared["inside"] == shared["total"]) & (shared["inside"] >= OWN_CARRIERS)
                 & shared["kind"].isin(IDENTITY_KINDS)]
    shared = shared[shared["inside"] < shared["total"]]
    prints = {piece: frozenset(zip(rows["kind"], rows["value"], strict=True))
              for piece, rows in shared.groupby("piece", sort=False)}
    return prints, _several_carriers(carried.merge(shared[keys])), set(own["piece"])


def _several_carriers(carried: pd.DataFrame) -> set[str]:
    """Pieces where two accounts carry two different names between them (not one account
    carrying both: a card's name and its typo are one account's slip). Names of people and
    fronts only: two colleagues on two mail services both popular with an operator share
    nothing of it."""
    identity = carried[carried["kind"].isin(NAME_KINDS)]
    per_piece = identity.groupby("piece").agg(accounts=("account_id", "nunique"),
                                              values=("value", "nunique"))
    return set(per_piece.index[(per_piece["accounts"] >= MIN_SOURCES)
                               & (per_piece["values"] >= MIN_SOURCES)])


def _sources(footprint: frozenset[tuple[str, str]]) -> int:
    return len({SOURCES[kind] for kind, _ in footprint if kind in SOURCES})


def _names_a_part(footprint: frozenset[tuple[str, str]], two_sources: bool,
                  two_names: bool) -> bool:
    """Two sources (or two names on two accounts), one of them a name the operation goes by:
    a mail service and a card issuer popular with an operator are not its name."""
    named = any(kind in NAME_KINDS for kind, _ in footprint)
    return named and (two_sources or two_names)


def host_of(piece: str, footprint: frozenset[tuple[str, str]],
            holders: dict[tuple[str, str], set[str]], sizes: dict[str, int],
            sole: bool = False, company: frozenset[str] = frozenset()) -> str | None:
    """The largest group (larger than ``piece``) carrying every value of ``footprint``; with
    ``sole``, none when another formed operation carries any of the values (two operations
    drawing common names from one culture share some, and names alone cannot choose), or when
    the piece's activity keeps ``company`` (``activity_company``) and the host is not of
    it: its accounts run as others do, and a pool of common names cannot outweigh that."""
    hosts = set.intersection(*(holders[value] for value in footprint)) - {piece}
    own = sizes.get(piece, 1)
    hosts = [h for h in hosts if sizes.get(h, 1) > own]
    if not hosts:
        return None
    host = max(hosts, key=lambda h: (sizes[h], h))
    if sole:
        others = set().union(*(holders[value] for value in footprint)) - {piece, host}
        if any(sizes.get(other, 1) > MAX_PIECE for other in others):
            return None
        if company and host not in company:
            return None
    return host


def activity_company(bands: pd.DataFrame, units: pd.DataFrame, pieces: set[str]
                     ) -> dict[str, frozenset[str]]:
    """Per piece of ``pieces``, the other pieces (``units``' anchors, or loose accounts) one of
    whose accounts shares an activity band (``bands``: account_id, value, crowds left out:
    near-identical activity) with one of its accounts. Only the pieces asked about are joined
    to their bands' other carriers: most pieces never need it."""
    placed = pd.DataFrame({"piece": piece_of(bands["account_id"], units),
                           "value": bands["value"]}).drop_duplicates()
    asked = placed[placed["piece"].isin(pieces)]
    met = asked.merge(placed, on="value", suffixes=("", "_other"))
    met = met[met["piece"] != met["piece_other"]]
    return {piece: frozenset(others) for piece, others in met.groupby("piece")["piece_other"]}


def nested_links(identifiers: pd.DataFrame, units: pd.DataFrame, operator: pd.DataFrame,
                 threshold: float, bands: pd.DataFrame | None = None) -> pd.DataFrame:
    """A link (at ``threshold``) from every account of a nested piece to its host's anchor;
    with ``bands`` (``activity_company``), never from a piece of one source's names to a host
    none of whose accounts runs as the piece's do while others' do."""
    prints, several, own = footprints(identifiers, units, operator)
    holders: dict[tuple[str, str], set[str]] = {}
    for piece, footprint in prints.items():
        for value in footprint:
            holders.setdefault(value, set()).add(piece)
    candidates: dict[str, bool] = {}  # piece → whether two sources name it
    for piece, footprint in prints.items():
        two_sources = _sources(footprint) >= MIN_SOURCES
        if piece not in own and _names_a_part(footprint, two_sources, piece in several):
            candidates[piece] = two_sources
    company = ({} if bands is None else activity_company(
        bands, units, {piece for piece, two_sources in candidates.items() if not two_sources}))
    sizes = units.groupby("anchor").size().to_dict()
    members = units.groupby("anchor")["account_id"].agg(list).to_dict()
    rows = []
    for piece, two_sources in candidates.items():
        footprint = prints[piece]
        host = host_of(piece, footprint, holders, sizes, sole=not two_sources,
                       company=company.get(piece, frozenset()))
        if host is None:
            continue
        evidence = json.dumps([{"kind": "nested", "value": host, "accounts": sizes[host],
                                "weight": threshold,
                                "carried": sorted(f"{k}: {v}" for k, v in footprint)}],
                              ensure_ascii=False)
        rows.extend((min(account, host), max(account, host), threshold, "nested", evidence)
                    for account in members.get(piece, [piece]))
    return typed_links(pd.DataFrame(rows, columns=LINK_COLUMNS))
