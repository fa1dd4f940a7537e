"""Account-creation bursts as campaign-level evidence: weak alone, usable with a second source.

A burst is a run of sign-ups arriving far faster than the population's own sign-up rate at that
hour of day: consecutive sign-ups closer than ``1 / (rate_factor × λ(hour))`` are chained, and a
run is kept when a Poisson count at the baseline rate over its span would reach its size with a
probability under ``max_p`` divided by the number of accounts (every account could start a run,
so the test is corrected for that many). The baseline λ is the median day's sign-ups spread over
the day's hours as all sign-ups are: a few burst days do not move a median.

Legitimate batches are bursts too (a company onboarding its staff, a class signing up together),
so a burst names no operation by itself. It becomes evidence for an account only when

- a formed operation (a group larger than a piece) holds most of the burst's accounts that are
  placed in any formed group: the burst is that operation's, not a class's it happens to touch;
- and the account's own profile (tier, funding, prompt mix, schedule, client, country, …) is at
  least ``min_likelihood_ratio`` times likelier among that operation's accounts than in the
  population (naive Bayes over the categorical traits of profiles.py, the creation time left
  out since the burst is that). A legitimate account that happens to sign up inside the
  operation's window carries an ordinary profile, and under the population a likelihood ratio
  reaches ``c`` with a probability of at most ``1/c``.

A client is the same kind of occasion (:func:`agent_links`): a user agent is weak evidence
alone, since thousands run the same browser, but an operation's own build of a client is used by
its accounts and few others. A user agent ties an account to an operation on the same two
conditions, and a third: the agent's accounts are no crowd (coherence, the agent itself left
out, at least ``gate_low``), which a browser everyone runs is not.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from pipelines.resolve.coherence import group_coherence
from pipelines.resolve.groups import SELF_TRAITS
from pipelines.resolve.pieces import MAX_PIECE, piece_of
from pipelines.resolve.profiles import CATEGORICAL_TRAITS, MISSING, SECONDS_PER_DAY
from pipelines.resolve.scoring import LINK_COLUMNS, typed_links
from pipelines.resolve.weights import BurstRules, CoherenceRules

BURST_COLUMNS = ["account_id", "burst", "start", "accounts", "log10_p"]


def _log_poisson_tail(count: int, expected: float) -> float:
    """log P(Poisson(expected) ≥ count), summed in log space (tails far below 1e-300)."""
    terms = [k * math.log(expected) - expected - math.lgamma(k + 1)
             for k in range(count, count + 200)]
    top = max(terms)
    return top + math.log(sum(math.exp(t - top) for t in terms))


def baseline_rate(seconds: np.ndarray) -> np.ndarray:
    """Sign-ups per second expected at each sign-up's hour of day: the median day's count (mean
    when most days have none) times the share of all sign-ups made in that hour."""
    days = seconds // SECONDS_PER_DAY
    daily = np.bincount(days - days.min())
    per_day = float(np.median(daily)) or float(daily.mean())
    hours = (seconds % SECONDS_PER_DAY) // 3600
    hour_share = np.bincount(hours, minlength=24) / len(seconds)
    return per_day * hour_share[hours] * 24 / SECONDS_PER_DAY


def creation_bursts(profiles: pd.DataFrame, rules: BurstRules) -> pd.DataFrame:
    """Accounts in significant creation bursts: account_id, burst (its first account), start
    (epoch seconds), accounts, log10_p (the run's Poisson tail at the baseline rate)."""
    created = profiles["created_at"].dropna().sort_values(kind="stable")
    if len(created) < rules.min_accounts:
        return pd.DataFrame(columns=BURST_COLUMNS)
    seconds = np.round(created.to_numpy() * SECONDS_PER_DAY).astype("int64")
    rate = baseline_rate(seconds)
    chained = np.diff(seconds) * rules.rate_factor * rate[1:] < 1
    run = np.cumsum(np.r_[True, ~chained])
    frame = pd.DataFrame({"account_id": created.index, "run": run, "t": seconds, "rate": rate})
    runs = frame.groupby("run").agg(first=("account_id", "first"), start=("t", "min"),
                                    end=("t", "max"), accounts=("t", "size"),
                                    rate=("rate", "mean"))
    runs = runs[runs["accounts"] >= rules.min_accounts]
    # A run's span is at least a minute: sign-ups stamped in one second are not infinitely fast.
    expected = runs["rate"] * np.maximum(runs["end"] - runs["start"], 60)
    runs["log10_p"] = [_log_poisson_tail(int(n), float(e)) / math.log(10)
                       for n, e in zip(runs["accounts"], expected, strict=True)]
    runs = runs[runs["log10_p"] < math.log10(rules.max_p / len(created))]
    kept = frame.join(runs[["first", "start", "accounts", "log10_p"]], on="run", how="inner")
    return kept.rename(columns={"first": "burst"})[BURST_COLUMNS].reset_index(drop=True)


def profile_likelihood_ratios(candidates: pd.Index, members: pd.Index,
                              profiles: pd.DataFrame, leave_out: tuple[str, ...] = ()
                              ) -> pd.Series:
    """Per candidate account, Π over known categorical traits (but ``leave_out``, the occasion
    itself) of P(value | the operation's accounts) / P(value | population), the operation's
    shares smoothed by one account per value seen in the population (a value none of its
    accounts has is unlikely, not impossible)."""
    ratio = pd.Series(1.0, index=candidates)
    own = profiles.loc[members]
    for trait in CATEGORICAL_TRAITS:  # the creation time (a burst) is numeric: never in here
        if trait not in profiles or trait in leave_out:
            continue
        population = profiles[trait][profiles[trait] != MISSING].dropna()
        shares = population.value_counts(normalize=True)
        if len(shares) < 2:
            continue
        counts = own[trait].value_counts()
        known = own[trait].isin(shares.index).sum()
        values = profiles.loc[candidates, trait]
        usable = values.isin(shares.index)
        seen = values[usable].map(counts).astype("float64").fillna(0.0)
        in_population = values[usable].map(shares).astype("float64")
        ratio[usable] *= (seen + 1) / (known + len(shares)) / in_population
    return ratio


def _held(occasions: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Per occasion (a burst, a user agent), the formed operation (a group larger than a piece)
    holding most of the occasion's accounts placed in formed groups: occasion, operation (its
    anchor), held."""
    sizes = units.set_index("account_id")
    placed = occasions.join(sizes[["anchor", "size"]], on="account_id", how="inner")
    placed = placed[placed["size"].astype("int64") > MAX_PIECE]
    counts = placed.groupby(["occasion", "anchor"]).size().rename("held").reset_index()
    total = counts.groupby("occasion")["held"].transform("sum")
    majority = counts[counts["held"] * 2 > total]
    return majority.rename(columns={"anchor": "operation"})


def _profile_matches(occasions: pd.DataFrame, units: pd.DataFrame, profiles: pd.DataFrame,
                     min_ratio: float, leave_out: tuple[str, ...] = ()) -> pd.DataFrame:
    """The accounts of small pieces and loose accounts in an occasion an operation holds whose
    profile is that operation's (likelihood ratio at least ``min_ratio``), with the operation,
    held and ratio. A piece with candidates for two operations joins neither."""
    held = _held(occasions, units)
    if held.empty:
        return pd.DataFrame()
    frame = occasions.merge(held, on="occasion")
    sizes = units.groupby("anchor").size()
    frame = frame.assign(piece=piece_of(frame["account_id"], units).to_numpy())
    frame = frame[frame["piece"].map(sizes).fillna(1).to_numpy() <= MAX_PIECE]
    members = units.groupby("anchor")["account_id"]
    parts = []
    for operation, rows in frame.groupby("operation"):
        ratio = profile_likelihood_ratios(pd.Index(rows["account_id"]),
                                          pd.Index(members.get_group(operation)), profiles,
                                          leave_out)
        parts.append(rows.assign(ratio=ratio.to_numpy()))
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["ratio"] >= min_ratio]
    ambiguous = frame.groupby("piece")["operation"].nunique()
    return frame[frame["piece"].map(ambiguous) == 1]


def burst_links(bursts: pd.DataFrame, units: pd.DataFrame, profiles: pd.DataFrame,
                rules: BurstRules, threshold: float) -> pd.DataFrame:
    """A link (at ``threshold``) from each account of a small piece or loose account that signed
    up in a burst an operation holds, and whose profile is that operation's, to the operation's
    anchor."""
    frame = _profile_matches(bursts.rename(columns={"burst": "occasion"}), units, profiles,
                             rules.min_likelihood_ratio)
    return typed_links(pd.DataFrame([_link(row, threshold) for row in frame.itertuples()],
                                    columns=LINK_COLUMNS))


def _link(row, threshold: float) -> tuple:
    evidence = json.dumps([{"kind": "burst", "value": row.operation, "accounts": int(row.accounts),
                            "weight": threshold, "held": int(row.held),
                            "start": int(row.start), "log10_p": round(float(row.log10_p), 1),
                            "profile_ratio": round(float(row.ratio), 1)}])
    a, b = sorted((row.account_id, row.operation))
    return (a, b, threshold, "burst", evidence)


AGENT_TRAIT = SELF_TRAITS["user_agent"]  # the agent itself, left out of the profile


def _coherent_occasions(members: pd.DataFrame, groups: pd.DataFrame,
                        rules: CoherenceRules) -> pd.DataFrame:
    """The accounts (``members``: account_id, value) of each occasion that is no crowd: in
    ``groups`` (value, accounts, coherence) shared by at least ``min_group`` accounts whose
    coherence is at least ``gate_low``: account_id, occasion, accounts, coherence."""
    coherent = groups.loc[(groups["accounts"] >= rules.min_group)
                          & (groups["coherence"] >= rules.gate_low),
                          ["value", "accounts", "coherence"]]
    kept = members[["account_id", "value"]].merge(coherent, on="value")
    return pd.DataFrame({"account_id": kept["account_id"].to_numpy(),
                         "occasion": kept["value"].to_numpy(),
                         "accounts": kept["accounts"].to_numpy(),
                         "coherence": kept["coherence"].to_numpy()})


def operator_agents(identifiers: pd.DataFrame, groups: pd.DataFrame,
                    rules: CoherenceRules) -> pd.DataFrame:
    """The accounts of each user agent that is no crowd (``_coherent_occasions``; its
    coherence in ``groups`` is measured without the agent)."""
    return _coherent_occasions(identifiers[identifiers["kind"] == "user_agent"],
                               groups[groups["kind"] == "user_agent"], rules)


def allocations_within(accounts: pd.DataFrame, allocations: pd.DataFrame | None) -> pd.Series:
    """Per account, the block IP intelligence allocates its sign-up address (``allocations``:
    ip, cidr) where that is narrower than its /24 (/48), else the /24: a hosting provider's
    tenants share a /24, each renting its own few addresses of it."""
    prefix = accounts["signup_prefix"]
    if allocations is None or allocations.empty or "signup_ip" not in accounts:
        return prefix
    cidr = accounts["signup_ip"].map(allocations.set_index("ip")["cidr"]).astype("str")
    length = _prefix_length(cidr)
    group = _prefix_length(prefix.astype("str"))
    return cidr.where(length > group, prefix)


def _prefix_length(blocks: pd.Series) -> pd.Series:
    """The length after the slash of each block (NaN where none: no address, or none known;
    ``rpartition`` on a column with no text at all returns no third part)."""
    return pd.to_numeric(blocks.str.extract(r"/(\d+)$", expand=False), errors="coerce")


def operator_networks(accounts: pd.DataFrame, profiles: pd.DataFrame,
                      rules: CoherenceRules, allocations: pd.DataFrame | None = None
                      ) -> pd.DataFrame:
    """The accounts of each sign-up network (the /24 or /48 of the sign-up address) that is no
    crowd (``_coherent_occasions``), with the allocation within it each signed up from
    (``allocations_within``). An operator's proxy exits come in blocks; a campus or a carrier's
    block is a crowd."""
    blocks = pd.DataFrame({"account_id": accounts["account_id"].to_numpy(),
                           "value": accounts["signup_prefix"].to_numpy(),
                           "allocation": allocations_within(accounts, allocations).to_numpy()})
    blocks = blocks[blocks["value"].notna()]
    sizes = blocks.groupby("value").size()
    judged = blocks[blocks["value"].map(sizes) >= rules.min_group]
    scores = group_coherence(judged[["account_id", "value"]].rename(columns={"value": "group"}),
                             profiles, rules)
    groups = pd.DataFrame({"value": sizes.index, "accounts": sizes.to_numpy(),
                           "coherence": sizes.index.map(scores).fillna(0.0)})
    networks = _coherent_occasions(blocks, groups, rules)
    return networks.assign(allocation=networks["account_id"].map(
        blocks.set_index("account_id")["allocation"]).to_numpy())


def _occasion_links(occasions: pd.DataFrame, units: pd.DataFrame, profiles: pd.DataFrame,
                    rules: BurstRules, threshold: float, kind: str,
                    leave_out: tuple[str, ...] = ()) -> pd.DataFrame:
    """A link (at ``threshold``, of ``kind``) from each account of a small piece or loose
    account in an occasion an operation holds, whose profile (``leave_out`` left out) is that
    operation's, to the operation's anchor."""
    frame = _profile_matches(occasions, units, profiles, rules.min_likelihood_ratio, leave_out)
    if "allocation" in frame:
        frame = _in_own_allocation(frame, occasions, units)
    rows = []
    for row in frame.itertuples():
        evidence = json.dumps([{"kind": kind, "value": row.operation, kind: row.occasion,
                                "accounts": int(row.accounts), "held": int(row.held),
                                "coherence": round(float(row.coherence), 4), "weight": threshold,
                                "profile_ratio": round(float(row.ratio), 1)}])
        a, b = sorted((row.account_id, row.operation))
        rows.append((a, b, threshold, kind, evidence))
    return typed_links(pd.DataFrame(rows, columns=LINK_COLUMNS))


def _in_own_allocation(frame: pd.DataFrame, occasions: pd.DataFrame, units: pd.DataFrame
                       ) -> pd.DataFrame:
    """The candidates of ``frame`` that signed up from an allocation (``allocation``) some of
    their operation's own accounts in the block signed up from too: the operation's neighbour
    at a hosting provider, in the next tenant's addresses of one /24, is not the operation."""
    placed = occasions[["account_id", "allocation"]].join(
        units.set_index("account_id")["anchor"], on="account_id", how="inner")
    own = pd.MultiIndex.from_frame(placed[["anchor", "allocation"]].dropna())
    keys = pd.MultiIndex.from_frame(frame[["operation", "allocation"]])
    return frame[keys.isin(own)]


def agent_links(agents: pd.DataFrame, units: pd.DataFrame, profiles: pd.DataFrame,
                rules: BurstRules, threshold: float) -> pd.DataFrame:
    """Links from the accounts of pieces running a user agent (of :func:`operator_agents`) an
    operation holds, whose profile, the agent left out, is that operation's."""
    return _occasion_links(agents, units, profiles, rules, threshold, "agent", AGENT_TRAIT)


def network_links(networks: pd.DataFrame, units: pd.DataFrame, profiles: pd.DataFrame,
                  rules: BurstRules, threshold: float) -> pd.DataFrame:
    """Links from the accounts of pieces signed up from a network (of
    :func:`operator_networks`) an operation holds, whose profile is that operation's."""
    return _occasion_links(networks, units, profiles, rules, threshold, "network")
