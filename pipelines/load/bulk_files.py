"""The graph's elements as ``neo4j-admin database import full`` input: one header file and one
data file per label and relationship type, typed so that the imported graph holds exactly the
values the transactional loader writes.

CSV, not Parquet: Neo4j 5.26's Parquet reader fails on list columns ("Unexpected repetition"),
and organisations' aliases are a list. The data files are written by pyarrow's CSV writer (RFC
4180 quoting, which is what the importer reads by default); a null is an empty unquoted field,
which the importer leaves out, as ``SET n += {p: null}`` does."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.load.delta import Element
from pipelines.load.statements import KEYS, RELATIONSHIP_ENDS
from pipelines.load.writer import plain

# Between the elements of a list property: a control character no name or alias contains
# (checked; an element that holds one is refused rather than split wrongly).
ARRAY_DELIMITER = "\x1f"
ARRAY_DELIMITER_OPTION = "U+001F"


class BulkUnsupported(ValueError):
    """A column the importer cannot carry exactly as the transactional loader would."""


@dataclass(frozen=True)
class ImportFile:
    kind: str
    header: Path
    data: Path
    rows: int
    multiline: bool
    # Node keys whose list property is empty, by property: the importer cannot write an empty
    # list (it leaves the property out), so these are set after the import.
    empty_lists: dict[str, list] = field(default_factory=dict)

    def argument(self, is_node: bool) -> str:
        option = "--nodes" if is_node else "--relationships"
        return f"{option}={self.kind}={self.header},{self.data}"


def _python_kinds(column: pd.Series) -> set[type]:
    """The Python types of the column's values; pandas' own inference answers for a column of
    text (most of them) without a Python loop over millions of values."""
    if isinstance(column.dtype, pd.StringDtype) or pd.api.types.infer_dtype(
            column, skipna=True) == "string":
        return {str} if column.notna().any() else set()
    return {type(v) for v in column.dropna()}


def _column_type(name: str, column: pd.Series) -> str:
    """The importer's type for a column, chosen as ``plain()`` would convert its values."""
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "long"
    if pd.api.types.is_float_dtype(column):
        return "double"
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return "datetime"
    kinds = _python_kinds(column)
    for type_name, members in (("string", (str,)), ("boolean", (bool, np.bool_)),
                               ("long", (int, np.integer)), ("double", (float, np.floating)),
                               ("string[]", (list, tuple, np.ndarray))):
        if kinds and all(issubclass(k, members) for k in kinds) and not (
                type_name == "long" and any(issubclass(k, (bool, np.bool_)) for k in kinds)):
            return type_name
    if not kinds:
        return "string"  # every value null: the column adds no property either way
    raise BulkUnsupported(f"column {name!r} mixes {sorted(k.__name__ for k in kinds)}")


def _id_text(column: pd.Series) -> pa.Array:
    """Keys as text in their id space; integral floats (a key column that once held a null)
    written as the integers the transactional loader matches them as."""
    if not column.hasnans:
        # Without a Python string per row: the usage relationships' keys are categories (each
        # category written once, then taken by code) and the other keys Arrow strings already.
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = _id_text(pd.Series(column.cat.categories))
            return categories.take(pa.array(column.cat.codes.to_numpy()))
        if isinstance(column.dtype, pd.StringDtype):
            return pa.array(column.array).cast(pa.string())
    if pd.api.types.is_float_dtype(column) and np.all(np.mod(column.dropna(), 1) == 0):
        column = column.astype("Int64")
    return pa.array(column.astype(str).to_numpy(dtype=object), pa.string())


def _values(name: str, column: pd.Series, kind: str) -> pa.Array:
    if kind == "datetime":
        return _utc_text(column)
    if kind == "string[]":
        return pa.array([None if v is None or (isinstance(v, float) and math.isnan(v))
                         else _joined(name, v) for v in column], pa.string())
    target = {"string": pa.string(), "boolean": pa.bool_(), "long": pa.int64(),
              "double": pa.float64()}[kind]
    return pa.Array.from_pandas(column).cast(target)  # NaN and None become nulls


def _utc_text(column: pd.Series) -> pa.Array:
    """Datetimes as ISO 8601 text in UTC to the microsecond (``2026-04-04T19:47:10.898712Z``).
    Arrow's cast to text writes the same digits as its ``strftime`` four times faster (a space
    where ISO has a ``T``): at seed the usage relationships hold 59M of these."""
    utc = pa.Array.from_pandas(column.dt.tz_convert("UTC")).cast(pa.timestamp("us", tz="UTC"))
    text = pc.cast(utc.cast(pa.timestamp("us")), pa.string())
    return pc.binary_join_element_wise(
        pc.replace_substring(text, " ", "T", max_replacements=1), "Z", "")


