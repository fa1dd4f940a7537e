"""Latency of every library query on a built graph (warm): p50 and p95 per query, next to the
server's round trip for `RETURN 1` measured in the same run.

    .venv/bin/python bench/bench_queries.py                      # demo preset
    .venv/bin/python bench/bench_queries.py --preset seed --dir /tmp/bench-seed --reuse
    .venv/bin/python bench/bench_queries.py --graph-as-is    # the graph Neo4j holds now
    .venv/bin/python bench/bench_queries.py --baseline main   # also time main's version of
                                                              # each query that differs

It builds the preset's world with the main job (replacing the configured Neo4j's contents, as
the main job does), then draws each query's id parameters from the graph the way an investigator
would pick them: the largest clusters and campaigns, two accounts of one cluster, two clusters
of one campaign, the parents campaigns are attributed to. Other parameters keep their defaults.
"query" is the library query alone in a read transaction; "library call" adds what `attrib query`
does before it (parameter and id checks, an EXPLAIN that proves the query reads only).
"""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dagster as dg
from neo4j import Driver, RoutingControl

from bench.common import print_table, progress, world_parser
from pipelines.generate.world import generate_world
from pipelines.investigate.queries import (
    LibraryQuery,
    bind_parameters,
    library,
    parse_query,
    run_read_only,
)
from pipelines.operate.runner import run_main_job
from pipelines.paths import PipelinePaths
from pipelines.server.graph import open_driver
from pipelines.settings import Neo4jSettings

TARGET_MS = 50.0  # issue 12: every library query's p95 on the seed graph
SAMPLES = 20  # id values (or pairs) drawn per kind of parameter
# Where investigators start: the largest clusters and campaigns, the parents named first. One
# query per set of id parameters a library query takes, its columns named as the parameters.
_LARGEST_CLUSTERS = """
MATCH (c:Cluster)<-[:IN_CLUSTER]-(a:Account)
WITH c, count(a) AS size, collect(a.account_id)[..2] AS two
ORDER BY size DESC LIMIT $n
"""
ID_SAMPLES = {
    frozenset({"account_id"}): _LARGEST_CLUSTERS + "RETURN two[0] AS account_id",
    frozenset({"account_a", "account_b"}):
        _LARGEST_CLUSTERS + "RETURN two[0] AS account_a, two[-1] AS account_b",
    frozenset({"cluster_id"}): _LARGEST_CLUSTERS + "RETURN c.cluster_id AS cluster_id",
    frozenset({"cluster_a", "cluster_b"}): """
        MATCH (c:Campaign)<-[:PART_OF]-(cl:Cluster)
        WITH c, collect(cl.cluster_id) AS clusters WHERE size(clusters) >= 2
        ORDER BY size(clusters) DESC LIMIT $n
        RETURN clusters[0] AS cluster_a, clusters[-1] AS cluster_b""",
    frozenset({"org_id"}): """
        MATCH (:Campaign)-[:ATTRIBUTED_TO {rank: 1}]->(o:Organisation)
        RETURN DISTINCT o.org_id AS org_id LIMIT $n""",
    frozenset({"account_id", "org_id"}): """
        MATCH (a:Account)-[:IN_CAMPAIGN]->(c:Campaign)-[:ATTRIBUTED_TO {rank: 1}]->(o)
        WITH c, o, count(a) AS size, collect(a.account_id)[0] AS account_id
        ORDER BY size DESC LIMIT $n
        RETURN account_id, o.org_id AS org_id""",
}
NODES = "MATCH (n) RETURN count(n) AS n"
RELATIONSHIPS = "MATCH ()-[r]->() RETURN count(r) AS n"
FLOOR = "RETURN 1 AS one"


def build(paths: PipelinePaths, preset: str, seed: int, reuse: bool) -> None:
    if not reuse:
        generate_world(preset, seed, paths.landing.parent, progress)
    progress("main job: ingest, resolve, load, attribute (writes only the difference on --reuse)")
    result, seconds = run_main_job(paths=paths, instance=dg.DagsterInstance.ephemeral())
    if not result.success:
        raise SystemExit("the main job failed; see its log above")
    progress(f"main job done in {seconds:.0f}s")


def _read(driver: Driver, database: str, text: str, **params: object) -> list[dict]:
    records, _, _ = driver.execute_query(text, params, database_=database,
                                         routing_=RoutingControl.READ)
    return [dict(r.items()) for r in records]


