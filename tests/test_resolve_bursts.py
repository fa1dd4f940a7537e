"""Account-creation bursts: found against the population's own sign-up rate, and joining a
piece to an operation only when the operation holds the burst and the piece has its profile;
the same for a client (user agent) the operation runs and a network block it signs up from
(hand-built frames: no pipeline run, no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.resolve.bursts import (
    agent_links,
    burst_links,
    creation_bursts,
    network_links,
    operator_agents,
    operator_networks,
)
from pipelines.resolve.groups import value_groups
from pipelines.resolve.weights import DEFAULT_WEIGHTS

SEED = 20261130
THRESHOLD = 0.6
RULES = DEFAULT_WEIGHTS.bursts
DAY0 = 20_000.0  # days since the epoch
OPERATION_AT = DAY0 + 150.4  # about 09:36 UTC on day 150


def _accounts(prefix: str, days: np.ndarray, **traits: object) -> pd.DataFrame:
    ids = [f"{prefix}{i:04d}" for i in range(len(days))]
    frame = pd.DataFrame({"created_at": days, **traits}, index=pd.Index(ids, name="account_id"))
    return frame


def _background(rng: np.random.Generator, n: int = 3000) -> pd.DataFrame:
    """Ordinary sign-ups spread over 300 days, with ordinary, varied profiles."""
    return _accounts("bg", DAY0 + rng.uniform(0, 300, n),
                     tier=rng.choice(["free", "build", "scale"], n, p=[0.55, 0.35, 0.10]),
                     usage_mix=rng.choice(["coding", "chat", "reasoning", "writing"], n),
                     schedule=rng.choice([f"h{h:02d}" for h in range(24)], n),
                     declared_country=rng.choice(["DE", "GB", "JP", "US", "IN"], n))


def _world(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An operation's burst (40 accounts in 10 minutes: 25 already in one formed campaign, 15
    loose or in pieces of two), and a company onboarding 40 staff over the hour that starts
    five minutes into it: one run of sign-ups."""
    operation = _accounts("op", OPERATION_AT + np.sort(rng.uniform(0, 10, 40)) / 1440,
                          tier="scale", usage_mix="reasoning", schedule="h03",
                          declared_country=rng.choice(["DE", "GB", "JP", "US", "IN"], 40))
    staff = _accounts("staff", OPERATION_AT + (5 + np.sort(rng.uniform(0, 60, 40))) / 1440,
                      tier="build", usage_mix="coding",
                      schedule=rng.choice(["h08", "h09", "h10", "h14"], 40),
                      declared_country="DE")
    profiles = pd.concat([_background(rng), operation, staff])
    campaign = list(operation.index[:25])
    pieces = [list(operation.index[i:i + 2]) for i in range(25, 31, 2)]
    units = pd.DataFrame(
        [(a, campaign[0]) for a in campaign] + [(a, p[0]) for p in pieces for a in p],
        columns=["account_id", "anchor"])
    units["size"] = units.groupby("anchor")["account_id"].transform("size")
    return profiles, units


def test_ordinary_sign_ups_make_no_burst() -> None:
    print(f"seed {SEED}")
    assert creation_bursts(_background(np.random.default_rng(SEED)), RULES).empty


def test_the_operations_burst_and_the_onboarding_are_both_bursts() -> None:
    print(f"seed {SEED}")
    profiles, _ = _world(np.random.default_rng(SEED))
    bursts = creation_bursts(profiles, RULES)
    assert set(bursts["account_id"]) >= {f"op{i:04d}" for i in range(40)}
    assert bursts["account_id"].str.startswith("staff").sum() >= 30
    # An ordinary sign-up that falls inside a window is chained into it (and is not joined,
    # below); the background itself makes no burst.
    assert bursts["account_id"].str.startswith("bg").sum() <= 2


