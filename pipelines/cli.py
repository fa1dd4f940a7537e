"""The `attrib` command: manage the local Neo4j, generate worlds, run the pipeline."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pipelines.errors import AttribError, NotFoundError
from pipelines.generate.presets import PRESETS
from pipelines.generate.zoo.sizes import SIZES as ZOO_SIZES
from pipelines.server import local as neo4j_local
from pipelines.settings import PROJECT_ROOT, Neo4jSettings, local_http_port

DEMO_DIR = PROJECT_ROOT / "data" / "demo"


def _neo4j_command(args: argparse.Namespace) -> int:
    action = args.action
    if action == "start":
        neo4j_local.start()
    elif action == "stop":
        neo4j_local.stop()
    elif action == "status":
        return 0 if neo4j_local.status() else 1
    elif action == "logs":
        print(neo4j_local.log_tail(neo4j_local.LocalNeo4j.from_env(), args.lines))
    elif action == "install":
        server = neo4j_local.LocalNeo4j.from_env()
        neo4j_local.install(server)
        neo4j_local.configure(server)
        neo4j_local.log(f"installed in {server.home}")
    elif action == "reset":
        neo4j_local.reset()
    elif action == "exec":
        command = [c for c in args.command if c != "--"]
        if not command:
            raise AttribError("`attrib neo4j exec` needs a command after `--`.")
        return neo4j_local.run_with_server(command)
    return 0


def _add_neo4j_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "neo4j", help="manage the project's local Neo4j (skipped when NEO4J_URI is elsewhere)"
    )
    parser.add_argument(
        "action",
        choices=["install", "start", "stop", "status", "logs", "reset", "exec"],
        help="start/stop are idempotent; exec runs a command with Neo4j up and stops it "
        "afterwards if exec started it; reset deletes the local data",
    )
    parser.add_argument("-n", "--lines", type=int, default=40, help="lines of log for `logs`")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="for exec: -- COMMAND ...")
    parser.set_defaults(handler=_neo4j_command)


def _generate_command(args: argparse.Namespace) -> int:
    if args.zoo:
        from pipelines.generate.zoo.world import generate_zoo_world

        out = Path(args.out or PROJECT_ROOT / "data" / "zoo" / f"{args.zoo_size}-{args.seed}")
        summary = generate_zoo_world(args.seed, out, args.zoo_size)
    else:
        from pipelines.generate.world import generate_world

        out = Path(args.out or DEMO_DIR)
        summary = generate_world(args.preset, args.seed, out)
    print(f"world written to {out}: {summary}")
    return 0


def _add_generate_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate", help="write a synthetic world (landing files + separate ground truth)")
    parser.add_argument("--preset", default="demo", choices=sorted(PRESETS),
                        help="tiny ≈2k accounts (tests), demo ≈20k, large 200k, seed = 1M accounts")
    parser.add_argument("--zoo", action="store_true",
                        help="an adversarial zoo world instead of a preset: campaigns with "
                        "tactics drawn at random, decoys sized like campaigns")
    parser.add_argument("--zoo-size", default="full", choices=sorted(ZOO_SIZES),
                        help="zoo worlds: full 20-40k accounts, quick 4-7k, tiny ~1.5k")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same world)")
    parser.add_argument("--out", help="output folder (default data/demo, or data/zoo/SIZE-SEED)")
    parser.set_defaults(handler=_generate_command)


def _split_usage_command(args: argparse.Namespace) -> int:
    from pipelines.ingest.days import split_usage_file

    landing = Path(args.landing) if args.landing else Path(args.file).resolve().parent
    written = split_usage_file(Path(args.file), landing)
    print(f"{sum(written.values()):,} rows written as {len(written)} day files in "
          f"{landing / 'api_usage'}; remove {args.file} from the landing folder when satisfied")
    return 0


def _add_split_usage_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "split-usage", help="split one big api_usage Parquet export into one file per UTC day")
    parser.add_argument("file", help="the api_usage Parquet export")
    parser.add_argument("--landing", help="landing folder (default: the file's folder)")
    parser.set_defaults(handler=_split_usage_command)


def _explain_command(args: argparse.Namespace) -> int:
    from pipelines.investigate.explain import explain, render
    from pipelines.paths import PipelinePaths
    from pipelines.server.graph import Neo4jResource
    from pipelines.settings import Neo4jSettings

    settings = Neo4jSettings.from_env()
    neo4j = Neo4jResource(uri=settings.uri, username=settings.username,
                          password=settings.password, database=settings.database)
    result = explain(neo4j, PipelinePaths.from_env(), args.account_a, args.account_b,
                     show_hubs=args.show_hubs)
    print(render(result))
    return 0


def _add_explain_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain", help="why two accounts are, or are not, in one cluster and one campaign "
        "(reads Neo4j and the last run's campaign links)")
    parser.add_argument("account_a")
    parser.add_argument("account_b")
    parser.add_argument("--show-hubs", action="store_true",
                        help="also list identifiers shared by more accounts than the hub "
                        "threshold (they link nobody)")
    parser.set_defaults(handler=_explain_command)


def _query_command(args: argparse.Namespace) -> int:
    from pipelines.investigate.queries import library, load_query, parse_parameters, run_read_only
    from pipelines.investigate.query_output import format_rows
    from pipelines.server.graph import open_driver
    from pipelines.settings import Neo4jSettings

    if args.list or not args.name:
        print(_query_list(library()))
        return 0
    query = load_query(args.name)
    given = parse_parameters(args.param)
    settings = Neo4jSettings.from_env()
    driver = open_driver(settings)
    try:
        rows = run_read_only(driver, settings.database, query, given)
    finally:
        driver.close()
    print(format_rows(rows, args.format))
    return 0


def _query_list(queries: list) -> str:
    """The library grouped by category, as BloodHound groups its pre-built queries."""
    lines = []
    for category in sorted({q.category for q in queries}):
        lines.append(f"{category}:")
        for query in (q for q in queries if q.category == category):
            shown = [p for p in query.parameters if not p.automatic]
            params = ", ".join(p.name if p.required else f"[{p.name}]" for p in shown)
            lines.append(f"  {query.name}({params})\n      {query.answers}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _add_query_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "query", help="run a library query from queries/ by name, read-only")
    parser.add_argument("name", nargs="?", help="query name (file name without .cypher)")
    parser.add_argument("-p", "--param", action="append", default=[],
                        help="parameter as key=value (repeat); JSON values are parsed")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    parser.add_argument("--list", action="store_true", help="list the library's queries")
    parser.set_defaults(handler=_query_command)


def _stix_command(args: argparse.Namespace) -> int:
    from pipelines.paths import PipelinePaths
    from pipelines.share.commands import export_bundle, import_bundle

    paths = PipelinePaths.from_env()
    if args.action == "export":
        out = Path(args.out or paths.output(f"share/case-{args.org_id}.stix.json"))
        print(f"STIX 2.1 bundle written to {export_bundle(paths, args.org_id, out)}")
        return 0
    matches = import_bundle(paths, Path(args.bundle), args.partner)
    print(f"{len(matches)} indicator(s) of {args.partner} match our data; added to "
          f"{paths.landing / 'partner_indicators.csv'} (the next run takes them in as "
          "partner_indicator evidence)")
    return 0


def _add_stix_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stix", help="share a case's indicators with partners as STIX 2.1, or take a "
        "partner's bundle in (personal identifiers as HMAC under ATTRIB_SHARING_KEY)")
    actions = parser.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write the STIX bundle of one case")
    export.add_argument("org_id", help="the attributed parent's org_id (see the case reports)")
    export.add_argument("--out", help="output file (default: out/.../share/case-ORG.stix.json)")
    take = actions.add_parser("import", help="match a partner's bundle against our accounts")
    take.add_argument("bundle", help="the partner's STIX 2.1 bundle (JSON)")
    take.add_argument("--partner", required=True, help="the partner's name")
    parser.set_defaults(handler=_stix_command)


def _demo_command(args: argparse.Namespace) -> int:
    from pipelines.investigate.summary import run_summary
    from pipelines.operate.runner import run_main_job
    from pipelines.paths import PipelinePaths

    if not (DEMO_DIR / "landing" / "api_usage").is_dir():  # absent, or an older layout
        from pipelines.generate.world import generate_world

        print(f"generating the demo world (seed 7) into {DEMO_DIR} ...", flush=True)
        generate_world("demo", 7, DEMO_DIR)
    neo4j_local.start()
    result, seconds = run_main_job()
    materialised = sorted(
        {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    )
    print(f"\nrun {result.run_id}: {'succeeded' if result.success else 'FAILED'} in "
          f"{seconds:.0f}s; {len(materialised)} assets materialised")
    for step in result.get_failed_step_keys() if not result.success else []:
        print(f"  failed step: {step}")
    for line in run_summary(PipelinePaths.from_env()):
        print(f"  {line}")
    print(f"  {browser_hint(Neo4jSettings.from_env())}")
    return 0 if result.success else 1


def browser_hint(settings: Neo4jSettings) -> str:
    """Where to explore the graph: the local server's Browser at its configured port."""
    if settings.is_local():
        return (f"Neo4j Browser: http://127.0.0.1:{local_http_port()}/browser/ "
                "(user neo4j, password in .env)")
    return f"Neo4j Browser: open your server's Browser and connect to {settings.uri}"


def _add_demo_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="start Neo4j if needed and run the main job on the built-in demo data"
    )
    parser.set_defaults(handler=_demo_command)


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_neo4j_parser,
    _add_demo_parser,
    _add_generate_parser,
    _add_split_usage_parser,
    _add_explain_parser,
    _add_query_parser,
    _add_stix_parser,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attrib",
        description="Entity resolution and attribution of distillation-attack account clusters.",
    )
    subparsers = parser.add_subparsers(dest="subcommand", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except NotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except AttribError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
