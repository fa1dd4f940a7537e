"""A connection cut in the middle of a load (a network blip, a failover): the driver's retries,
or the step's retry, finish the load, and the graph is exactly the one an undisturbed load
writes."""

from __future__ import annotations

import logging
import shutil
from urllib.parse import urlparse

import pytest
from neo4j import Driver
from neo4j.exceptions import DriverError, Neo4jError

from pipelines.load.assets import load_graph
from pipelines.load.writer import wipe
from pipelines.paths import PipelinePaths
from pipelines.server.graph import Neo4jResource
from pipelines.server.schema import apply_schema
from tests.faults import FlakyProxy
from tests.graphs import differences, graph_dump

pytestmark = pytest.mark.neo4j
LOG = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def resolved_world(attributed_world: PipelinePaths,
                   tmp_path_factory: pytest.TempPathFactory) -> PipelinePaths:
    """A copy of the session's resolved tiny world (a load writes its manifest into the work
    folder, which the reports' world must not carry)."""
    root = tmp_path_factory.mktemp("flaky")
    shutil.copytree(attributed_world.landing, root / "landing")
    shutil.copytree(attributed_world.work, root / "work")
    return PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))


@pytest.fixture(scope="module")
def undisturbed(resolved_world: PipelinePaths, driver: Driver,
                neo4j_resource: Neo4jResource) -> dict[str, list]:
    """The graph an undisturbed load writes, loaded once for every cut: it does not depend
    on where a later load is cut."""
    wipe(driver, "neo4j")
    apply_schema(driver, "neo4j")
    load_graph(neo4j_resource, resolved_world)
    return graph_dump(driver)


@pytest.mark.parametrize("cut_after", [50_000, 2_000_000])
def test_a_connection_cut_mid_load_ends_in_the_same_graph(
    resolved_world: PipelinePaths, undisturbed: dict[str, list], empty_graph: Driver,
    neo4j_resource: Neo4jResource, cut_after: int,
) -> None:
    paths = resolved_world  # empty_graph wiped the graph: the load finds it unknown, rebuilds
    proxy = FlakyProxy(urlparse(neo4j_resource.uri).port or 7687, cut_after)
    through_proxy = neo4j_resource.model_copy(update={"uri": f"bolt://127.0.0.1:{proxy.port}"})
    try:
        try:
            load_graph(through_proxy, paths)
            LOG.info("cut after %s bytes: the driver's retries absorbed it", cut_after)
        except (DriverError, Neo4jError) as exc:  # what the step's RetryPolicy then retries
            LOG.info("cut after %s bytes: the load failed (%r); retrying it", cut_after, exc)
            load_graph(through_proxy, paths)
    finally:
        proxy.close()
    assert proxy.cuts == 1  # the fault happened, mid-traffic
    assert differences(graph_dump(empty_graph), undisturbed) == []
