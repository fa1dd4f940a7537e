"""Issue 10's quality floors on tiny zoo worlds (about 1,300 accounts, two campaigns each),
through the whole offline pipeline: about 15 s a world. The seeds differ from
bench/quality_zoo.py's defaults (the README's table) and are printed with every result. The
floors are the issue's: small worlds are the harder case (a campaign of 40 accounts gives
coherence little to work with), so passing here is no tuning to the benchmark's worlds.
"""

from __future__ import annotations

import pytest

from pipelines.generate.zoo.metrics import WorldScore, read_truth, score_result
from pipelines.generate.zoo.world import generate_zoo_world
from pipelines.operate.offline import run_offline
from pipelines.paths import PipelinePaths

pytestmark = pytest.mark.quality_floors
SEEDS = (4242, 5151, 6363)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def scored(request, tmp_path_factory) -> tuple[int, WorldScore]:
    seed = request.param
    world = tmp_path_factory.mktemp(f"zoo-floor-{seed}")
    generate_zoo_world(seed, world, "tiny", progress=lambda _: None)
    result = run_offline(PipelinePaths(landing_dir=str(world / "landing"),
                                       work_dir=str(world / "work")))
    score = score_result(read_truth(world), result)
    print(f"zoo seed {seed}: P {score.pairwise_precision:.4f} R {score.pairwise_recall:.4f} "
          f"campaigns {score.campaigns} legit in flagged {score.legit_in_flagged} "
          f"decoys first {score.decoys_first}")
    return seed, score


def test_pairwise_precision(scored) -> None:
    seed, score = scored
    assert score.pairwise_precision >= 0.99, f"seed {seed}"


def test_pairwise_recall_worst_world(scored) -> None:
    seed, score = scored
    assert score.pairwise_recall >= 0.85, f"seed {seed}"


def test_every_campaign_flagged(scored) -> None:
    seed, score = scored
    missed = [c.campaign_id for c in score.campaigns if c.n_accounts >= 30 and not c.flagged]
    assert not missed, f"seed {seed}: not flagged {missed}"


def test_true_parent_ranked_first(scored) -> None:
    seed, score = scored
    assert score.share_parent_first() >= 0.95, f"seed {seed}: {score.campaigns}"


def test_legitimate_accounts_in_flagged_campaigns(scored) -> None:
    seed, score = scored
    assert score.legit_in_flagged_share <= 0.001, (
        f"seed {seed}: {score.legit_in_flagged} of {score.flagged_accounts}")


def test_no_decoy_ranked_first(scored) -> None:
    seed, score = scored
    assert not score.decoys_first, f"seed {seed}"
