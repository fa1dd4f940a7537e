"""The campaign half of `attrib explain`: the fewest campaign-level links between two accounts of
one campaign in different clusters, and the words for the evidence that is not a shared value
(a creation burst, a nested piece). Plain tables, no server."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipelines.investigate.explain import (
    Explanation,
    _add_campaign_facts,
    campaign_path,
    describe_evidence,
    render,
)
from pipelines.paths import PipelinePaths
from pipelines.tables import write_table

BURST = {"kind": "burst", "value": "acc_op", "accounts": 61, "weight": 0.6, "held": 46,
         "start": 1_777_852_800, "log10_p": -150.2, "profile_ratio": 298.4}
NESTED = {"kind": "nested", "value": "acc_op", "accounts": 120, "weight": 0.6,
          "carried": ["billing_name: quillfern", "declared_org: quillfern labs"]}


def link(a: str, b: str, score: float, *evidence: dict) -> dict:
    items = list(evidence) or [{"kind": "registrant", "value": f"admin@{a}.example",
                                "accounts": 2, "weight": score}]
    return {"a": min(a, b), "b": max(a, b), "score": score,
            "kinds": ",".join(sorted({e["kind"] for e in items})), "evidence": json.dumps(items)}


def test_the_path_takes_the_fewest_links_and_then_the_strongest_weakest_link() -> None:
    links = pd.DataFrame([link("acc_a", "acc_b", 0.70), link("acc_b", "acc_c", 0.90),
                          link("acc_a", "acc_d", 0.95), link("acc_d", "acc_c", 0.65),
                          link("acc_c", "acc_e", 0.80), link("acc_a", "acc_f", 0.99),
                          link("acc_f", "acc_g", 0.99), link("acc_g", "acc_h", 0.99),
                          link("acc_h", "acc_e", 0.99)])  # longer, however strong
    steps = campaign_path(links, "acc_a", "acc_e")
    assert [(s["from"], s["to"]) for s in steps] == [("acc_a", "acc_b"), ("acc_b", "acc_c"),
                                                      ("acc_c", "acc_e")]
    assert [s["score"] for s in steps] == [0.70, 0.90, 0.80]
    assert campaign_path(links, "acc_a", "acc_nowhere") == []


def test_a_burst_and_a_nesting_say_who_joined_what_and_on_what() -> None:
    burst = describe_evidence(BURST, "acc_new")
    assert "acc_new is one of 61 accounts created" in burst
    assert "2026-05-04 00:00 UTC" in burst and "1e-150" in burst
    assert "46 of them already in the operation of acc_op" in burst and "298x" in burst
    nested = describe_evidence(NESTED, "acc_piece")
    assert "the piece of acc_piece" in nested and "operation of acc_op (120 accounts)" in nested
    assert "billing_name: quillfern; declared_org: quillfern labs" in nested
    plain = describe_evidence({"kind": "email_domain", "value": "quillfern.example",
                               "accounts": 38, "weight": 0.75, "coherence": 0.5265})
    assert plain == ("email_domain: quillfern.example (shared by 38 accounts, weight 0.75, "
                     "coherence 0.53)")


def _paths(tmp_path: Path, campaigns: dict[str, str], links: list[dict]) -> PipelinePaths:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    write_table(paths, "resolved/campaigns", pd.DataFrame(
        {"account_id": list(campaigns), "anchor": "acc_op", "size": len(campaigns),
         "campaign_id": list(campaigns.values())}))
    write_table(paths, "resolved/campaign_links", pd.DataFrame(links))
    return paths


def test_two_clusters_of_one_campaign_are_explained_by_its_links(tmp_path: Path) -> None:
    paths = _paths(tmp_path, {"acc_op": "CP-1", "acc_mate": "CP-1", "acc_new": "CP-1",
                              "acc_other": "CP-2"},
                   [link("acc_op", "acc_mate", 0.9), link("acc_op", "acc_new", 0.6, BURST),
                    link("acc_other", "acc_new", 0.99)])  # a link outside the campaign
    result = Explanation("acc_mate", "acc_new", cluster_a="CL-1", cluster_b="CL-2")
    _add_campaign_facts(result, paths)
    assert result.same_campaign and result.campaign_size == 3
    assert [(s["from"], s["to"]) for s in result.campaign_steps] == [("acc_mate", "acc_op"),
                                                                      ("acc_op", "acc_new")]
    text = render(result)
    assert "SAME CAMPAIGN CP-1 (3 accounts)" in text and "linked in 2 step(s)" in text
    assert "acc_new is one of 61 accounts" in text and "acc_other" not in text

    apart = Explanation("acc_mate", "acc_other", cluster_a="CL-1", cluster_b="CL-3")
    _add_campaign_facts(apart, paths)
    assert not apart.same_campaign and not apart.campaign_steps
    assert "NOT IN ONE CAMPAIGN: acc_mate → CP-1, acc_other → CP-2" in render(apart)


def test_a_client_says_which_agent_and_how_much_the_operation_holds() -> None:
    agent = describe_evidence({"kind": "agent", "value": "acc_op", "agent": "5a8311fb704bf947",
                               "accounts": 74, "held": 58, "coherence": 0.5, "weight": 0.6,
                               "profile_ratio": 125.3}, "acc_new")
    assert "acc_new runs the user agent 5a8311fb704bf947, shared by 74 accounts" in agent
    assert "58 of them already in the operation of acc_op" in agent and "125x" in agent


def test_a_network_block_says_which_block_and_how_much_the_operation_holds() -> None:
    block = describe_evidence({"kind": "network", "value": "acc_op", "network": "198.51.100.0/24",
                               "accounts": 24, "held": 9, "coherence": 0.41, "weight": 0.6,
                               "profile_ratio": 310.0}, "acc_new")
    assert "acc_new signed up from 198.51.100.0/24, one of 24 accounts from that block" in block
    assert "9 of them already in the operation of acc_op" in block and "310x" in block


def test_weak_values_together_say_which_values_tie_the_two_operations() -> None:
    tie = describe_evidence({"kind": "weak_together", "value": "acc_op", "accounts": 80,
                             "values": ["user_agent=95c6f008 (159 accounts)",
                                        "prepaid_bin=53122227 (147 accounts)"],
                             "weight": 0.6}, "acc_part")
    assert "acc_part is in an operation of 80 accounts" in tie
    assert "with the operation of acc_op" in tie
    assert "user_agent=95c6f008 (159 accounts); prepaid_bin=53122227 (147 accounts)" in tie


def test_exits_and_schedule_say_how_much_of_each_the_account_shares() -> None:
    line = describe_evidence({"kind": "exits_and_schedule", "value": "acc_op", "accounts": 412,
                              "exits": 37, "exit_share": 0.97, "schedule_share": 0.42,
                              "lift": 5.3, "log10_p": -31.4, "weight": 0.7}, "acc_new")
    assert "acc_new sent 97% of its requests through 37 exit addresses" in line
    assert "operation of acc_op (412 accounts)" in line and "42% of its activity" in line
    assert "5.3x" in line and "1e-31" in line


def test_one_schedule_says_how_closely_the_two_operations_keep_it() -> None:
    line = describe_evidence({"kind": "schedule", "value": "acc_op", "operation": "acc_part",
                              "accounts": 21, "common": 531, "share": 0.998, "lift": 2.9,
                              "days": 13, "of_days": 14, "weight": 0.7}, "acc_0042")
    assert "acc_0042 is in an operation of 21 accounts (of acc_part)" in line
    assert "the operation of acc_op: 531 buckets, 100% of its own" in line
    assert "2.9x" in line and "in step on 13 of the 14 days" in line
