"""`attrib stix export` and `attrib stix import`: plain functions over the work folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipelines.errors import AttribError, NotFoundError
from pipelines.paths import PipelinePaths
from pipelines.report.case import CaseTables, build_case, parents
from pipelines.share.stix import (
    PARTNER_COLUMNS,
    case_bundle,
    partner_matches,
    personal_identifiers,
    sharing_key,
)
from pipelines.tables import read_table

PARTNER_SOURCE = "partner_indicators.csv"


def export_bundle(paths: PipelinePaths, org_id: str, out: Path) -> Path:
    """Write the STIX bundle of the case against ``org_id``."""
    key = sharing_key()
    tables = CaseTables.from_paths(paths)
    if org_id not in parents(tables):
        raise NotFoundError(f"not found: no case against {org_id!r}; cases: "
                            f"{', '.join(parents(tables)) or 'none'}")
    case = build_case(tables, org_id)
    bundle = case_bundle(case, personal_identifiers(case, tables.accounts, tables.payments), key)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(bundle.serialize(pretty=True), encoding="utf-8")
    return out


def import_bundle(paths: PipelinePaths, bundle: Path, partner: str) -> pd.DataFrame:
    """Match a partner's bundle against our accounts and add the matches to the landing
    folder's partner indicators, where the next run takes them in as evidence."""
    if not bundle.is_file():
        raise NotFoundError(f"not found: no bundle file {bundle}")
    try:
        text = bundle.read_text(encoding="utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise AttribError(f"{bundle} is not a JSON STIX bundle: {exc}") from exc
    norm = lambda n: read_table(paths, f"normalised/{n}")  # noqa: E731
    matches = partner_matches(text, sharing_key(), norm("accounts"), norm("payment_instruments"),
                              norm("usage_account_ips")["source_ip"], partner)
    add_partner_indicators(paths.landing / PARTNER_SOURCE, matches)
    return matches


def add_partner_indicators(path: Path, matches: pd.DataFrame) -> None:
    """Append to the partner indicators source, one row per (type, value, partner)."""
    frame = pd.read_csv(path, dtype=str) if path.exists() else pd.DataFrame(
        columns=PARTNER_COLUMNS)
    combined = pd.concat([frame, matches.astype(str)], ignore_index=True)
    combined = combined.drop_duplicates(["indicator_type", "value", "partner"], keep="last")
    temporary = path.with_name(f".{path.name}.tmp")  # dot files are not part of a drop
    combined[PARTNER_COLUMNS].to_csv(temporary, index=False)
    temporary.replace(path)