def parameter_sets(driver: Driver, database: str, query: LibraryQuery) -> list[dict]:
    """The id parameter sets to run ``query`` with ([{}] when it takes no id; [] when the
    graph has none to draw, such as no campaign of two clusters)."""
    ids = frozenset(p.name for p in query.parameters if p.node is not None)
    if not ids:
        return [{}]
    if ids not in ID_SAMPLES:
        raise SystemExit(f"{query.name} takes ids {sorted(ids)}: add a query that draws them "
                         "to ID_SAMPLES in bench/bench_queries.py")
    return _read(driver, database, ID_SAMPLES[ids], n=SAMPLES)


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _query_alone(driver: Driver, database: str, query: LibraryQuery, bound: dict) -> None:
    with driver.session(database=database, default_access_mode="READ") as session:
        session.execute_read(lambda tx: tx.run(query.text, bound).consume())


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 \
        else values[0]


def measure(driver: Driver, database: str, query: LibraryQuery, sets: list[dict],
            runs: int, warmup: int) -> tuple[list[float], list[float]]:
    """Latencies (ms) of the query alone and of the whole library call, cycling ``sets``."""
    alone, whole = [], []
    for given in islice(cycle(sets), warmup):
        run_read_only(driver, database, query, given)
    for given in islice(cycle(sets), runs):
        bound = bind_parameters(query, given)
        alone += _timed(lambda b=bound: _query_alone(driver, database, query, b), 1)
        whole += _timed(lambda g=given: run_read_only(driver, database, query, g), 1)
    return alone, whole


def baseline_version(query: LibraryQuery, ref: str | None) -> LibraryQuery | None:
    """The query as it stands at git ``ref``, when that text differs from the working tree's
    (None when equal, or when the query did not exist there)."""
    if ref is None:
        return None
    shown = subprocess.run(["git", "show", f"{ref}:queries/{query.path.name}"],
                           capture_output=True, text=True, cwd=query.path.parent.parent)
    if shown.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as folder:
        old_path = Path(folder) / query.path.name
        old_path.write_text(shown.stdout, encoding="utf-8")
        old = parse_query(old_path)
    return None if old.text == query.text else dataclasses.replace(old, path=query.path)


def rows(driver: Driver, database: str, runs: int, warmup: int,
         baseline: str | None = None) -> Iterator[list[object]]:
    floor = _timed(lambda: _read(driver, database, FLOOR), max(runs, 20))
    yield ["(round trip: RETURN 1)", "-", len(floor), statistics.median(floor),
           _p95(floor), "-", "-", "-"]
    for query in library():
        sets = parameter_sets(driver, database, query)
        if not sets:
            yield [query.name, "no ids to draw", 0, "-", "-", "-", "-", "-"]
            continue
        alone, whole = measure(driver, database, query, sets, runs, warmup)
        p95 = _p95(alone)
        old = baseline_version(query, baseline)
        old_p95 = _p95(measure(driver, database, old, sets, runs, warmup)[0]) if old else "same"
        yield [query.name, len(sets), len(alone), statistics.median(alone), p95,
               _p95(whole), "yes" if p95 <= TARGET_MS else "NO",
               old_p95 if baseline else "-"]


def main() -> None:
    parser = world_parser(__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the world already in --dir (the job then writes only the "
                             "difference to the graph)")
    parser.add_argument("--graph-as-is", action="store_true",
                        help="build nothing: time the queries on the graph the configured Neo4j "
                             "holds now (one `bench_seed.py` left, say)")
    parser.add_argument("--runs", type=int, default=40, help="timed runs per query")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs per query first")
    parser.add_argument("--baseline", metavar="GIT_REF", default=None,
                        help="also time each query's text at this git ref (a commit or branch) "
                             "on the same graph, where it differs")
    args = parser.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix=f"bench-queries-{args.preset}-"))
    paths = PipelinePaths(landing_dir=str(root / "landing"), work_dir=str(root / "work"))
    if not args.graph_as_is:
        build(paths, args.preset, args.seed, args.reuse)
    settings = Neo4jSettings.from_env()
    driver = open_driver(settings)
    try:
        nodes = _read(driver, settings.database, NODES)[0]["n"]
        relationships = _read(driver, settings.database, RELATIONSHIPS)[0]["n"]
        table = list(rows(driver, settings.database, args.runs, args.warmup, args.baseline))
    finally:
        driver.close()
    built = "the graph as found" if args.graph_as_is else f"preset {args.preset}, seed {args.seed}"
    print_table(f"Library query latency (warm), {built}: "
                f"{nodes:,} nodes, {relationships:,} relationships",
                ["query", "id sets", "runs", "p50 ms", "p95 ms", "p95 library call ms",
                 f"p95 <= {TARGET_MS:.0f} ms", f"p95 ms at {args.baseline or '(no baseline)'}"],
                table)


if __name__ == "__main__":
    main()
