"""Whole-file checks, made before any row of a file is trusted: a file with its columns named
twice, without a required column, or whose usable rows fall below the contract's share fails its
ingestion step with one paragraph saying what was found and what was expected. Nothing
downstream then runs, so the graph keeps its last good state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.contract import DELIMITERS, SourceContract
from pipelines.errors import ContractError
from pipelines.ingest.reader import shown

SHOWN_COLUMNS = 12
AFTERMATH = ("Nothing from this file was loaded and nothing downstream ran, so the graph keeps "
             "its last good state; fix the export and drop it again.")


@dataclass
class FileFacts:
    """What was found in a file, for the message that refuses it."""

    path: Path
    columns: list[str] = field(default_factory=list)
    delimiter: str | None = None  # None for Parquet
    encoding: str = "UTF-8"

    def describe(self) -> str:
        columns = ", ".join(shown(c, 40) for c in self.columns[:SHOWN_COLUMNS]) or "none"
        if len(self.columns) > SHOWN_COLUMNS:
            columns += f" and {len(self.columns) - SHOWN_COLUMNS} more"
        layout = ("Parquet" if self.delimiter is None else
                  f"{DELIMITERS.get(self.delimiter, repr(self.delimiter))}-delimited")
        return f"{layout}, encoding {self.encoding}, columns: {columns}"


def _expected(contract: SourceContract) -> str:
    rules = contract.file
    layout = ("delimited by a comma, semicolon, tab or pipe" if rules.delimiter == "auto"
              else f"{DELIMITERS[rules.delimiter]}-delimited")
    return (f"the columns of schemas/contract/{contract.source}.yaml, of which "
            f"{', '.join(contract.required_columns)} are required, {layout}, encoded in "
            f"{rules.encoding} (or Parquet)")


def refuse_duplicate_columns(facts: FileFacts, contract: SourceContract) -> None:
    """Two columns with one name: which one holds the data cannot be known, so neither wins."""
    twice = sorted(name for name, n in Counter(facts.columns).items() if n > 1)
    if twice:
        raise ContractError(
            f"{facts.path} cannot be ingested as {contract.source}: the header names "
            f"{', '.join(shown(n, 40) for n in twice)} more than once, so which column holds "
            f"the data cannot be known. Found: {facts.describe()}. Expected: each column "
            f"once, {_expected(contract)}. {AFTERMATH}")


def refuse_missing_required(facts: FileFacts, contract: SourceContract) -> list[str]:
    """The required columns the header lacks; for a required source, the file fails."""
    missing = [c for c in contract.required_columns if c not in facts.columns]
    if missing and contract.required:
        if not facts.columns:
            raise ContractError(
                f"{facts.path} cannot be ingested as {contract.source}: the file is empty (no "
                f"header, no rows). Expected: {_expected(contract)}. {AFTERMATH}")
        hint = ""
        if len(facts.columns) == 1 and any(d in facts.columns[0] for d in DELIMITERS):
            hint = " The header is one single column: the delimiter is probably not the one read."
        raise ContractError(
            f"{facts.path} cannot be ingested as {contract.source}: required column"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing.{hint} Found: "
            f"{facts.describe()}. Expected: {_expected(contract)}. {AFTERMATH}")
    return missing


def refuse_unusable(report, contract: SourceContract, quarantine: list[dict]) -> None:
    """A required source with no usable row, or with fewer than ``min_usable_share`` of its rows
    usable, is not an export to trust (``report``: the file's IngestReport)."""
    if not contract.required or report.facts is None:
        return
    facts, read, loaded = report.facts, report.read, report.loaded
    first_bad = min(quarantine, key=lambda q: q["line"]) if quarantine else None
    share = contract.file.min_usable_share
    if read and loaded >= share * read:
        return
    if not read and (contract.large or contract.file.allow_empty):
        return  # a usage day without requests, or a source the contract allows to be empty
    if not read:
        problem = "it holds no row at all (a header only, or nothing)"
    else:
        problem = (f"only {loaded:,} of its {read:,} rows are usable ({loaded / read:.0%}; the "
                   f"contract asks for at least {share:.0%})")
    bad = ""
    if first_bad is not None:
        bad = f"; first bad line {first_bad['line']}: {shown(first_bad['reason'], 200)}"
    raise ContractError(
        f"{facts.path} cannot be ingested as {contract.source}: {problem}. Found: "
        f"{facts.describe()}{bad}. Expected: {_expected(contract)}. The rows that were read "
        f"are in the quarantine file with their reasons. {AFTERMATH}")
