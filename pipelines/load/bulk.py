"""Full builds by ``neo4j-admin database import full``: when the graph must be rebuilt (the load
token does not match: a new, wiped or restored database) and the target is the project's own
local Neo4j, the graph tables are written as import files, the server is stopped, the database
imported over, the server started again, the schema applied and the run history put back; then
the manifest and token are written so that the next run goes on by difference.

The importer replaces the whole database, so it is only used where the loader owns it: the
local server this project runs (``attrib neo4j``), its default database, holding nothing but the
project's labels. Anywhere else (a remote or managed Neo4j, a database with other data in it,
``ATTRIB_BULK_IMPORT=off``) the transactional loader rebuilds instead."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from neo4j import Driver

from pipelines.errors import Neo4jSetupError
from pipelines.load.bulk_files import (
    ARRAY_DELIMITER_OPTION,
    BulkUnsupported,
    ImportFile,
    write_import_files,
)
from pipelines.load.delta import LOAD_STATE, Element, Manifest, fingerprints
from pipelines.load.statements import (
    FOREIGN_NODES,
    KEYS,
    READ_HISTORY_NODES,
    READ_HISTORY_RELATIONSHIPS,
    READ_LOAD_TOKEN,
    RESTORE_HISTORY_NODES,
    WRITE_LOAD_TOKEN,
)
from pipelines.load.writer import GraphWriter
from pipelines.server.graph import Neo4jResource
from pipelines.server.local import LocalNeo4j, drop_store, import_database, running_pid, start, stop
from pipelines.server.schema import apply_schema

BULK_SETTING = "ATTRIB_BULK_IMPORT"  # "auto" (default): the local server only; "off": never
# Below this many rows the server's restart costs more than the transactional writes it saves
# (bench_load.py, demo preset, 750k rows: 187 s by import against 143 s transactional).
MIN_ROWS_SETTING = "ATTRIB_BULK_MIN_ROWS"
DEFAULT_MIN_ROWS = 1_000_000
DEFAULT_DATABASE = "neo4j"  # Community's one user database
PROJECT_LABELS = [*KEYS, "LoadState"]
History = dict[str, list[dict]]


def bulk_min_rows() -> int:
    return int(os.environ.get(MIN_ROWS_SETTING, DEFAULT_MIN_ROWS))


def graph_token_matches(writer: GraphWriter, manifest: Manifest) -> bool:
    in_graph = writer.run(READ_LOAD_TOKEN, name=LOAD_STATE)[0]["token"]
    return manifest.token is not None and manifest.token == in_graph


def why_not_bulk(writer: GraphWriter, neo4j: Neo4jResource) -> str | None:
    """None when the database may be imported over; otherwise the reason it may not."""
    if os.environ.get(BULK_SETTING, "auto").lower() == "off":
        return f"{BULK_SETTING}=off"
    if not neo4j.settings().is_local():
        return f"{neo4j.uri} is not the project's local Neo4j"
    if neo4j.database != DEFAULT_DATABASE:
        return f"database {neo4j.database!r} is not the local server's default database"
    server = LocalNeo4j.from_env()
    if running_pid(server) is None:
        return f"the server answering at {neo4j.uri} was not started from {server.home}"
    foreign = writer.run(FOREIGN_NODES, known=PROJECT_LABELS)[0]["nodes"]
    if foreign:
        return f"the database holds {foreign:,} nodes of labels this project does not write"
    return None


def read_history(writer: GraphWriter) -> History:
    history = {label: [r["props"] for r in writer.run(statement)]
               for label, statement in READ_HISTORY_NODES.items()}
    history["RECORDED"] = writer.run(READ_HISTORY_RELATIONSHIPS)
    return history


def restore_history(writer: GraphWriter, history: History) -> None:
    for label, statement in RESTORE_HISTORY_NODES.items():
        writer.write_rows(statement, ({"props": props} for props in history[label]))
    writer.relationships("RECORDED", iter(history["RECORDED"]))


def import_arguments(files: list[ImportFile], nodes: set[str], report: Path) -> list[str]:
    arguments = [file.argument(file.kind in nodes) for file in files]
    arguments += [
        "--input-type=csv", f"--array-delimiter={ARRAY_DELIMITER_OPTION}",
        "--bad-tolerance=0",  # every row is imported, or the import fails
        f"--threads={os.cpu_count() or 1}", f"--report-file={report}",
        "--overwrite-destination",
    ]
    if any(file.multiline for file in files):
        arguments.append("--multiline-fields=true")
    return [*arguments, DEFAULT_DATABASE]


def _import_over(server: LocalNeo4j, arguments: list[str], log: Callable[[str], None]) -> bool:
    """Stop the server, import, start it again; False (and an empty database) on failure."""
    stop(server)
    try:
        import_database(server, arguments)
        return True
    except Neo4jSetupError as error:
        log(f"bulk import failed, rebuilding transactionally instead: {error}")
        drop_store(server, DEFAULT_DATABASE)
        return False
    finally:
        start(server)


def _record_manifest(writer: GraphWriter, manifest: Manifest, elements: list[Element]) -> None:
    """Fingerprints of every imported row, then the token: in the graph first, in the work
    folder last, so a kill before the end leaves a mismatch (and another rebuild), never a
    manifest that claims rows the graph lacks."""
    manifest.reset(None)
    for element in elements:
        manifest.save(element.kind, fingerprints(element))
    token = uuid.uuid4().hex
    writer.run(WRITE_LOAD_TOKEN, name=LOAD_STATE, token=token)
    manifest.set_token(token)


def bulk_rebuild(neo4j: Neo4jResource, elements: list[Element], manifest: Manifest,
                 files_folder: Path, log: Callable[[str], None] = lambda _: None
                 ) -> dict | None:
    """Rebuild the graph by import when it must be rebuilt and may be; the per-element summary,
    or None when the caller should load transactionally (as for any increment)."""
    with neo4j.driver() as driver:
        writer = GraphWriter(driver, neo4j.database, progress=log)
        if graph_token_matches(writer, manifest):
            return None
        rows, least = sum(len(e.frame) for e in elements), bulk_min_rows()
        reason = (f"{rows:,} rows are fewer than {MIN_ROWS_SETTING}={least:,}" if rows < least
                  else why_not_bulk(writer, neo4j))
        if reason:
            log(f"the graph must be rebuilt; transactionally, because {reason}")
            return None
        history = read_history(writer)
    started = time.monotonic()
    try:
        files = write_import_files(elements, files_folder)
    except BulkUnsupported as error:
        log(f"the graph must be rebuilt; transactionally, because {error}")
        return None
    log(f"wrote import files for {sum(f.rows for f in files):,} rows "
        f"({time.monotonic() - started:.1f} s); importing into the local Neo4j")
    nodes = {e.kind for e in elements if e.is_node}
    server = LocalNeo4j.from_env()
    imported = _import_over(server, import_arguments(files, nodes, files_folder / "report.txt"),
                            log)
    for file in files:  # as large as the graph: not kept once imported
        file.header.unlink(missing_ok=True)
        file.data.unlink(missing_ok=True)
    with neo4j.driver() as driver:
        _after_import(driver, neo4j.database, history, log)
        if not imported:
            return None
        _set_empty_lists(GraphWriter(driver, neo4j.database), files)
        _record_manifest(GraphWriter(driver, neo4j.database), manifest, elements)
    log(f"bulk rebuild done in {time.monotonic() - started:.1f} s")
    return {e.kind: {"rows": len(e.frame), "written": len(e.frame), "deleted": 0}
            for e in elements}


def _set_empty_lists(writer: GraphWriter, files: list[ImportFile]) -> None:
    for file in files:
        for prop, keys in file.empty_lists.items():
            writer.node_properties(file.kind, ({"key": key, "props": {prop: []}} for key in keys))


def _after_import(driver: Driver, database: str, history: History,
                  log: Callable[[str], None]) -> None:
    apply_schema(driver, database)
    restore_history(GraphWriter(driver, database, progress=log), history)