def test_a_piece_created_in_the_operations_burst_with_its_profile_joins_it() -> None:
    print(f"seed {SEED}")
    profiles, units = _world(np.random.default_rng(SEED))
    links = burst_links(creation_bursts(profiles, RULES), units, profiles, RULES, THRESHOLD)
    joined = set(links["a"]) | set(links["b"])
    assert {f"op{i:04d}" for i in range(25, 40)} <= joined
    assert set(links["a"]) == {"op0000"}  # every link goes to the campaign's anchor
    assert (links["kinds"] == "burst").all() and (links["score"] == THRESHOLD).all()


def test_a_legitimate_batch_next_to_the_operations_burst_is_not_joined() -> None:
    print(f"seed {SEED}")
    profiles, units = _world(np.random.default_rng(SEED))
    links = burst_links(creation_bursts(profiles, RULES), units, profiles, RULES, THRESHOLD)
    joined = set(links["a"]) | set(links["b"])
    assert not {a for a in joined if a.startswith(("staff", "bg"))}


def test_a_burst_the_operation_does_not_hold_joins_no_one() -> None:
    # The same world, but the company's staff already form a group of their own (their
    # company's domain): the run is no longer the operation's, and its loose accounts stay.
    print(f"seed {SEED}")
    profiles, units = _world(np.random.default_rng(SEED))
    staff = [a for a in profiles.index if a.startswith("staff")]
    company = pd.DataFrame({"account_id": staff, "anchor": staff[0], "size": len(staff)})
    bursts = creation_bursts(profiles, RULES)
    burst_of = bursts.set_index("account_id")["burst"]
    assert burst_of["op0039"] == burst_of["staff0000"]  # one run of sign-ups
    links = burst_links(bursts, pd.concat([units, company], ignore_index=True), profiles,
                        RULES, THRESHOLD)
    assert links.empty


