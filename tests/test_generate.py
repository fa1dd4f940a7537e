"""The synthetic-world generator (tiny preset; no Neo4j needed)."""

from __future__ import annotations

import csv
import ipaddress
import json
from collections import defaultdict
from pathlib import Path

import phonenumbers
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.generate.network import in_reserved
from pipelines.generate.world import ROLES, generate_world
from pipelines.generate.writer import contract_fields

CSV_SOURCES = ("accounts", "payment_instruments", "ip_intel", "domain_registrations",
               "organisations", "ownership", "partner_indicators", "analyst_judgements")
PUBLIC_MAIL = {"quillpost-mail.com", "larkinbox.net", "mailorbit.org", "postvale-mail.eu"}


def _quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny3")
    generate_world("tiny", 3, out, progress=_quiet)
    return out


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_deterministic_for_seed(world: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    other = tmp_path / "other"
    generate_world("tiny", 3, again, progress=_quiet)
    generate_world("tiny", 4, other, progress=_quiet)
    assert _files(world) == _files(again)
    base, diff = _files(world), _files(other)
    assert base.keys() == diff.keys()
    assert base["landing/accounts.csv"] != diff["landing/accounts.csv"]
    day = "landing/api_usage/2026-05-01.parquet"
    assert base[day] != diff[day]


def test_landing_columns_match_contract(world: Path) -> None:
    for source in CSV_SOURCES:
        with (world / "landing" / f"{source}.csv").open(encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert tuple(header) == contract_fields(source), source
    days = sorted((world / "landing" / "api_usage").glob("*.parquet"))
    assert [d.stem for d in days] == sorted({d.stem for d in days}) and len(days) > 30
    schema = pq.read_schema(days[0])
    assert tuple(schema.names) == contract_fields("api_usage")
    assert schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert schema.field("input_tokens").type == pa.int64()
    assert sum(pq.ParquetFile(d).metadata.num_rows for d in days) > 40_000


def test_ground_truth_consistent_with_landing(world: Path) -> None:
    landing_ids = {r["account_id"] for r in _read(world / "landing" / "accounts.csv")}
    truth = pq.read_table(world / "ground_truth" / "accounts.parquet").to_pylist()
    assert {r["account_id"] for r in truth} <= landing_ids
    assert len(truth) == len({r["account_id"] for r in truth})
    roles = {r["role"] for r in truth}
    assert roles == set(ROLES)
    campaigns = json.loads((world / "ground_truth" / "campaigns.json").read_text())
    assert len(campaigns) == 2
    for c in campaigns:
        members = [r for r in truth if r["campaign_id"] == c["campaign_id"]]
        assert len(members) == c["n_accounts"] > 0
        assert c["n_exchanges"] > 0
    assert all((r["campaign_id"] is None) == (not r["role"].startswith("campaign"))
               for r in truth)
    manifest = json.loads((world / "manifest.json").read_text())
    assert manifest["preset"] == "tiny" and manifest["seed"] == 3
    quarantine = _read(world / "ground_truth" / "expected_quarantine.csv")
    reasons = {q["reason"] for q in quarantine}
    assert {"missing_required", "malformed_email", "malformed_timestamp",
            "duplicate_key_conflict", "formula_injection", "card_number_in_text"} <= reasons


def test_parents_control_their_fronts(world: Path) -> None:
    orgs = {r["org_id"] for r in _read(world / "landing" / "organisations.csv")}
    up = defaultdict(list)
    for r in _read(world / "landing" / "ownership.csv"):
        up[r["child_org_id"]].append(r["parent_org_id"])
    legit = set(json.loads((world / "ground_truth" / "legit_org_ids.json").read_text()))
    for c in json.loads((world / "ground_truth" / "campaigns.json").read_text()):
        assert c["parent_org_id"] in orgs
        assert c["parent_org_id"] not in legit
        for front in c["operating_org_ids"]:
            assert front in orgs and front not in legit
            seen, todo = set(), [front]
            while todo:
                node = todo.pop()
                if node not in seen:
                    seen.add(node)
                    todo.extend(up[node])
            assert c["parent_org_id"] in seen, front


def test_only_reserved_addresses_and_private_asns(world: Path) -> None:
    for r in _read(world / "landing" / "ip_intel.csv"):
        net = ipaddress.ip_network(r["cidr"])
        assert in_reserved(str(net.network_address)) and in_reserved(str(net.broadcast_address))
        asn = int(r["asn"])
        assert 64512 <= asn <= 65534 or 4_200_000_000 <= asn <= 4_294_967_294
    for r in _read(world / "landing" / "accounts.csv"):
        assert not r["signup_ip"] or in_reserved(r["signup_ip"])
    ips = pq.read_table(world / "landing" / "api_usage", columns=["source_ip"])
    for ip in set(ips.column("source_ip").to_pylist()):
        assert in_reserved(ip), ip


def test_campaign_identifiers_never_shared_with_legit_accounts(world: Path) -> None:
    truth = {r["account_id"]: r["campaign_id"] for r in
             pq.read_table(world / "ground_truth" / "accounts.parquet").to_pylist()}
    owners: dict[tuple, set] = defaultdict(set)
    for r in _read(world / "landing" / "accounts.csv"):
        who = truth[r["account_id"]] or "legit"
        domain = r["email"].rsplit("@", 1)[-1].lower()
        if "@" in r["email"] and domain not in PUBLIC_MAIL:
            owners["domain", domain].add(who)
        if r["phone"]:
            num = phonenumbers.parse(r["phone"], r["declared_country"] or None)
            assert phonenumbers.is_valid_number(num), r["phone"]
            owners["phone", phonenumbers.format_number(num, 0)].add(who)
    for r in _read(world / "landing" / "payment_instruments.csv"):
        owners["card", r["processor_fingerprint"]].add(truth[r["account_id"]] or "legit")
    mixed = [k for k, v in owners.items() if len(v) > 1]
    assert not mixed, mixed[:5]
