"""Every table one step of the pipeline hands to the next: its name, the asset that writes it
and where it lives in the work folder.

Steps read these tables by name (``read_table``), and an asset's dependencies are the writers
of the tables it reads (``writers_of``), so the lineage Dagster draws is the one the code
follows: a step cannot read a table without depending on the asset that writes it.

Names are ``stage/table``: ``normalised/accounts``, ``resolved/clusters``,
``attribution/scores``. The ingested copies of the landing files (one per source, written by
``ingested_<source>``) and the usage days' partial tables are read only by the step right
after them and are not listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pipelines.normalise.usage_sql import USAGE_TABLES  # API usage over every day, one asset
from pipelines.paths import PipelinePaths


@dataclass(frozen=True)
class Table:
    name: str  # stage/table
    asset: str  # the asset that writes it

    @property
    def file(self) -> str:
        """Path under the work folder."""
        return f"{self.name}.parquet"


# normalised table → the ingested source it comes from (one asset per table).
NORMALISED_FROM_SOURCE = {
    "accounts": "accounts",
    "payment_instruments": "payment_instruments",
    "ip_intel": "ip_intel",
    "domain_registrations": "domain_registrations",
    "organisations": "organisations",
    "organisation_names": "organisations",
    "ownership": "ownership",
    "partner_indicators": "partner_indicators",
    "analyst_judgements": "analyst_judgements",
}
RESOLVED_TABLES = ("identifiers", "links", "clusters", "history", "ip_networks", "org_matches",
                   "groups", "campaign_links", "campaigns")
ATTRIBUTION_TABLES = ("scores", "cluster_scores", "attributions")

TABLES: dict[str, Table] = {t.name: t for t in [
    *(Table(f"normalised/{n}", f"normalised_{n}") for n in NORMALISED_FROM_SOURCE),
    *(Table(f"normalised/{n}", "normalised_usage") for n in USAGE_TABLES),
    *(Table(f"resolved/{n}", "resolved_clusters") for n in RESOLVED_TABLES),
    *(Table(f"attribution/{n}", "campaign_attribution") for n in ATTRIBUTION_TABLES),
]}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a registered table (pipelines/tables.py); known: "
                       f"{', '.join(sorted(TABLES))}") from None


def table_path(paths: PipelinePaths, name: str) -> Path:
    return paths.work / table(name).file


def stage_paths(paths: PipelinePaths, stage: str) -> Callable[[str], Path]:
    """Where each table of ``stage`` lives, by its table name: for a step that writes several
    (the usage engines write the usage tables through it)."""
    return lambda name: table_path(paths, f"{stage}/{name}")


def read_table(paths: PipelinePaths, name: str, *, categorical: tuple[str, ...] = (),
               where: list[tuple] | None = None, columns: list[str] | None = None
               ) -> pd.DataFrame:
    """The table, or the rows matching ``where`` (pyarrow filters, read without the others),
    with all its columns or ``columns``; ``categorical`` text columns come as categories, a
    fraction of the memory for columns that repeat a few values over millions of rows (account
    ids in the usage tables)."""
    path = table_path(paths, name)
    if not categorical:
        return pd.read_parquet(path, filters=where, columns=columns)
    # Each row group has a dictionary of its own: unified by Arrow before pandas sees them
    # (pandas unifies them itself, 15 s instead of 3 for the seed's 30M account×IP rows).
    return pq.read_table(path, columns=columns, read_dictionary=list(categorical),
                         filters=where).unify_dictionaries().to_pandas()


def write_table(paths: PipelinePaths, name: str, frame: pd.DataFrame) -> Path:
    path = table_path(paths, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return path


def writers_of(names: tuple[str, ...] | list[str]) -> list[str]:
    """The assets that write these tables, each once, in the order first needed."""
    return list(dict.fromkeys(table(n).asset for n in names))
