"""The investigators' query library: one .cypher file per question in queries/, with a header
(name, category, answers, parameters, returns) that this module parses and enforces.

A parameter is declared on its own header line under ``// parameters:``::

    //   account_a: Account.account_id, e.g. "acc_0000012"
    //   limit: integer = 25, how many identifiers to draw
    //   evidence_rules: map = automatic, the resolver's weights and hub thresholds

The type is one of ``string``, ``integer``, ``float``, ``boolean``, ``list``, ``map``, or
``Label.key`` for the id of a node (checked to exist before the query runs). ``= value`` is a
JSON default that makes the parameter optional; ``= automatic`` means the tool fills it in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import Driver, RoutingControl
from neo4j.exceptions import ClientError, Neo4jError

from pipelines.errors import AttribError, NotFoundError
from pipelines.investigate.specificity import evidence_rules
from pipelines.load.statements import KEYS
from pipelines.settings import PROJECT_ROOT

QUERY_DIR = PROJECT_ROOT / "queries"
HEADER_FIELDS = ("name", "category", "answers", "parameters", "returns")
HEADER_LINE = re.compile(r"^//\s*(name|category|answers|parameters|returns):\s*(.*)$")
PARAMETER_LINE = re.compile(
    r"^//\s+(?P<name>\w+):\s*(?P<type>[\w.]+)(?:\s*=\s*(?P<default>automatic|\S+))?"
    r"(?:,\s*(?P<about>.*))?$")
SCALAR_TYPES = ("string", "integer", "float", "boolean", "list", "map")
# Parameters the tool fills in: the one place they come from.
AUTOMATIC: dict[str, Callable[[], object]] = {"evidence_rules": evidence_rules}
NODE_EXISTS = "MATCH (n:{label} {{{key}: $value}}) RETURN count(n) > 0 AS found"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: object = None
    required: bool = True
    automatic: bool = False
    about: str = ""

    @property
    def node(self) -> tuple[str, str] | None:
        """(label, key) when the parameter is the id of a node."""
        label, dot, key = self.type.partition(".")
        return (label, key) if dot else None

    def describe(self) -> str:
        kind = f"the {self.node[1]} of an existing {self.node[0]}" if self.node else self.type
        return f"{self.name} ({kind})"


@dataclass(frozen=True)
class LibraryQuery:
    name: str
    category: str
    answers: str
    returns: str
    text: str
    path: Path
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def _parameter(line: str, path: Path) -> Parameter:
    match = PARAMETER_LINE.match(line)
    if not match:
        raise AttribError(f"{path.name}: cannot read the parameter line {line!r}")
    name, kind, default = match["name"], match["type"], match["default"]
    if kind not in SCALAR_TYPES and not _valid_node_type(kind):
        raise AttribError(f"{path.name}: parameter {name} has unknown type {kind!r}")
    about = (match["about"] or "").strip()
    if default == "automatic":
        if name not in AUTOMATIC:
            raise AttribError(f"{path.name}: no automatic value is known for {name}")
        return Parameter(name, kind, None, False, True, about)
    if default is None:
        return Parameter(name, kind, None, True, False, about)
    return Parameter(name, kind, json.loads(default), False, False, about)


def _valid_node_type(kind: str) -> bool:
    label, dot, key = kind.partition(".")
    return bool(dot) and KEYS.get(label) == key


def parse_query(path: Path) -> LibraryQuery:
    header: dict[str, str] = {}
    parameters: list[Parameter] = []
    current = None
    body = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if body or not line.startswith("//"):  # the header ends at the first line of Cypher
            body.append(line)
            continue
        match = HEADER_LINE.match(line)
        if match:
            current = match.group(1)
            header[current] = match.group(2).strip()
        elif current == "parameters":
            parameters.append(_parameter(line, path))
        elif current:
            header[current] += " " + line.lstrip("/ ").strip()
    missing = set(HEADER_FIELDS) - set(header)
    if missing:
        raise AttribError(f"{path.name}: header lacks {', '.join(sorted(missing))}")
    text = "\n".join(body).strip().rstrip(";")
    return LibraryQuery(header["name"], header["category"], header["answers"],
                        header["returns"], text, path, tuple(parameters))


def library() -> list[LibraryQuery]:
    return [parse_query(p) for p in sorted(QUERY_DIR.glob("*.cypher"))]


def load_query(name: str) -> LibraryQuery:
    path = QUERY_DIR / f"{name}.cypher"
    if not re.fullmatch(r"\w+", name) or not path.exists():
        known = ", ".join(sorted(p.stem for p in QUERY_DIR.glob("*.cypher")))
        raise AttribError(f"No query named {name!r}. Known queries: {known}")
    return parse_query(path)


def parse_parameters(pairs: list[str]) -> dict[str, str]:
    """``key=value`` pairs as given on the command line (typed later, by the header)."""
    parameters: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise AttribError(f"parameter {pair!r} is not key=value")
        if key in parameters:
            raise AttribError(f"parameter {key} is given twice")
        parameters[key] = value
    return parameters


def _typed(parameter: Parameter, raw: object) -> object:
    """The value in the parameter's type, or an error naming the parameter and the type."""
    kind = "string" if parameter.node else parameter.type
    if not isinstance(raw, str):  # given by code, not typed on a command line
        return raw
    try:
        if kind == "string":
            return raw
        if kind == "integer":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "boolean" and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        if kind in ("list", "map"):
            value = json.loads(raw)
            if isinstance(value, list if kind == "list" else dict):
                return value
    except ValueError:
        pass
    raise AttribError(f"parameter {parameter.name} expects {_a(kind)}, got {raw!r}")


