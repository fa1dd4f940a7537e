"""The contract's row checks remembered from the last run, so a daily full export is checked by
difference. A reference export (accounts, payment instruments…) is dropped whole every day and
differs from yesterday's by a few thousand rows; the checks (phone numbers, mail domains, card
numbers) cost about 90 % of its ingestion. They are a pure function of the row's cells, the
contract and the checking code, so a row whose cells are exactly those of a row the last run
loaded gets that row's outcome back instead of being checked again.

Only loaded rows are remembered: their values are what the ingested Parquet holds already (card
numbers removed or redacted), so the memo keeps nothing the outputs do not. Quarantined rows,
which may hold a raw card number, are checked again every run (they are few).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.parquet as pq
import tldextract

from pipelines.contract import SourceContract
from pipelines.dagster_meta import source_digest
from pipelines.ingest.rows import RowOutcome

# Everything a row's outcome depends on besides its cells: the contract, the checks and the
# normalisers they call, the reference lists those read.
CHECKS_CODE = ("pipelines/contract.py", "schemas/contract", "pipelines/ingest/rows.py",
               "pipelines/ingest/fields.py", "pipelines/normalise", "schemas/reference")
KEY, ISSUES = "_key", "_issue_list"
VERSION_META = b"attrib_memo_version"


def code_version(label: str, sources: tuple[str, ...]) -> str:
    """A version of per-row work: its label, the files it reads (code and reference lists) and
    the libraries that parse phone numbers and domains."""
    parts = (label, source_digest(sources), phonenumbers.__version__, tldextract.__version__)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def checks_version(contract: SourceContract) -> str:
    """Changes whenever a row with the same cells could be judged differently."""
    return code_version(contract.source, CHECKS_CODE)


def row_key(cells: list[str | None]) -> int:
    """A row's cells (in contract column order) as a 64-bit key; ``repr`` keeps None apart from
    "None" and the cell boundaries apart, undecodable bytes are kept as surrogates."""
    text = repr(cells).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little", signed=True)


@dataclass
class CheckMemo:
    """Outcomes of loaded rows by row key: the last run's (to look up) and this run's (to keep)."""

    columns: list[str]
    version: str
    _index: dict[int, int] = field(default_factory=dict)
    _values: dict[str, list] = field(default_factory=dict)
    _issues: list = field(default_factory=list)
    hits: int = 0

    def outcome(self, key: int) -> RowOutcome | None:
        at = self._index.get(key)
        if at is None:
            return None
        self.hits += 1
        issues = self._issues[at]
        return RowOutcome({c: self._values[c][at] for c in self.columns},
                          list(issues) if issues is not None else [])


def read_versioned(path: Path, version: str) -> pa.Table | None:
    """A memo made by the code of ``version``; None when there is none, when it is unreadable
    (a killed write: the run then does every row, as a first run does) or made by other code."""
    if not path.exists():
        return None
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError):
        return None
    found = (table.schema.metadata or {}).get(VERSION_META, b"").decode()
    return table if found == version else None


def write_versioned(path: Path, table: pa.Table, version: str, **metadata: bytes) -> None:
    """``table`` as the memo of the code of ``version`` (with ``metadata`` besides); written
    aside and renamed, so a killed run leaves the old memo or none."""
    table = table.replace_schema_metadata({
        **(table.schema.metadata or {}), VERSION_META: version.encode(),
        **{key.encode(): value for key, value in metadata.items()}})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    pq.write_table(table, temporary)
    temporary.replace(path)


def read_memo(path: Path, contract: SourceContract) -> CheckMemo:
    """The last run's memo, or an empty one when there is none or it was made by other checks."""
    memo = CheckMemo(contract.columns, checks_version(contract))
    table = read_versioned(path, memo.version)
    if table is None or set(memo.columns) - set(table.column_names):
        return memo
    memo._index = {key: at for at, key in enumerate(table[KEY].to_pylist())}
    memo._values = {c: table[c].to_pylist() for c in memo.columns}
    memo._issues = table[ISSUES].to_pylist()
    return memo


def write_memo(path: Path, memo: CheckMemo, keys: list[int], loaded: pd.DataFrame,
               issues: list[list[str] | None]) -> None:
    """This run's loaded rows (``loaded``, in order, with their keys and issue lists) as the
    next run's memo."""
    frame = loaded[memo.columns].assign(**{KEY: pd.Series(keys, dtype="int64").to_numpy()})
    frame = frame.drop_duplicates(KEY)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    kept = pa.array([issues[at] for at in frame.index], type=pa.list_(pa.string()))
    write_versioned(path, table.append_column(ISSUES, kept), memo.version)
