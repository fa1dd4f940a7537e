"""The investigators' query library: one .cypher file per question in queries/, with a header
(name, answers, parameters, returns)."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from neo4j import Driver, RoutingControl

from pipelines.errors import AttribError
from pipelines.settings import PROJECT_ROOT

QUERY_DIR = PROJECT_ROOT / "queries"
HEADER_LINE = re.compile(r"^//\s*(name|answers|parameters|returns):\s*(.*)$")


@dataclass(frozen=True)
class LibraryQuery:
    name: str
    answers: str
    parameters: str
    returns: str
    text: str
    path: Path


def parse_query(path: Path) -> LibraryQuery:
    header: dict[str, str] = {}
    current = None
    body = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = HEADER_LINE.match(line)
        if match:
            current = match.group(1)
            header[current] = match.group(2).strip()
        elif line.startswith("//") and current:
            header[current] += " " + line.lstrip("/ ").strip()
        else:
            body.append(line)
    missing = {"name", "answers", "parameters", "returns"} - set(header)
    if missing:
        raise AttribError(f"{path.name}: header lacks {', '.join(sorted(missing))}")
    text = "\n".join(body).strip().rstrip(";")
    return LibraryQuery(header["name"], header["answers"], header["parameters"],
                        header["returns"], text, path)


def load_query(name: str) -> LibraryQuery:
    path = QUERY_DIR / f"{name}.cypher"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in QUERY_DIR.glob("*.cypher")))
        raise AttribError(f"No query named {name!r}. Known queries: {known}")
    return parse_query(path)


def parse_parameters(pairs: list[str]) -> dict[str, object]:
    """``key=value`` pairs; a value that parses as JSON (numbers, lists, true) is taken as such."""
    parameters: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise AttribError(f"parameter {pair!r} is not key=value")
        try:
            parameters[key] = json.loads(value)
        except json.JSONDecodeError:
            parameters[key] = value
    return parameters


def run_read_only(driver: Driver, database: str, query: LibraryQuery,
                  parameters: dict[str, object]) -> list[dict]:
    """Run a library query in a read transaction, after EXPLAIN proves it writes nothing."""
    plan = driver.execute_query("EXPLAIN " + query.text, parameters_=parameters,
                                database_=database, routing_=RoutingControl.READ)
    if plan.summary.query_type != "r":
        raise AttribError(f"{query.name} is not a read-only query (type "
                          f"{plan.summary.query_type!r}); the library runs reads only.")
    with driver.session(database=database, default_access_mode="READ") as session:
        return session.execute_read(lambda tx: [r.data() for r in tx.run(query.text,
                                                                          parameters)])


def format_rows(rows: list[dict], style: str) -> str:
    if style == "json":
        return json.dumps(rows, default=str, ensure_ascii=False, indent=1)
    frame = pd.DataFrame(rows)
    if style == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        return buffer.getvalue()
    return frame.to_markdown(index=False) if not frame.empty else "(no rows)"
