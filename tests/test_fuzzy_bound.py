"""The weight bound that spares the billing model its dearest comparison: it must drop blocked
pairs no level could lift to the threshold and never change a prediction. Names and addresses
are fictional."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.resolve import fuzzy

FIRST = ("ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal", "ivy", "jo")
LAST = ("smith", "tane", "moana", "ruru", "kahu", "weka", "toroa", "kea")
STREETS = ("elm road", "oak lane", "ash way", "fir street", "kauri road")


def _profiles() -> pd.DataFrame:
    """Eighty people on five streets of two towns (blocking pairs many of them on a street word
    or a house number), a tenth written again with a typo or a shortened street word."""
    rows = [(f"{first} {last}", f"{n % 40 + 1} {STREETS[n % 5]}, "
             f"{('riverton', 'dunmore')[n % 2]}, {4000 + n % 7}")
            for n, (first, last) in enumerate((f, la) for f in FIRST for la in LAST)]
    rows += [(name.replace("a", "e", 1), address.replace("road", "rd"))
             for name, address in rows[::10]]
    payments = pd.DataFrame({"account_id": [f"a{i}" for i in range(len(rows))],
                             "billing_name": [n for n, _ in rows],
                             "billing_address": [a for _, a in rows],
                             "billing_country": "NZ"})
    return fuzzy.billing_profiles(payments)


def _predict(profiles: pd.DataFrame, bounded: bool, monkeypatch: pytest.MonkeyPatch,
             min_probability: float) -> tuple[pd.DataFrame, str | None]:
    bounds = []
    compute = fuzzy.weight_bound_filter

    def spy(settings, probability: float) -> str | None:
        bounds.append(compute(settings, probability))
        return bounds[-1] if bounded else None

    monkeypatch.setattr(fuzzy, "weight_bound_filter", spy)
    matches, _ = fuzzy.predict_matches(profiles, min_probability)
    return matches.sort_values(["left", "right"]).reset_index(drop=True), bounds[0]


@pytest.mark.parametrize("min_probability", [0.5, 0.99])
def test_the_bound_drops_pairs_but_no_prediction(monkeypatch: pytest.MonkeyPatch,
                                                 min_probability: float) -> None:
    profiles = _profiles()
    plain, bound = _predict(profiles, False, monkeypatch, min_probability)
    narrowed, _ = _predict(profiles, True, monkeypatch, min_probability)
    assert bound is not None and len(plain) > 0
    pd.testing.assert_frame_equal(narrowed[["left", "right", "gammas"]],
                                  plain[["left", "right", "gammas"]])
    assert (narrowed["match_probability"] - plain["match_probability"]).abs().max() < 1e-9

    # Over every pair of profiles the bound keeps each predicted pair and drops most others.
    frame = fuzzy.comparison_frame(profiles)
    kept = duckdb.sql(f"SELECT l.unique_id AS left, r.unique_id AS right FROM frame l "
                      f"JOIN frame r ON l.unique_id < r.unique_id WHERE {bound}").df()
    pairs = len(frame) * (len(frame) - 1) // 2
    assert len(kept) < pairs / 2
    assert set(zip(plain["left"], plain["right"], strict=True)) <= set(
        zip(kept["left"], kept["right"], strict=True))


def test_levels_without_a_trained_weight_never_prune() -> None:
    from splink import DuckDBAPI, Linker

    profiles = _profiles()
    linker = Linker(DuckDBAPI(duckdb.connect()).register(fuzzy.comparison_frame(profiles)),
                    fuzzy._settings())
    # Untrained: every level has its default weight or none; those with none keep every pair.
    bound = fuzzy.weight_bound_filter(linker._settings_obj, 0.5)
    assert bound is not None and str(fuzzy.NEVER_PRUNED) in bound
    assert fuzzy.with_weight_bound({"blocking_rules_to_generate_predictions": []}, None) == {
        "blocking_rules_to_generate_predictions": []}


def test_training_blocks_are_sampled_whole_and_only_past_the_budget() -> None:
    blocks = pd.Series([f"key{i % 500}" for i in range(20_000)] + [None] * 10)
    pairs = 500 * 40 * 39 / 2
    assert fuzzy.sampled_blocks(blocks, budget=pairs).equals(blocks)
    sampled = fuzzy.sampled_blocks(blocks, budget=pairs / 5)
    assert sampled.equals(fuzzy.sampled_blocks(blocks.copy(), budget=pairs / 5))
    kept = sampled.dropna()
    assert 60 <= kept.nunique() <= 140  # about a fifth of the 500 blocks
    assert (kept.value_counts() == 40).all()  # a block is kept whole or not at all
    assert (sampled.isna() | (sampled == blocks)).all()
