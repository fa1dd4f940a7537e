"""Loading by difference. The graph the current input supports is a set of *elements* (one table
per label and relationship type); a manifest in the work folder remembers a fingerprint of every
row the graph holds. A run writes only the rows that are new or changed and deletes the rows that
are gone, so a new day of usage touches only what it changed.

Every step is idempotent (MERGE, SET, DELETE of what matches) and a manifest table is saved only
after its writes committed, so a run killed at any point leaves a manifest that is at worst
*behind* the graph: the next run repeats some writes and converges to exactly the graph a clean
run would build."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.load.statements import (
    NODE_KEYS,
    READ_LOAD_TOKEN,
    WIPE_OWNED_NODES,
    WIPE_OWNED_RELATIONSHIPS,
    WRITE_LOAD_TOKEN,
)
from pipelines.load.writer import GraphWriter, plain

# Key columns are prefixed so that they never collide with a property (OWNED_BY has a "source").
NODE_KEY = ["_key"]
RELATIONSHIP_KEYS = ["_source", "_target"]
# The manifest's hashes of a row: of its keys (``id``) and of its keys and properties (``row``).
FINGERPRINT_COLUMNS = ["id", "row"]


@dataclass
class Element:
    """The rows of one label or relationship type: key column(s), then properties."""

    kind: str
    frame: pd.DataFrame
    keys: list[str]
    props: list[str]
    constants: dict[str, object] = field(default_factory=dict)

    @property
    def is_node(self) -> bool:
        return self.keys == NODE_KEY

    def rows(self, frame: pd.DataFrame | None = None) -> Iterator[dict]:
        """Driver rows, made as they are sent (millions never sit in memory as dicts); every
        property is sent, a null one so that ``SET +=`` removes it."""
        frame = self.frame if frame is None else frame
        for values in frame[[*self.keys, *self.props]].itertuples(index=False, name=None):
            ends = {k[1:]: plain(v) for k, v in zip(self.keys, values, strict=False)}
            props = {p: plain(v) for p, v in zip(self.props, values[len(self.keys):],
                                                  strict=True)}
            yield {**ends, "props": {**props, **self.constants}}

    @property
    def time_props(self) -> tuple[str, ...]:
        """Properties holding datetimes: sent as epoch microseconds (see ``write_rows``)."""
        return tuple(p for p in self.props
                     if isinstance(self.frame[p].dtype, pd.DatetimeTZDtype))

    def write_rows(self, frame: pd.DataFrame) -> Iterator[dict]:
        """Rows for the loader's own statements (``statements.node_write`` and
        ``relationship_write``): columns converted whole rather than value by value, datetimes
        as epoch microseconds in ``times``."""
        times = self.time_props
        keys = [_plain_column(frame[k]) for k in self.keys]
        props = {p: _plain_column(frame[p]) for p in self.props if p not in times}
        micros = {p: _epoch_micros(frame[p]) for p in times}
        names = [k[1:] for k in self.keys]
        for i in range(len(frame)):
            row = {name: column[i] for name, column in zip(names, keys, strict=True)}
            row["props"] = {**{p: column[i] for p, column in props.items()}, **self.constants}
            row["times"] = {p: column[i] for p, column in micros.items()}
            yield row

    def key_rows(self, frame: pd.DataFrame) -> Iterator[dict]:
        for values in frame[self.keys].itertuples(index=False, name=None):
            yield {k[1:]: plain(v) for k, v in zip(self.keys, values, strict=True)}


def _plain_column(column: pd.Series) -> list:
    """Python values with None for nulls (what ``plain`` gives value by value, column-wise)."""
    if column.dtype == object:
        return [plain(v) for v in column]
    values = column.astype(object).where(column.notna(), None)
    return values.tolist()


def _epoch_micros(column: pd.Series) -> list:
    naive = column.dt.tz_convert("UTC").dt.tz_localize(None)
    micros = naive.to_numpy(dtype="datetime64[us]").view("int64").tolist()
    return [None if missing else m for m, missing in zip(micros, column.isna(), strict=True)]


def node_element(kind: str, frame: pd.DataFrame, key: str, props: list[str],
                 **constants: object) -> Element:
    table = distinct(with_keys(frame, [key]), [key])
    table = table[[key, *props]].set_axis(["_key", *props], axis=1).reset_index(drop=True)
    return Element(kind, table, NODE_KEY, props, constants)


def relationship_element(kind: str, frame: pd.DataFrame, start: str, end: str,
                         props: list[str] | None = None, **constants: object) -> Element:
    props = props or []
    table = distinct(with_keys(frame, [start, end]), [start, end])
    table = table[[start, end, *props]].set_axis(["_source", "_target", *props], axis=1)
    return Element(kind, table.reset_index(drop=True), RELATIONSHIP_KEYS, props, constants)


def with_keys(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The rows whose ``keys`` are all present (``frame`` itself, not a copy, when all are:
    the usage table's 30M rows at a million accounts have no gap)."""
    present = frame[keys].notna().all(axis=1).to_numpy()
    return frame if present.all() else frame[present]