def _joined(name: str, values: object) -> str:
    items = [str(v) for v in values]
    if any(ARRAY_DELIMITER in item for item in items):
        raise BulkUnsupported(f"a value of {name!r} contains the array delimiter")
    return ARRAY_DELIMITER.join(items)


def _empty_lists(element: Element, types: dict[str, str]) -> dict[str, list]:
    """Per list property, the keys of the nodes where it is empty (only a list column, typed
    ``string[]`` by ``column_types``, can hold one)."""
    found = {}
    for prop in element.props:
        if types[prop] != "string[]":
            continue
        column = element.frame[prop]
        empty = column.map(lambda v: isinstance(v, (list, tuple, np.ndarray)) and len(v) == 0)
        if empty.any():
            if not element.is_node:
                raise BulkUnsupported(f"{element.kind}.{prop} holds empty lists")
            found[prop] = [plain(k) for k in element.frame.loc[empty.to_numpy(), "_key"]]
    return found


def column_types(element: Element) -> dict[str, str]:
    """The importer's type of every property, chosen on the whole element (so that every
    chunk of it has the same header)."""
    frame = element.frame
    types = {prop: _column_type(prop, frame[prop]) for prop in element.props}
    if element.is_node:
        types["_key"] = _column_type(KEYS[element.kind], frame["_key"])
    for prop, value in element.constants.items():
        types[prop] = _column_type(prop, pd.Series([value], dtype=object))
    return types


def import_table(element: Element, frame: pd.DataFrame, types: dict[str, str]
                 ) -> tuple[list[str], pa.Table]:
    """Header fields and data of rows of one element, as the importer reads them."""
    headers: list[str] = []
    columns: list[pa.Array] = []
    if element.is_node:
        label, key = element.kind, KEYS[element.kind]
        headers.append(f":ID({label})")
        columns.append(_id_text(frame["_key"]))
        headers.append(f"{key}:{types['_key']}")
        columns.append(_values(key, frame["_key"], types["_key"]))
    else:
        start, end = RELATIONSHIP_ENDS[element.kind]
        headers += [f":START_ID({start})", f":END_ID({end})"]
        columns += [_id_text(frame["_source"]), _id_text(frame["_target"])]
    for prop in element.props:
        headers.append(f"{prop}:{types[prop]}")
        columns.append(_values(prop, frame[prop], types[prop]))
    for prop, value in element.constants.items():
        constant = pd.Series([value] * len(frame), dtype=object)
        headers.append(f"{prop}:{types[prop]}")
        columns.append(_values(prop, constant, types[prop]))
    names = [f"c{i}" for i in range(len(headers))]
    return headers, pa.table(columns, names=names)


def _has_line_breaks(table: pa.Table) -> bool:
    for column in table.columns:
        if pa.types.is_string(column.type) and any(
                pc.any(pc.match_substring(column, brk)).as_py() for brk in ("\n", "\r")):
            return True
    return False


CHUNK_ROWS = 1_000_000  # rows converted to Arrow at a time: bounded memory at any size


def write_import_files(elements: list[Element], folder: Path) -> list[ImportFile]:
    """Header and data files for every element with rows, in ``folder`` (emptied first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    written = []
    for element in elements:
        if not element.frame.empty:
            written.append(_write_element(element, folder))
    return written


def _write_element(element: Element, folder: Path) -> ImportFile:
    header = folder / f"{element.kind}.header.csv"
    data = folder / f"{element.kind}.csv"
    multiline, writer, types = False, None, column_types(element)
    for start in range(0, len(element.frame), CHUNK_ROWS):
        chunk = element.frame.iloc[start:start + CHUNK_ROWS]
        headers, table = import_table(element, chunk, types)
        if writer is None:
            header.write_text(",".join(headers) + "\n", encoding="utf-8")
            writer = pacsv.CSVWriter(data, table.schema,
                                     write_options=pacsv.WriteOptions(include_header=False))
        writer.write_table(table)
        multiline = multiline or _has_line_breaks(table)
    writer.close()
    return ImportFile(element.kind, header, data, len(element.frame), multiline,
                      _empty_lists(element, types))
