"""Coherence of a group of accounts: how much more alike they are, or how far apart from the rest,
than accounts drawn at random from the whole population, trait by trait, in [0, 1].

- A categorical trait (tier, funding, main prompt category, peak hour, …) compares the group's
  concentration (the chance that two members agree, Σp²) with what a random group of the same size
  would show: ``(S_group − E) / (1 − E)`` with ``E = S_pop + (1 − S_pop)/n``.
- A numeric trait (creation time, first activity, extraction share, volume) compares the group's
  interquartile range with the population's: ``1 − IQR_group / IQR_pop``.
- Alike is not the only way a group departs from a random draw: it can sit where few others
  are. An operator who spreads its accounts over hours, countries and card types still cannot
  make their prompts look like everyone else's: 160 accounts whose extraction share is at the
  population's 99th percentile are no crowd, however spread they are. So each trait's effect is
  the larger of likeness (above) and rarity: how much rarer the group's values are in the
  population than a typical account's (the median share of the population having a member's
  value, against the population's median; numeric traits on equal-width bins, categorical ones
  only when they have six values or more). Medians keep an
  operation that makes up much of the population from making everyone else look rare. A random
  crowd, however large, is neither alike nor rare, and stays near 0.

Traits on which the population hardly varies say nothing and are left out; the rest are averaged
with the weights of ``resolution.yaml``. A campus NAT (students signed up over years, every tier,
every habit) scores near 0; an operation's accounts (created in a burst, one tier and funding
type, one prompt mix, one schedule) score near 1, however many they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.resolve.profiles import CATEGORICAL_TRAITS, MISSING, NUMERIC_TRAITS
from pipelines.resolve.weights import CoherenceRules

MIN_POPULATION_SPREAD = 0.02  # categorical traits where nearly everyone agrees are left out
RARITY_MIN_VALUES = 6  # a trait of fewer values (tier, status) has no value rare enough to tell:
                       # a third of all accounts are on one tier and ordinary


def _categorical_effect(frame: pd.DataFrame, trait: str, population: pd.Series,
                        sizes: pd.Series) -> pd.Series | None:
    """Unknown values are left out on both sides: sharing an absence (no card, no usage yet) is
    what crowds of new free accounts do too."""
    shares = population[population != MISSING].value_counts(normalize=True)
    concentration = float((shares ** 2).sum())
    if shares.empty or 1 - concentration < MIN_POPULATION_SPREAD:
        return None
    known = frame.loc[frame[trait] != MISSING, ["group", trait]]
    counts = known.groupby(["group", trait], sort=False, observed=True).size()
    n = counts.groupby(level=0).sum().astype("float64")
    n = n[n >= np.maximum(2, sizes.reindex(n.index) / 2)]
    group_concentration = (counts.astype("float64") ** 2).groupby(level=0).sum().reindex(
        n.index) / n ** 2
    expected = concentration + (1 - concentration) / n
    alike = ((group_concentration - expected) / (1 - expected)).clip(0, 1)
    if len(shares) < RARITY_MIN_VALUES:
        return alike
    known = known[known["group"].isin(n.index)]
    rarity = _rarity(known["group"], known[trait].map(shares).to_numpy("float64"),
                     population[population != MISSING].map(shares).to_numpy("float64"))
    return np.fmax(alike, rarity.reindex(alike.index))


def _rarity(groups: pd.Series, commonness: np.ndarray, population: np.ndarray) -> pd.Series:
    """How rare the values a group's accounts have are: ``1 − median_group(q) / Q(q)``, where q
    is each account's commonness (the population's share of accounts with its value) and Q the
    population's median commonness, taken a little lower (at ``0.5 − 1/√n``) so that a random
    draw of n accounts, whose median is the population's give or take its chance, scores 0.
    Medians, not means: where an operation makes up much of the population its one value is the
    commonest, and a mean commonness would make every ordinary account look rare next to it."""
    median = pd.Series(commonness).groupby(groups.to_numpy(), sort=False).median()
    n = groups.value_counts().reindex(median.index).to_numpy("float64")
    reference = np.quantile(population, np.clip(0.5 - 1 / np.sqrt(n), 0.0, 0.5))
    return pd.Series(1 - median.to_numpy() / np.maximum(reference, 1e-12),
                     index=median.index).clip(0, 1)


def _numeric_effect(frame: pd.DataFrame, trait: str, population: pd.Series,
                    sizes: pd.Series) -> pd.Series | None:
    known = population.dropna()
    if len(known) < 4:
        return None
    spread = float(known.quantile(0.75) - known.quantile(0.25))
    if not spread > 0:
        return None
    values = frame[["group", trait]].dropna()
    grouped = values.groupby("group", sort=False)[trait]
    iqr = grouped.quantile(0.75) - grouped.quantile(0.25)
    enough = grouped.size() >= np.maximum(4, sizes.reindex(iqr.index) / 2)
    alike = (1 - iqr[enough] / spread).clip(0, 1)
    return np.fmax(alike, _numeric_rarity(values, trait, known).reindex(alike.index))


RARITY_BINS = 20  # numeric traits are binned this finely between the population's 1st and 99th
                  # percentiles (plus a bin for each tail) to tell common values from rare ones


def _numeric_rarity(values: pd.DataFrame, trait: str, population: pd.Series) -> pd.Series:
    """:func:`_rarity` of a numeric trait, on equal-width bins of the population's range: a
    group at the top of the extraction-share range, where few accounts are, scores high."""
    low, high = population.quantile([0.01, 0.99])
    if not high > low:
        return pd.Series(dtype="float64")
    edges = np.linspace(low, high, RARITY_BINS + 1)[1:-1]
    population_cells = np.digitize(population.to_numpy(), edges)
    shares = pd.Series(population_cells).value_counts(normalize=True)
    cells = pd.Series(np.digitize(values[trait].to_numpy(), edges))
    return _rarity(values["group"], cells.map(shares).fillna(0.0).to_numpy("float64"),
                   pd.Series(population_cells).map(shares).to_numpy("float64"))


def trait_effects(members: pd.DataFrame, profiles: pd.DataFrame, rules: CoherenceRules,
                  exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per group (``members``: group, account_id) of at least ``rules.min_group`` accounts, each
    trait's effect in [0, 1] (NaN where the trait says nothing)."""
    sizes = members.groupby("group", sort=False).size()
    sizes = sizes[sizes >= rules.min_group].astype("float64")
    if sizes.empty:
        return pd.DataFrame(index=pd.Index([], name="group"))
    kept = members[members["group"].isin(sizes.index)]
    frame = kept.join(profiles, on="account_id")
    effects = {}
    for trait, weight in rules.traits.items():
        if weight <= 0 or trait in exclude or trait not in profiles:
            continue
        if trait in CATEGORICAL_TRAITS:
            effect = _categorical_effect(frame, trait, profiles[trait], sizes)
        elif trait in NUMERIC_TRAITS:
            effect = _numeric_effect(frame, trait, profiles[trait], sizes)
        else:
            effect = None
        if effect is not None:
            effects[trait] = effect
    return pd.DataFrame(effects, index=sizes.index)


def coherence(effects: pd.DataFrame, rules: CoherenceRules) -> pd.Series:
    """Weighted mean of the trait effects each group has (0 where it has none), to
    ``rules.decimals`` (see resolution.yaml)."""
    if effects.empty or not len(effects.columns):
        return pd.Series(0.0, index=effects.index, name="coherence")
    weights = pd.Series({t: rules.traits[t] for t in effects.columns})
    known = effects.notna()
    total = known.mul(weights).sum(axis=1)
    score = effects.fillna(0).mul(weights).sum(axis=1) / total.replace(0, np.nan)
    return score.fillna(0.0).round(rules.decimals).rename("coherence")


def group_coherence(members: pd.DataFrame, profiles: pd.DataFrame, rules: CoherenceRules,
                    exclude: tuple[str, ...] = ()) -> pd.Series:
    """Coherence per group of ``members`` (columns group, account_id); groups smaller than
    ``rules.min_group`` are absent (they are judged by their size alone)."""
    return coherence(trait_effects(members, profiles, rules, exclude), rules)
