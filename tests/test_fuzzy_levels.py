"""The billing model's levels read back from the weights Splink writes for each comparison,
instead of beside both sides' compared columns: the same levels pair for pair, and the written
columns again wherever two levels of a comparison weigh the same. Names are fictional."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from pipelines.resolve import fuzzy
from pipelines.resolve.billing_increment import tf_lookup, tf_totals
from tests.test_fuzzy_bound import _profiles


def test_levels_from_weights_are_the_levels_splink_writes(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    data = fuzzy.comparison_frame(_profiles())
    lookups = {c: tf_lookup(data, c, total) for c, total in tf_totals(data).items()}

    def scores(model: dict | None) -> tuple[pd.DataFrame, dict]:
        frame, model = fuzzy._splink_scores(data, model, lookups, 0.5, narrowed=False)
        return frame.sort_values(["unique_id_l", "unique_id_r"]).reset_index(drop=True), model

    read_back, model = scores(None)
    monkeypatch.setattr(fuzzy, "levels_by_weight", lambda settings: None)
    written, _ = scores(model)
    assert len(written) > 0 and any(c.startswith("gamma_") for c in written)
    pd.testing.assert_frame_equal(read_back, written)


def _settings(*weights: float | None) -> SimpleNamespace:
    # The null level first (level -1), then the others from the best down to 0.
    gammas = [-1, *range(len(weights) - 2, -1, -1)]
    levels = [SimpleNamespace(_match_weight=w, comparison_vector_value=g)
              for g, w in zip(gammas, weights, strict=True)]
    return SimpleNamespace(comparisons=[
        SimpleNamespace(output_column_name="name", comparison_levels=levels)])


def test_levels_that_weigh_the_same_cannot_be_told_apart() -> None:
    assert fuzzy.levels_by_weight(_settings(0.0, 5.5, 2.0, -3.0)) == {
        "name": {0.0: -1, 5.5: 2, 2.0: 1, -3.0: 0}}
    assert fuzzy.levels_by_weight(_settings(0.0, None, None)) == {"name": {0.0: -1}}
    assert fuzzy.levels_by_weight(_settings(0.0, 2.0, 2.0, -3.0)) is None


def test_a_weight_no_level_has_is_an_error() -> None:
    import duckdb

    frame = duckdb.sql("SELECT * FROM (VALUES (5.5), (1.0)) AS t(mw_name)")
    levels = frame.project(", ".join(fuzzy.level_columns({"name": {5.5: 2, 0.0: -1}}))).df()
    assert levels["gamma_name"].tolist() == [2, fuzzy.NO_LEVEL]


def test_a_level_training_never_saw_weighs_nothing_instead_of_dropping_the_pair() -> None:
    def scores(profiles: pd.DataFrame, model: dict | None) -> tuple[pd.DataFrame, dict]:
        data = fuzzy.comparison_frame(profiles)
        lookups = {c: tf_lookup(data, c, total) for c, total in tf_totals(data).items()}
        return fuzzy._splink_scores(data, model, lookups, 0.5, narrowed=False)

    # Trained where no two profiles' towns are a typo apart: the near-town level is unseen.
    _, model = scores(_profiles(), None)
    city = next(c for c in model["comparisons"] if c["output_column_name"] == "city")
    near = next(level for level in city["comparison_levels"]
                if "jaro" in level["sql_condition"])
    assert near["m_probability"] == near["u_probability"]

    # Scored with that model, one person written twice with the town misspelt is still a pair.
    again = pd.DataFrame({"account_id": ["z1", "z2"], "billing_name": "zed quill",
                          "billing_address": ["7 elm road, riverton, 4001",
                                              "7 elm road, rivertonn, 4001"],
                          "billing_country": "NZ"})
    profiles = fuzzy.billing_profiles(again)
    both = pd.concat([_profiles().drop(columns="unique_id"), profiles.drop(columns="unique_id")],
                     ignore_index=True).rename_axis("unique_id").reset_index()
    assert set(profiles["city"]) == {"riverton", "rivertonn"}
    frame, _ = scores(both, model)
    twins = both.index[both["name"].isin(profiles["name"])].tolist()
    assert len(twins) == 2
    assert ((frame["unique_id_l"] == twins[0]) & (frame["unique_id_r"] == twins[1])).any()