def distinct(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The first row of each distinct ``keys``, as ``drop_duplicates`` keeps them. A table with
    no repeated key, the usual case, is returned as it is, found so by sorting a hash of its
    keys: pandas' own test hashes every key into a table, 20 s for the 30M account×IP rows at
    a million accounts. Equal hashes send the table to pandas, which compares the keys."""
    if len(frame) < 2:
        return frame
    hashed = np.sort(_combined([_key_hash(frame[k]) for k in keys]))
    if not (hashed[1:] == hashed[:-1]).any():
        return frame
    return frame.drop_duplicates(subset=keys)


def _as_text(column: pd.Series) -> pd.Series:
    """Values as text; categories stay categories (their text hashes like the strings')."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.rename_categories(column.cat.categories.astype(str))
    return column.astype(str)


def _key_hash(column: pd.Series) -> np.ndarray:
    """A key column's values as integers equal where the values are: a categorical's codes
    (hashing its 30M rows through their categories takes seconds), anything else hashed."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.uint64)
    return _column_hash(column)


def _column_hash(column: pd.Series) -> np.ndarray:
    try:
        return pd.util.hash_pandas_object(column, index=False).to_numpy()
    except (TypeError, ValueError):  # lists, mixed objects: hashed by their text
        return pd.util.hash_pandas_object(column.astype(str), index=False).to_numpy()


def _combined(columns: list[np.ndarray]) -> np.ndarray:
    """One 64-bit hash from several, order-sensitive (a column at a time: little memory)."""
    out = np.zeros(len(columns[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for hashed in columns:
            out = out * np.uint64(0x100000001B3) ^ hashed
    return out


def fingerprints(element: Element) -> pd.DataFrame:
    """Key columns as text, ``id`` (hash of the keys) and ``row`` (hash of keys and props)."""
    frame = element.frame
    keys = pd.DataFrame({k: _as_text(frame[k]) for k in element.keys})
    key_hashes = [_column_hash(keys[k]) for k in element.keys]
    ident = _combined(key_hashes)
    row = _combined([ident, *(_column_hash(frame[p]) for p in element.props)])
    return keys.assign(id=ident, row=row)


@dataclass
class Delta:
    changed: pd.DataFrame  # rows of the element to write
    removed: pd.DataFrame  # key columns of rows to delete
    current: pd.DataFrame  # fingerprints to save once both are done
    new: np.ndarray  # per changed row: True when the manifest has never seen its key

    def __len__(self) -> int:
        return len(self.changed) + len(self.removed)


def difference(element: Element, manifest: Manifest) -> Delta:
    """What to write and delete to bring ``element``'s rows in the graph from what the manifest
    remembers to what they are now. Only the manifest's hashes are read; the keys of rows to
    delete, when there are any, are read for those rows alone (at a million accounts the
    account×IP keys are 30M pairs of text, 20 s to read for a handful of deletions)."""
    current = fingerprints(element)
    previous = manifest.read(element.kind, FINGERPRINT_COLUMNS)
    if not len(previous):
        return Delta(element.frame, pd.DataFrame(columns=element.keys), current,
                     np.ones(len(element.frame), dtype=bool))
    position, gone = matched(previous["id"].to_numpy(), current["id"].to_numpy())
    known = position >= 0
    same = known & (previous["row"].to_numpy()[np.maximum(position, 0)]
                    == current["row"].to_numpy())
    removed = (manifest.read(element.kind)[gone][element.keys] if gone.any()
               else pd.DataFrame(columns=element.keys))
    return Delta(element.frame[~same], removed, current, ~known[~same])


def matched(previous: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each ``current`` id stands among the ``previous`` ones (its first occurrence; -1
    when it is new), and which previous ids are gone. One hash table of the previous ids serves
    both questions (mapping, then testing membership, built two, 30 s at a million accounts)."""
    try:
        position = pd.Index(previous).get_indexer(current)
    except pd.errors.InvalidIndexError:  # a repeated id (a hash collision): first occurrences
        first = pd.Series(np.arange(len(previous))).groupby(previous, sort=False).first()
        return (first.reindex(current).fillna(-1).to_numpy(dtype=np.int64),
                ~np.isin(previous, current))
    kept = np.zeros(len(previous), dtype=bool)
    kept[position[position >= 0]] = True
    return position, ~kept


class Manifest:
    """Fingerprints of what the graph holds, one Parquet file per element, plus the token that
    ties them to one database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def token(self) -> str | None:
        path = self.folder / "token"
        return path.read_text().strip() if path.exists() else None

    def reset(self, token: str | None) -> None:
        """Forget everything (the graph is being rebuilt) and take the graph's new token (none
        yet: the caller sets it once the tables are saved)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        if token is not None:
            self.set_token(token)

    def set_token(self, token: str) -> None:
        temporary = self.folder / "token.tmp"
        temporary.write_text(token)
        temporary.replace(self.folder / "token")

    def read(self, kind: str, columns: list[str] | None = None) -> pd.DataFrame:
        """The fingerprints remembered for ``kind`` (only ``columns`` of them when given)."""
        path = self.folder / f"{kind}.parquet"
        if not path.exists():
            return pd.DataFrame(columns=FINGERPRINT_COLUMNS)
        return pd.read_parquet(path, columns=columns)

    def save(self, kind: str, current: pd.DataFrame) -> None:
        temporary = self.folder / f"{kind}.parquet.tmp"
        current.to_parquet(temporary, index=False)
        temporary.replace(self.folder / f"{kind}.parquet")
        self._marker(kind).unlink(missing_ok=True)

    def _marker(self, kind: str) -> Path:
        return self.folder / f"{kind}.writing"

    def begin(self, kind: str) -> bool:
        """Note that ``kind`` is being written; True when its table can be trusted to list
        every row the graph holds. A marker left by a run killed mid-write means the graph
        may hold rows the table does not: those must be MERGEd, never CREATEd twice."""
        marker = self._marker(kind)
        trusted = not marker.exists()
        marker.touch()
        return trusted


LOAD_STATE = "identity_graph"
HISTORY_LABELS = ("Run", "ClusterEvent")  # only ever added to; survives a rebuild


def open_manifest(writer: GraphWriter, folder: Path) -> tuple[Manifest, bool]:
    """The manifest, after making sure it describes this database; (manifest, rebuilt).

    A token mismatch (a new, wiped or restored database, or another work folder loaded into it)
    means nothing is known about the graph: the loader's part of it is removed and every row is
    written again. The order makes a kill at any point safe: wipe, then record the new token in
    the graph, then in the work folder."""
    manifest = Manifest(folder)
    in_graph = writer.run(READ_LOAD_TOKEN, name=LOAD_STATE)[0]["token"]
    if manifest.token is not None and manifest.token == in_graph:
        return manifest, False
    owned = [label for label in NODE_KEYS if label not in HISTORY_LABELS]
    writer.progress("the graph's load state is unknown: rebuilding the identity graph")
    writer.run_auto_commit(WIPE_OWNED_RELATIONSHIPS, labels=owned)
    writer.run_auto_commit(WIPE_OWNED_NODES, labels=owned)
    token = uuid.uuid4().hex
    writer.run(WRITE_LOAD_TOKEN, name=LOAD_STATE, token=token)
    manifest.reset(token)
    return manifest, True


def sync_elements(writer: GraphWriter, manifest: Manifest, elements: list[Element]) -> dict:
    """Write what changed and delete what is gone: nodes first (so relationships find their
    ends), then relationships, then the removal of nodes no longer supported."""
    summary, pending = {}, []
    for element in (e for e in elements if e.is_node):
        started = time.monotonic()
        delta = difference(element, manifest)
        _write(writer, manifest, element, delta)
        pending.append((element, delta, time.monotonic() - started))
    for element in (e for e in elements if not e.is_node):
        started = time.monotonic()
        delta = difference(element, manifest)
        writer.delete_relationships(element.kind, element.key_rows(delta.removed))
        _write(writer, manifest, element, delta)
        if len(delta):
            manifest.save(element.kind, delta.current)
        summary[element.kind] = _report(writer, element, delta, time.monotonic() - started)
    for element, delta, seconds in pending:
        started = time.monotonic()
        writer.delete_nodes(element.kind, element.key_rows(delta.removed))
        if len(delta):
            manifest.save(element.kind, delta.current)
        summary[element.kind] = _report(writer, element, delta,
                                        seconds + time.monotonic() - started)
    return summary


def _write(writer: GraphWriter, manifest: Manifest, element: Element, delta: Delta) -> None:
    """Changed rows: CREATE for keys the manifest has never seen (when it can be trusted),
    MERGE for the rest."""
    if not len(delta):
        return
    trusted = manifest.begin(element.kind)
    new = delta.new if trusted else np.zeros(len(delta.changed), dtype=bool)
    writer.element(element, delta.changed[new], create=True)
    writer.element(element, delta.changed[~new], create=False)


def _report(writer: GraphWriter, element: Element, delta: Delta, seconds: float
            ) -> dict[str, int]:
    counts = {"rows": len(element.frame), "written": len(delta.changed),
              "deleted": len(delta.removed)}
    writer.progress(f"  {element.kind}: {counts['written']:,} written, {counts['deleted']:,} "
                    f"deleted, {counts['rows']:,} in the graph ({seconds:.1f} s)")
    return counts


def finish_load(writer: GraphWriter, manifest: Manifest) -> None:
    """A new token, in the graph first: a database later restored from an older backup no longer
    matches the manifest, and is rebuilt rather than trusted."""
    token = uuid.uuid4().hex
    writer.run(WRITE_LOAD_TOKEN, name=LOAD_STATE, token=token)
    manifest.set_token(token)
