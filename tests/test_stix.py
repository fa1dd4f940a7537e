"""Sharing with partners: a case's STIX 2.1 bundle validates, carries no personal identifier in
clear, and a second provider's bundle hashed with the same key matches our accounts; its matches
come back as partner_indicator evidence in the case."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.paths import PipelinePaths
from pipelines.prepare import prepare_tables
from pipelines.report.case import CaseTables, build_case, parents
from pipelines.report.model import Case, Organisation
from pipelines.share.commands import add_partner_indicators
from pipelines.share.stix import (
    KEY_VARIABLE,
    case_bundle,
    partner_matches,
    personal_identifiers,
    sharing_key,
    validation_errors,
)

KEY = b"test-sharing-key-0123456789abcdef"
OTHER_KEY = b"another-partners-key-0123456789ab"


@pytest.fixture(scope="module")
def tables(attributed_world: PipelinePaths) -> CaseTables:
    return CaseTables.from_paths(attributed_world)


@pytest.fixture(scope="module")
def case(tables: CaseTables) -> Case:
    return build_case(tables, parents(tables)[0])


@pytest.fixture(scope="module")
def bundle_text(case: Case, tables: CaseTables) -> str:
    personal = personal_identifiers(case, tables.accounts, tables.payments)
    return case_bundle(case, personal, KEY, producer_name="Provider A").serialize()


def test_the_bundle_is_valid_stix_2_1(bundle_text: str) -> None:
    assert validation_errors(bundle_text) == []
    objects = json.loads(bundle_text)["objects"]
    types = {o["type"] for o in objects}
    assert {"identity", "threat-actor", "intrusion-set", "indicator", "relationship"} <= types
    relations = {o["relationship_type"] for o in objects if o["type"] == "relationship"}
    assert {"attributed-to", "indicates"} <= relations
    patterns = " ".join(o["pattern"] for o in objects if o["type"] == "indicator")
    for observable in ("ipv4-addr:value ISSUBSET", "domain-name:value", "User-Agent",
                       "x-hashed-identifier:hmac_sha256"):
        assert observable in patterns


def test_no_personal_identifier_in_clear(bundle_text: str, case: Case,
                                         tables: CaseTables) -> None:
    accounts = tables.accounts[tables.accounts["account_id"].isin(case.account_ids)]
    payments = tables.payments[tables.payments["account_id"].isin(case.account_ids)]
    clear = pd.concat([accounts["email"], accounts["email_key"], accounts["phone"],
                       accounts["phone_e164"], payments["processor_fingerprint"],
                       payments["fingerprint"], payments["billing_name"],
                       payments["billing_name_key"]]).dropna().astype(str)
    clear = {v for v in clear if len(v) >= 6}
    assert len(clear) > 20, "the case should have personal identifiers to hide"
    text = bundle_text.casefold()
    leaked = sorted(v for v in clear if v.casefold() in text)
    assert leaked == [], f"personal identifiers in clear: {leaked[:5]}"
    assert not any(v in bundle_text for v in (KEY.decode(), OTHER_KEY.decode()))


def _second_provider_bundle(tables: CaseTables, case: Case, key: bytes) -> tuple[str, set]:
    """Another provider's bundle: five of our case's emails as that provider wrote them
    (other case and dots), plus identifiers we have never seen."""
    ours = tables.accounts[tables.accounts["account_id"].isin(case.account_ids)]
    shared = ours.dropna(subset=["email"]).head(5)
    theirs = pd.DataFrame({"indicator_type": "email", "key": list(shared["email_key"])
                           + [f"stranger{i}@elsewhere-mail.example" for i in range(5)]})
    other = Case(**{**case.__dict__, "indicators": [],
                    "parent": Organisation("ORG-PARTNER-1", "Partner-side Name", "XX")})
    text = case_bundle(other, theirs, key, producer_name="Provider B").serialize()
    return text, set(shared["email_key"])


def test_a_partner_bundle_hashed_with_the_same_key_matches(tables: CaseTables,
                                                           case: Case) -> None:
    text, expected = _second_provider_bundle(tables, case, KEY)
    matches = partner_matches(text, KEY, tables.accounts, tables.payments,
                              tables.usage_ips["source_ip"], "Provider B")
    hashed = matches[matches["indicator_type"] == "email"]
    assert set(hashed["value"]) == expected
    other = partner_matches(text, OTHER_KEY, tables.accounts, tables.payments,
                            tables.usage_ips["source_ip"], "Provider B")
    assert other[other["indicator_type"] == "email"].empty


def test_imported_matches_become_partner_evidence(tmp_path: Path, tables: CaseTables,
                                                  case: Case,
                                                  attributed_world: PipelinePaths) -> None:
    paths = PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "w"))
    shutil.copytree(attributed_world.landing, paths.landing)
    shutil.copytree(attributed_world.work, paths.work)
    text, expected = _second_provider_bundle(tables, case, KEY)
    matches = partner_matches(text, KEY, tables.accounts, tables.payments,
                              tables.usage_ips["source_ip"], "Provider B")
    add_partner_indicators(paths.landing / "partner_indicators.csv", matches)
    prepare_tables(paths)  # the next run ingests the partner indicators like any source
    again = build_case(CaseTables.from_paths(paths), case.parent.org_id)
    partner = [e for e in again.evidence if e.kind == "partner_indicator"
               and "Provider B" in e.match]
    assert {e.value.removeprefix("email ") for e in partner} == expected
    assert all(s.startswith("partner_indicators.csv row ") for e in partner for s in e.sources)


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(Exception, match=KEY_VARIABLE):
        sharing_key()
    monkeypatch.setenv(KEY_VARIABLE, KEY.decode())
    assert sharing_key() == KEY
