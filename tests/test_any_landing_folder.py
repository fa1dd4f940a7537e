"""Every step tolerates what a landing folder can hold: zero rows, zero clusters, zero candidates,
zero usage days, one account, traffic spread so evenly that no time bucket is hot. Hypothesis
draws small random landing folders (empty and degenerate ones included), the whole pipeline runs
on each, and it either succeeds or fails at ingestion with a contract message, never with an
exception from a later step. Most examples run the plain-function pipeline; a few run the real
Dagster job on the real Neo4j."""

from __future__ import annotations

import logging
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipelines.contract import load_contracts
from pipelines.errors import ContractError
from pipelines.operate.offline import run_offline
from pipelines.operate.runner import run_main_job
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from tests.landing import account, payment, write_landing
from tests.mini_world import mini_world

LOG = logging.getLogger(__name__)
SOURCES = sorted(load_contracts())
DAYS = ("2026-05-01", "2026-05-02", "2026-05-03")


@dataclass(frozen=True)
class LandingSpec:
    """The shape of one drawn landing folder (printed for every example, so it can be rebuilt)."""

    operator_accounts: int
    legit_accounts: int
    shared_card: bool
    usage_days: int
    requests_per_account: int
    evenly_spread: bool  # every account active in every bucket: nothing is hot
    bad_account_rows: int
    empty_sources: frozenset[str]
    seed: int


@st.composite
def landing_specs(draw: st.DrawFn) -> LandingSpec:
    return LandingSpec(
        operator_accounts=draw(st.integers(0, 12)),
        legit_accounts=draw(st.integers(0, 4)),
        shared_card=draw(st.booleans()),
        usage_days=draw(st.integers(0, 3)),
        requests_per_account=draw(st.integers(0, 4)),
        evenly_spread=draw(st.booleans()),
        bad_account_rows=draw(st.integers(0, 3)),
        empty_sources=frozenset(draw(st.one_of(
            st.just(set()), st.sets(st.sampled_from(SOURCES), max_size=2)))),
        seed=draw(st.integers(0, 2**16)),
    )


EMPTY = LandingSpec(0, 0, False, 0, 0, False, 0, frozenset(), 0)
ONE_ACCOUNT = LandingSpec(0, 1, False, 1, 1, False, 0, frozenset(), 1)
NO_HOT_BUCKET = LandingSpec(12, 0, True, 2, 3, True, 0, frozenset(), 2)
NOTHING_BUT_ACCOUNTS = LandingSpec(3, 1, True, 0, 0, False, 1,
                                   frozenset(set(SOURCES) - {"accounts"}), 3)


def _usage(spec: LandingSpec, ids: list[str]) -> list[dict]:
    rows = []
    for day in DAYS[:spec.usage_days]:
        for n, account_id in enumerate(ids):
            for k in range(spec.requests_per_account):
                minute = (n * 7 + k * 13 + spec.seed) % 60 if spec.evenly_spread else k
                hour = (n + k * 5) % 24 if spec.evenly_spread else 3
                rows.append({
                    "ts": f"{day}T{hour:02d}:{minute:02d}:00Z", "account_id": account_id,
                    "api_key_id": f"key_{account_id}", "source_ip": f"198.18.0.{n % 250 + 1}",
                    "model": "model-large-2026-04", "input_tokens": 10 + k,
                    "output_tokens": 100, "prompt_category": "cot_elicitation",
                    "request_id": f"req_{day}_{account_id}_{k}"})
    return rows


def build_landing(spec: LandingSpec, landing: Path) -> None:
    world = mini_world(operator_accounts=0, legit_accounts=0)
    operator = [f"acc_op_{i}" for i in range(spec.operator_accounts)]
    legit = [f"acc_lg_{i}" for i in range(spec.legit_accounts)]
    world["accounts"] = [account(a, email=f"{a}@qinglan-data.test", declared_org="Qinglan Data",
                                 user_agent="python-httpx/0.27.0") for a in operator]
    world["accounts"] += [account(a, display_name=f"Legit {a}") for a in legit]
    world["accounts"] += [account(f"acc_bad_{i}", email="not an address")
                          for i in range(spec.bad_account_rows)]
    card = "fp_shared_card_0001" if spec.shared_card else None
    world["payment_instruments"] = [payment(a, card or f"fp_{a}", bin="411111", last4="1111",
                                            funding_type="prepaid") for a in operator]
    world["api_usage"] = _usage(spec, operator + legit)
    for source in spec.empty_sources:
        world[source] = []
    write_landing(landing, **world)
    if spec.usage_days == 0:
        for day_file in (landing / "api_usage").glob("*"):
            day_file.unlink()


def _raised_at_ingestion(error: BaseException) -> bool:
    frames = traceback.extract_tb(error.__traceback__)
    return isinstance(error, ContractError) and any("/pipelines/ingest/" in f.filename
                                                    for f in frames[-3:])


@settings(max_examples=6, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow])
@example(EMPTY)
@example(ONE_ACCOUNT)
@example(NO_HOT_BUCKET)
@example(NOTHING_BUT_ACCOUNTS)
@given(landing_specs())
def test_the_pipeline_succeeds_or_stops_at_ingestion(spec: LandingSpec) -> None:
    LOG.info("landing folder drawn: %s", spec)
    print(f"landing folder drawn: {spec}")
    with tempfile.TemporaryDirectory() as root:
        paths = PipelinePaths(landing_dir=f"{root}/landing", work_dir=f"{root}/work")
        build_landing(spec, paths.landing)
        try:
            result = run_offline(paths)
        except ContractError as error:
            assert _raised_at_ingestion(error), traceback.format_exc()
            assert "schemas/contract/" in str(error), str(error)  # a contract message
            return
    assert set(result.clusters["account_id"]) <= {f"acc_op_{i}" for i in range(12)} | {
        f"acc_lg_{i}" for i in range(4)}
    assert result.attributions["rank"].ge(1).all()


def _failed_steps(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    failed = {}
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            failed[event.step_key] = error.cls_name if error is not None else "?"
    return failed


@pytest.mark.neo4j
@settings(max_examples=2, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@example(spec=NO_HOT_BUCKET)
@given(spec=landing_specs())
def test_the_dagster_job_succeeds_or_stops_at_ingestion(
    spec: LandingSpec, neo4j_resource: Neo4jResource, empty_graph
) -> None:
    LOG.info("landing folder drawn: %s", spec)
    print(f"landing folder drawn: {spec}")
    with tempfile.TemporaryDirectory() as root:
        paths = PipelinePaths(landing_dir=f"{root}/landing", work_dir=f"{root}/work")
        build_landing(spec, paths.landing)
        result, _ = run_main_job(paths=paths, instance=dg.DagsterInstance.ephemeral(),
                                 neo4j=neo4j_resource)
    failed = _failed_steps(result)
    assert all(step.startswith("ingested_") for step in failed), failed
    assert all(kind in {"ContractError", "DagsterAssetCheckFailedError"}
               for kind in failed.values()), failed
    if result.success:
        assert result.asset_materializations_for_node("identity_graph")
