"""The zoo's quality metrics on tiny hand-made frames whose answers can be counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.generate.zoo.metrics import first_ranked, labelled, pairwise, score_world


def _truth(**campaign_of: str | None) -> pd.DataFrame:
    return pd.DataFrame({"account_id": list(campaign_of),
                         "campaign_id": list(campaign_of.values())})


def _members(**group_of: str) -> pd.DataFrame:
    return pd.DataFrame({"account_id": list(group_of), "campaign_id": list(group_of.values())})


TRUTH = _truth(a1="A", a2="A", a3="A", a4="A", b1="B", b2="B", l1=None, l2=None, l3=None)
TRUE_CAMPAIGNS = pd.DataFrame({"campaign_id": ["A", "B"], "parent_org_id": ["P-A", "P-B"]})


def test_perfect_prediction_scores_one() -> None:
    members = _members(a1="x", a2="x", a3="x", a4="x", b1="y", b2="y")
    assert pairwise(labelled(TRUTH, members)) == (1.0, 1.0)


def test_split_campaign_loses_recall_not_precision() -> None:
    # A split 2 + 2: 2 of its 6 pairs found; B whole (1 pair). Recall 3/7.
    members = _members(a1="x", a2="x", a3="z", a4="z", b1="y", b2="y")
    precision, recall = pairwise(labelled(TRUTH, members))
    assert precision == 1.0
    assert recall == pytest.approx(3 / 7)


def test_legit_account_merged_into_campaign_costs_precision() -> None:
    # x = A's four + l1: 10 pairs, 6 true; y = B: 1 pair. Precision 7/11.
    members = _members(a1="x", a2="x", a3="x", a4="x", l1="x", b1="y", b2="y")
    precision, recall = pairwise(labelled(TRUTH, members))
    assert precision == pytest.approx(7 / 11)
    assert recall == 1.0


def test_legit_colleagues_grouped_together_are_not_scored() -> None:
    members = _members(a1="x", a2="x", a3="x", a4="x", b1="y", b2="y", l1="t", l2="t", l3="t")
    assert pairwise(labelled(TRUTH, members)) == (1.0, 1.0)


def test_two_campaigns_merged_cost_precision() -> None:
    members = _members(a1="x", a2="x", a3="x", a4="x", b1="x", b2="x")
    precision, recall = pairwise(labelled(TRUTH, members))
    assert precision == pytest.approx(7 / 15)
    assert recall == 1.0


def test_nothing_predicted_has_zero_recall() -> None:
    precision, recall = pairwise(labelled(TRUTH, _members()))
    assert (precision, recall) == (1.0, 0.0)


def test_first_ranked_prefers_rank_then_confidence() -> None:
    attributions = pd.DataFrame({"campaign_id": ["x", "x", "x", "y"],
                                 "org_id": ["O2", "O1", "O3", "O9"], "rank": [2, 1, 1, 1],
                                 "confidence": [0.9, 0.4, 0.6, 0.5]})
    assert first_ranked(attributions).to_dict() == {"x": "O3", "y": "O9"}


def test_world_score_per_campaign_and_enforcement_figures() -> None:
    # A: 3 of 4 in x (flagged, parent first); B: split into singletons; l1 inside flagged x.
    members = _members(a1="x", a2="x", a3="x", l1="x", a4="w", l2="v", l3="v")
    campaigns = pd.DataFrame({"campaign_id": ["x", "w", "v"], "is_campaign": [True, False, True]})
    attributions = pd.DataFrame({"campaign_id": ["x", "v"], "org_id": ["P-A", "DECOY"],
                                 "rank": [1, 1], "confidence": [0.9, 0.8]})
    score = score_world(TRUTH, TRUE_CAMPAIGNS, {"DECOY"}, members, campaigns, attributions)
    a, b = score.campaigns
    assert (a.main_campaign, a.share_in_main, a.flagged, a.parent_first) == ("x", 0.75, True, True)
    assert (b.main_campaign, b.share_in_main, b.flagged, b.parent_first) == (None, 0.5, False,
                                                                             False)
    assert score.legit_in_flagged == 3  # l1 in x, l2 and l3 in v
    assert score.flagged_accounts == 6
    assert score.legit_in_flagged_share == pytest.approx(0.5)
    assert score.decoys_first == ["v"]
    assert score.share_flagged(min_accounts=2) == 0.5
    assert score.share_parent_first() == 0.5
    assert score.mean_share_in_main() == pytest.approx(0.625)