def _agents(profiles: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The operation's 40 accounts run its own client build; the background runs four browsers,
    and 3 background accounts run the operation's client too."""
    background = [a for a in profiles.index if not a.startswith("op")]
    browsers = rng.choice(["browser-a", "browser-b", "browser-c", "browser-d"], len(background))
    browsers[:3] = "op-client"
    rows = [(a, "ua", v) for a, v in zip(background, browsers, strict=True)]
    rows += [(f"op{i:04d}", "ua", "op-client") for i in range(40)]
    return pd.DataFrame(rows, columns=["account_id", "kind", "value"]).assign(kind="user_agent")


def test_a_piece_running_the_operations_client_with_its_profile_joins_it() -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    profiles, units = _world(rng)
    profiles = profiles.assign(created_at=DAY0 + rng.uniform(0, 300, len(profiles)))  # no burst
    identifiers = _agents(profiles, rng)
    profiles["user_agent"] = identifiers.set_index("account_id")["value"]
    agents = operator_agents(identifiers, value_groups(identifiers, profiles, DEFAULT_WEIGHTS),
                             DEFAULT_WEIGHTS.coherence)
    assert set(agents["occasion"]) == {"op-client"}  # a browser everyone runs is a crowd
    links = agent_links(agents, units, profiles, RULES, THRESHOLD)
    joined = set(links["a"]) | set(links["b"])
    assert {f"op{i:04d}" for i in range(25, 40)} <= joined
    assert not {a for a in joined if a.startswith(("staff", "bg"))}  # ordinary profiles stay
    assert set(links["a"]) == {"op0000"} and (links["kinds"] == "agent").all()


def test_a_client_the_operation_does_not_hold_joins_no_one() -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    profiles, units = _world(rng)
    identifiers = _agents(profiles, rng)
    profiles["user_agent"] = identifiers.set_index("account_id")["value"]
    agents = operator_agents(identifiers, value_groups(identifiers, profiles, DEFAULT_WEIGHTS),
                             DEFAULT_WEIGHTS.coherence)
    loose = units[units["size"] < 25]  # no formed operation holds the client
    assert agent_links(agents, loose, profiles, RULES, THRESHOLD).empty


OPERATION_BLOCK = "198.51.100.0/24"


def _sign_up_blocks(profiles: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The operation's 40 accounts sign up through one proxy block that three ordinary
    customers of the same reseller use too; everyone else through one of five campus or
    carrier blocks, and the company's staff through their office's."""
    ids = profiles.index.to_series()
    blocks = pd.Series(rng.choice([f"100.64.{i}.0/24" for i in range(5)], len(ids)),
                       index=ids.index)
    blocks[ids.str.startswith("op")] = OPERATION_BLOCK
    blocks[["bg0000", "bg0001", "bg0002"]] = OPERATION_BLOCK
    blocks[ids.str.startswith("staff")] = "203.0.113.0/24"
    return pd.DataFrame({"account_id": ids.to_numpy(), "signup_prefix": blocks.to_numpy()})


def test_a_piece_signed_up_from_the_operations_block_with_its_profile_joins_it() -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    profiles, units = _world(rng)
    profiles = profiles.assign(created_at=DAY0 + rng.uniform(0, 300, len(profiles)))  # no burst
    networks = operator_networks(_sign_up_blocks(profiles, rng), profiles,
                                 DEFAULT_WEIGHTS.coherence)
    assert OPERATION_BLOCK in set(networks["occasion"])
    assert not networks["occasion"].str.startswith("100.64.").any()  # campus blocks: crowds
    links = network_links(networks, units, profiles, RULES, THRESHOLD)
    joined = set(links["a"]) | set(links["b"])
    assert {f"op{i:04d}" for i in range(25, 40)} <= joined
    # the reseller's other customers and the office (a block no operation holds) stay
    assert not {a for a in joined if a.startswith(("staff", "bg"))}
    assert set(links["a"]) == {"op0000"} and (links["kinds"] == "network").all()


def test_a_neighbouring_tenant_of_the_operations_hosting_block_does_not_join_it() -> None:
    """The operation's 40 accounts sign up from its own /28 at a hosting provider; a piece of
    two with an operation's profile too rents the next /28 of the same /24. The /24 is the
    operation's block (it holds nearly all of it), but IP intelligence allocates each tenant
    its own /28: the piece signed up from none of the operation's addresses and stays apart.
    Without the allocations (or where they are wider than the /24) the /24 alone decides."""
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    profiles, units = _world(rng)
    profiles = profiles.assign(created_at=DAY0 + rng.uniform(0, 300, len(profiles)))  # no burst
    neighbours = ["bg0010", "bg0011"]
    profiles.loc[neighbours, ["tier", "usage_mix", "schedule"]] = ["scale", "reasoning", "h03"]
    accounts = _sign_up_blocks(profiles, rng)
    operation = accounts["account_id"].str.startswith("op")
    accounts.loc[operation | accounts["account_id"].isin(neighbours),
                 "signup_prefix"] = "192.0.2.0/24"
    accounts["signup_ip"] = None
    accounts.loc[operation, "signup_ip"] = [f"192.0.2.{33 + i % 14}" for i in range(40)]
    accounts.loc[accounts["account_id"].isin(neighbours), "signup_ip"] = [
        "192.0.2.20", "192.0.2.21"]
    tenants = pd.DataFrame({"ip": accounts["signup_ip"].dropna().unique()})
    tenants["cidr"] = np.where(tenants["ip"].str.split(".").str[3].astype(int) >= 32,
                               "192.0.2.32/28", "192.0.2.16/28")
    units = pd.concat([units, pd.DataFrame({"account_id": neighbours, "anchor": "bg0010",
                                            "size": 2})], ignore_index=True)

    def joined(allocations: pd.DataFrame | None) -> set[str]:
        networks = operator_networks(accounts, profiles, DEFAULT_WEIGHTS.coherence, allocations)
        links = network_links(networks, units, profiles, RULES, THRESHOLD)
        return set(links["a"]) | set(links["b"])

    pieces = {f"op{i:04d}" for i in range(25, 40)}
    assert set(neighbours) | pieces <= joined(None)  # the /24 alone takes the neighbour in
    assert pieces <= joined(tenants) and not set(neighbours) & joined(tenants)
    assert set(neighbours) <= joined(tenants.assign(cidr="192.0.0.0/20"))