def _a(kind: str) -> str:
    examples = {"boolean": "boolean (true or false)", "integer": "integer (e.g. 10)",
                "float": "number (e.g. 0.5)", "list": 'JSON list (e.g. ["a", "b"])',
                "map": 'JSON map (e.g. {"k": 1})'}
    text = examples.get(kind, kind)
    return ("an " if text[0] in "aeiou" else "a ") + text


def bind_parameters(query: LibraryQuery, given: dict[str, object]) -> dict[str, object]:
    """Check the given parameters against the header: unknown, missing and mistyped ones are
    refused with a one-line message; defaults and automatic values are filled in."""
    declared = {p.name for p in query.parameters}
    unknown = sorted(set(given) - declared)
    if unknown:
        takes = ", ".join(p.describe() for p in query.parameters if not p.automatic) or "none"
        raise AttribError(f"{query.name} has no parameter {unknown[0]}; it takes: {takes}")
    bound: dict[str, object] = {}
    for parameter in query.parameters:
        if parameter.name in given:
            bound[parameter.name] = _typed(parameter, given[parameter.name])
        elif parameter.automatic:
            bound[parameter.name] = AUTOMATIC[parameter.name]()
        elif parameter.required:
            raise AttribError(f"{query.name} needs parameter {parameter.describe()}: add "
                              f"-p {parameter.name}=...")
        else:
            bound[parameter.name] = parameter.default
    return bound


def check_ids_exist(driver: Driver, database: str, query: LibraryQuery,
                    parameters: dict[str, object]) -> None:
    """Every id parameter names an existing node, or NotFoundError says which does not."""
    for parameter in query.parameters:
        if parameter.node is None:
            continue
        label, key = parameter.node
        records, _, _ = driver.execute_query(
            NODE_EXISTS.format(label=label, key=key), value=parameters[parameter.name],
            database_=database, routing_=RoutingControl.READ)
        if not records[0]["found"]:
            raise NotFoundError(f"not found: no {label} with {key} "
                                f"{parameters[parameter.name]!r} (parameter {parameter.name})")


def run_read_only(driver: Driver, database: str, query: LibraryQuery,
                  parameters: dict[str, object]) -> list[dict]:
    """Run a library query in a read transaction, after checking its parameters and ids and
    after EXPLAIN proves it writes nothing."""
    bound = bind_parameters(query, parameters)
    check_ids_exist(driver, database, query, bound)
    try:
        plan = driver.execute_query("EXPLAIN " + query.text, parameters_=bound,
                                    database_=database, routing_=RoutingControl.READ)
        if plan.summary.query_type != "r":
            raise AttribError(f"{query.name} is not a read-only query (type "
                              f"{plan.summary.query_type!r}); the library runs reads only.")
        with driver.session(database=database, default_access_mode="READ") as session:
            return session.execute_read(
                lambda tx: [dict(r.items()) for r in tx.run(query.text, bound)])
    except ClientError as exc:
        raise AttribError(f"{query.name}: Neo4j refused the query: "
                          f"{_first_line(exc.message)}") from exc
    except Neo4jError as exc:
        raise AttribError(f"{query.name}: Neo4j failed: {_first_line(exc.message)}") from exc


def _first_line(message: str | None) -> str:
    return (message or "no message").strip().splitlines()[0]
