"""Billing matches by difference: a daily run that keeps the model scores only the pairs its
drop can have changed, and its result equals scoring every pair with that model. Names and
addresses are fictional."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.resolve import billing_increment as increment
from pipelines.resolve.fuzzy import (
    PREDICTION_WINDOW,
    billing_matches,
    billing_profiles,
    windowed_keys,
)

FIRST = ("ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal", "ivy", "jo", "kai", "lea")
LAST = ("smith", "tane", "moana", "ruru", "kahu", "weka", "toroa", "kea")
STREETS = ("elm road", "oak lane", "ash way", "fir street", "kauri road")
OFFICE = "level 3, 12 harbour street, portsea, 6011"  # more profiles than a blocking window
RULE = {"min_probability": 0.5, "retrain_growth": 0.25}
KEYS = ["profile_l", "profile_r"]


def _people() -> list[tuple[str, str]]:
    """Ninety-six people on five streets, a tenth written again with a typo, and 110 staff
    names billed to one office (its address words are one blocking key cut into windows)."""
    rows = [(f"{first} {last}", f"{n % 40 + 1} {STREETS[n % 5]}, "
             f"{('riverton', 'dunmore')[n % 2]}, {4000 + n % 7}")
            for n, (first, last) in enumerate((f, la) for f in FIRST for la in LAST)]
    rows += [(name.replace("a", "e", 1), address.replace("road", "rd"))
             for name, address in rows[::10]]
    rows += [(f"{FIRST[n % 12]} {LAST[n % 8]}{'abcdefghijklmn'[n // 8]}", OFFICE)
             for n in range(110)]
    return rows


def _payments(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"account_id": [f"a{i}" for i in range(len(rows))],
                         "billing_name": [n for n, _ in rows],
                         "billing_address": [a for _, a in rows], "billing_country": "NZ"})


def _drop(rows: list[tuple[str, str]], office_grows: bool) -> list[tuple[str, str]]:
    """A day's drop: new people, a typo of someone already known (a name and address whose
    counts change), a card removed and, if ``office_grows``, new staff at the office (which
    moves its windows and changes the count of its address: all its pairs score anew)."""
    new = [(f"{first} quill", f"{n} larch lane, riverton, 4002") for n, first in enumerate(FIRST)]
    if office_grows:
        new += [(f"{FIRST[n]} {LAST[n % 8]}ab", OFFICE) for n in range(6)]
    new += [(rows[3][0], rows[3][1].replace("4", "44", 1))]
    return rows[:7] + rows[8:] + new


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEYS).reset_index(drop=True)


@pytest.mark.parametrize("office_grows", [False, True])
def test_a_daily_run_by_difference_equals_scoring_every_pair_with_the_kept_model(
        office_grows: bool) -> None:
    before = _people()
    after = _drop(before, office_grows)
    _, trained = billing_matches(_payments(before), RULE)
    assert trained is not None and trained.changed == trained.trained_on == len(
        billing_profiles(_payments(before)))

    daily_matches, daily = billing_matches(_payments(after), RULE, trained)
    # Every pair scored anew with the same model and term-frequency totals: nothing reused.
    blank = dataclasses.replace(trained, signatures=trained.signatures[:0],
                                scored=trained.scored[:0])
    full_matches, full = billing_matches(_payments(after), RULE, blank)

    profiles = len(billing_profiles(_payments(after)))
    assert daily.trained_on == full.trained_on == trained.trained_on  # the model was kept
    assert full.changed == profiles and full.reused_pairs == 0
    # Only part of the profiles was scored again, more than the new ones (counts changed), and
    # on a quiet day most pairs were read from the previous run.
    assert 13 < daily.changed < (profiles if office_grows else profiles / 4)
    assert daily.reused_pairs > (0 if office_grows else len(daily.scored) / 2)
    scored = ["key_l", "key_r"]
    pd.testing.assert_frame_equal(daily.scored.sort_values(scored).reset_index(drop=True),
                                  full.scored.sort_values(scored).reset_index(drop=True))
    columns = [*KEYS, "match_probability", "match_weight", "gammas"]
    pd.testing.assert_frame_equal(_sorted(daily_matches[columns]), _sorted(full_matches[columns]))
    assert len(daily_matches) > 20


def test_the_model_is_trained_again_past_the_growth_share_or_on_new_code() -> None:
    before = _people()
    _, trained = billing_matches(_payments(before), RULE)
    grown = before + [(f"{first} {last}x", "9 birch way, dunmore, 4100")
                      for first in FIRST for last in LAST[:6]]  # 72 more: past a quarter
    _, after_growth = billing_matches(_payments(grown), RULE, trained)
    assert after_growth.trained_on == len(billing_profiles(_payments(grown)))
    assert after_growth.reused_pairs == 0

    stale = dataclasses.replace(trained, version="another matcher")
    _, retrained = billing_matches(_payments(before), RULE, stale)
    assert retrained.changed == retrained.trained_on and retrained.reused_pairs == 0

    same = billing_matches(_payments(before), RULE, trained)[1]
    assert same.changed == 0 and same.reused_pairs == len(trained.scored)


def test_the_state_round_trips_and_moves_forward_whole(tmp_path: Path) -> None:
    _, state = billing_matches(_payments(_people()), RULE)
    written = tmp_path / "resolved" / "billing"
    increment.save_state(state, written)
    kept = tmp_path / "state" / "billing"
    increment.copy_state(written, kept)
    again = increment.read_state(kept)
    assert again is not None and again.model == state.model and again.version == state.version
    assert again.trained_on == state.trained_on and again.tf_totals == state.tf_totals
    pd.testing.assert_frame_equal(again.scored, state.scored)
    pd.testing.assert_frame_equal(again.signatures, state.signatures)
    # A state missing a file is no state: the next run trains anew.
    (kept / "scored.parquet").unlink()
    assert increment.read_state(kept) is None
    # A run that wrote no state (too few profiles) leaves none behind for the next.
    increment.copy_state(written, kept)
    assert increment.read_state(kept) is not None
    increment.copy_state(tmp_path / "nothing written", kept)
    assert not kept.exists()


def _block(names: list[str]) -> pd.Series:
    return windowed_keys(pd.Series([["one office"]] * len(names)), pd.Series(names))


def test_content_windows_move_little_when_a_block_grows() -> None:
    """A block of 3,000 profiles (one street, one office) is cut into windows by content: each
    profile is in two, neighbours share one, no window passes twice the window size, and a day
    that adds 1 % of profiles leaves the other profiles' windows as they were, but for a few."""
    rng = np.random.default_rng(5)
    names = [f"name {n:08d}" for n in rng.integers(0, 10**8, 3000)]
    names.sort()
    before = _block(names)
    assert before.map(len).eq(2).all()
    first, second = before.str[0], before.str[1]
    assert ((first == first.shift()) | (second == second.shift()))[1:].all()
    assert max(first.value_counts().max(), second.value_counts().max()) <= 2 * PREDICTION_WINDOW
    assert 0.3 * PREDICTION_WINDOW < first.value_counts().mean() < 0.7 * PREDICTION_WINDOW
    grown = names + [f"name {n:08d}" for n in rng.integers(0, 10**8, 30)]
    after = _block(grown)[: len(names)]
    moved = int((after.map(tuple) != before.map(tuple)).sum())
    assert moved < 0.1 * len(names), moved  # cut by rank, nearly every profile would move


def test_term_frequencies_count_common_values_on_a_coarse_scale() -> None:
    counts = {"rare": 3, "sixteen": 16, "common": 213, "street": 6800}
    values = pd.Series([v for v, n in counts.items() for _ in range(n)])
    coarse = increment.coarse_counts(values)
    assert coarse["rare"] == 3 and coarse["sixteen"] == 16
    for value in ("common", "street"):
        assert 2**-0.25 <= coarse[value] / counts[value] <= 2**0.25
    # a common value gaining 1 % a day keeps its count on most days
    kept = [increment.coarse_counts(pd.Series(["v"] * n))["v"]
            == increment.coarse_counts(pd.Series(["v"] * (n + n // 100)))["v"]
            for n in range(200, 2000, 7)]
    assert sum(kept) > 0.9 * len(kept)
