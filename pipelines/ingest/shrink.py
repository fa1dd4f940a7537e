"""A snapshot that shrinks is not trusted blindly. Reference exports are full snapshots, so a
source whose loaded rows (or the accounts with usage) fall by more than the contract's
``max_shrink_share`` against the last good run is most likely a truncated export: its blocking
check fails and nothing is deleted from the graph. An operator who knows the shrink is real
confirms it once, with a line naming the source (or ``all``) in ``<work>/confirm-shrink``, or for
good with ``ATTRIB_CONFIRM_SHRINK=accounts,api_usage`` in the environment.

The counts of the last good run are written when the graph has committed."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pyarrow.parquet as pq

from pipelines.contract import load_contracts
from pipelines.errors import ContractError
from pipelines.paths import PipelinePaths
from pipelines.tables import table_path

LAST_GOOD = "state/last_good_counts.json"
CONFIRM_FILE = "confirm-shrink"
CONFIRM_ENV = "ATTRIB_CONFIRM_SHRINK"
USAGE = "api_usage"  # its count is the accounts with usage over every day


@dataclass(frozen=True)
class ShrinkVerdict:
    source: str
    what: str  # the file or files, as the message names them
    current: int
    previous: int | None
    limit: float
    confirmed: bool

    @property
    def shrank(self) -> bool:
        return bool(self.previous) and self.current < (1 - self.limit) * self.previous

    @property
    def passed(self) -> bool:
        return not self.shrank or self.confirmed

    def message(self) -> str:
        if not self.shrank:
            return (f"{self.what}: {self.current:,} against {self.previous:,} in the last good "
                    "run" if self.previous is not None else f"{self.what}: no earlier run")
        drop = 1 - self.current / self.previous
        text = (f"{self.what} shrank from {self.previous:,} in the last good run to "
                f"{self.current:,} ({drop:.0%} fewer, more than the {self.limit:.0%} that "
                f"schemas/contract/{self.source}.yaml allows)")
        if self.confirmed:
            return text + "; the shrink was confirmed by the operator"
        return (text + ". Reference exports are full snapshots, so this looks like a truncated "
                "export: nothing downstream ran and nothing was deleted from the graph. If the "
                f"shrink is real, confirm it: echo {self.source} >> <work folder>/{CONFIRM_FILE} "
                f"(once) or set {CONFIRM_ENV}={self.source}, and run again.")


def last_good_counts(paths: PipelinePaths) -> dict[str, int]:
    path = paths.output(LAST_GOOD)
    return json.loads(path.read_text()) if path.exists() else {}


def confirmed_sources(paths: PipelinePaths) -> set[str]:
    names = set(os.environ.get(CONFIRM_ENV, "").replace(",", " ").split())
    marker = paths.output(CONFIRM_FILE)
    if marker.exists():
        names |= set(marker.read_text().replace(",", " ").split())
    return names


def shrink_verdict(source: str, what: str, current: int, paths: PipelinePaths) -> ShrinkVerdict:
    confirmed = confirmed_sources(paths)
    return ShrinkVerdict(
        source=source, what=what, current=current,
        previous=last_good_counts(paths).get(source),
        limit=load_contracts()[source].file.max_shrink_share,
        confirmed=bool({source, "all"} & confirmed),
    )


def accounts_with_usage(paths: PipelinePaths) -> int:
    return pq.ParquetFile(table_path(paths, "normalised/usage_accounts")).metadata.num_rows


def refuse_usage_shrink(paths: PipelinePaths) -> None:
    """Before the load writes anything: fail when the accounts with usage shrank unconfirmed."""
    verdict = shrink_verdict(USAGE, f"the accounts with usage in {paths.landing / USAGE}/",
                             accounts_with_usage(paths), paths)
    if not verdict.passed:
        raise ContractError(verdict.message())


def record_last_good(paths: PipelinePaths) -> None:
    """After the graph committed: these counts are what the next run is compared with, and a
    one-off confirmation has been used."""
    counts = {c.source: pq.ParquetFile(paths.ingested(c.source)).metadata.num_rows
              for c in load_contracts().values()
              if not c.large and paths.ingested(c.source).exists()}
    counts[USAGE] = accounts_with_usage(paths)
    out = paths.output(LAST_GOOD)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_text(json.dumps(counts, indent=1, sort_keys=True))
    temporary.replace(out)
    paths.output(CONFIRM_FILE).unlink(missing_ok=True)
