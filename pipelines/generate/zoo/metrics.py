"""Score a pipeline's predicted campaigns against a zoo world's ground truth.

Inputs are plain frames, the shape :func:`pipelines.operate.offline.run_offline` returns:
``members`` (account_id, campaign_id), ``campaigns`` (campaign_id, is_campaign),
``attributions`` (campaign_id, org_id, rank, confidence); and the truth: ``truth``
(account_id, campaign_id or None), ``true_campaigns`` (campaign_id, parent_org_id) and the
decoy organisation ids.

Definitions (each chosen so that a number cannot look good for the wrong reason):

- Accounts the pipeline put in no predicted campaign are singletons; so are accounts of no
  true campaign.
- **Pairwise precision** counts every predicted pair that involves at least one true campaign
  account: merging a campaign with a legitimate account or with another campaign costs; two
  legitimate colleagues grouped together do not (that accuses nobody; accusing legitimate
  accounts is measured by the flagged share below).
- **Pairwise recall**: true same-campaign pairs that share a predicted campaign.
- A true campaign's **main** predicted campaign holds most of its accounts; its **share** is
  that count over the campaign's size. The campaign is **flagged** when its main predicted
  campaign is (``is_campaign``), and its **parent is first** when the main predicted campaign's
  first-ranked organisation is the true parent.
- **Legitimate in flagged**: accounts of no true campaign inside flagged predicted campaigns,
  as a count and as a share of all accounts in flagged predicted campaigns (what an
  enforcement list would suspend).
- **Decoys first**: predicted campaigns, flagged or not, whose first-ranked organisation is a
  decoy (an organisation that must never be named).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class CampaignScore:
    campaign_id: str
    n_accounts: int
    share_in_main: float
    main_campaign: str | None
    flagged: bool
    parent_first: bool


@dataclass
class WorldScore:
    pairwise_precision: float
    pairwise_recall: float
    campaigns: list[CampaignScore]
    legit_in_flagged: int
    flagged_accounts: int
    decoys_first: list[str] = field(default_factory=list)

    @property
    def legit_in_flagged_share(self) -> float:
        return self.legit_in_flagged / self.flagged_accounts if self.flagged_accounts else 0.0

    def share_flagged(self, min_accounts: int = 30) -> float:
        big = [c for c in self.campaigns if c.n_accounts >= min_accounts]
        return sum(c.flagged for c in big) / len(big) if big else 1.0

    def share_parent_first(self) -> float:
        return (sum(c.parent_first for c in self.campaigns) / len(self.campaigns)
                if self.campaigns else 1.0)

    def mean_share_in_main(self) -> float:
        return (sum(c.share_in_main for c in self.campaigns) / len(self.campaigns)
                if self.campaigns else 1.0)


def _pairs(n: pd.Series | int) -> pd.Series | int:
    return n * (n - 1) // 2


def labelled(truth: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """One row per account of the truth: its true and predicted campaign (None when none)."""
    predicted = members.drop_duplicates("account_id").set_index("account_id")["campaign_id"]
    out = truth[["account_id", "campaign_id"]].rename(columns={"campaign_id": "true"})
    out["predicted"] = out["account_id"].map(predicted)
    return out.astype({"true": object, "predicted": object}).where(out.notna(), None)


def pairwise(frame: pd.DataFrame) -> tuple[float, float]:
    """(precision, recall) of same-campaign pairs; see the module's definitions."""
    t_in = frame["true"].notna()
    p_in = frame["predicted"].notna()
    true_pairs = int(_pairs(frame.loc[t_in, "true"].value_counts()).sum())
    cells = frame[t_in & p_in].groupby(["true", "predicted"]).size()
    hits = int(_pairs(cells).sum())
    sizes = frame[p_in].groupby("predicted").size()
    legit = frame[p_in & ~t_in].groupby("predicted").size().reindex(sizes.index, fill_value=0)
    scored = int((_pairs(sizes) - _pairs(legit)).sum())
    precision = hits / scored if scored else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    return precision, recall


def first_ranked(attributions: pd.DataFrame) -> pd.Series:
    """Predicted campaign -> its first-ranked organisation (ties: confidence, then org id)."""
    if attributions.empty:
        return pd.Series(dtype=object)
    ordered = attributions.sort_values(["campaign_id", "rank", "confidence", "org_id"],
                                       ascending=[True, True, False, True])
    return ordered.drop_duplicates("campaign_id").set_index("campaign_id")["org_id"]


def campaign_scores(frame: pd.DataFrame, true_campaigns: pd.DataFrame,
                    flagged: set[str], first: pd.Series) -> list[CampaignScore]:
    out = []
    for row in true_campaigns.itertuples(index=False):
        mine = frame[frame["true"] == row.campaign_id]
        n = len(mine)
        counts = mine["predicted"].dropna().value_counts()
        if counts.empty:
            main, share = None, (1 / n if n else 0.0)
        else:
            top = counts[counts == counts.max()].index
            main = sorted(top)[0]
            share = float(counts.max() / n)
        out.append(CampaignScore(row.campaign_id, n, share, main, main in flagged,
                                 main is not None and first.get(main) == row.parent_org_id))
    return out


def score_world(truth: pd.DataFrame, true_campaigns: pd.DataFrame, decoy_org_ids: set[str],
                members: pd.DataFrame, campaigns: pd.DataFrame,
                attributions: pd.DataFrame) -> WorldScore:
    frame = labelled(truth, members)
    precision, recall = pairwise(frame)
    flagged = set(campaigns.loc[campaigns["is_campaign"].astype(bool), "campaign_id"])
    first = first_ranked(attributions)
    in_flagged = frame["predicted"].isin(flagged)
    legit = int((in_flagged & frame["true"].isna()).sum())
    decoys = sorted(str(c) for c, org in first.items() if org in decoy_org_ids)
    return WorldScore(precision, recall,
                      campaign_scores(frame, true_campaigns, flagged, first), legit,
                      int(in_flagged.sum()), decoys)


@dataclass(frozen=True)
class Truth:
    accounts: pd.DataFrame
    campaigns: pd.DataFrame
    decoy_org_ids: set[str]


def read_truth(world: Path) -> Truth:
    """The ground truth a zoo world writes beside its landing folder."""
    folder = world / "ground_truth"
    accounts = pd.read_parquet(folder / "accounts.parquet")
    campaigns = pd.DataFrame(json.loads((folder / "campaigns.json").read_text("utf-8")))
    decoys = set(json.loads((folder / "decoy_org_ids.json").read_text("utf-8")))
    return Truth(accounts, campaigns, decoys)


def score_result(truth: Truth, result) -> WorldScore:
    """Score an :class:`pipelines.operate.offline.OfflineResult` (or anything with its frames)."""
    return score_world(truth.accounts, truth.campaigns, truth.decoy_org_ids,
                       result.campaign_members, result.campaigns, result.attributions)
