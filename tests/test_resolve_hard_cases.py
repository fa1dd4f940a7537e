"""The brief's hard cases, each on a hand-built landing folder, through the real functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.paths import PipelinePaths
from pipelines.prepare import prepare_tables
from pipelines.resolve.assets import load_inputs
from pipelines.resolve.pipeline import ambiguous_names, name_owners
from tests.landing import account, cluster_of, payment, run_pipeline, write_landing

UNIVERSITY_NET = {"cidr": "198.18.200.0/24", "asn": "64600", "usage_type": "education",
                  "is_hosting": "false", "is_proxy": "false", "is_vpn": "false"}
PROXY_NET = {"cidr": "198.19.50.0/24", "asn": "64700", "usage_type": "proxy",
             "is_hosting": "true", "is_proxy": "true", "is_vpn": "false",
             "proxy_service": "Kestrelink Relay"}


@pytest.fixture
def paths(tmp_path: Path) -> PipelinePaths:
    return PipelinePaths(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"))


def test_a_nat_of_2000_legitimate_accounts_is_not_one_cluster(paths: PipelinePaths) -> None:
    students = [account(f"stu_{i:04d}", email=f"s{i}@northvale-uni.edu",
                        signup_ip=f"198.18.200.{i % 4 + 1}", user_agent="Mozilla/5.0 common")
                for i in range(2000)]
    write_landing(paths.landing, accounts=students, ip_intel=[UNIVERSITY_NET])
    resolution = run_pipeline(paths)
    assert resolution.clusters.empty, resolution.clusters["size"].max()


def test_a_phone_in_three_formats_links(paths: PipelinePaths) -> None:
    accounts = [
        account("acc_a", phone="+86 138-0013-8000", declared_country="CN"),
        account("acc_b", phone="008613800138000", declared_country="CN"),
        account("acc_c", phone="13800138000", declared_country="CN"),
        account("acc_other", phone="13900139000", declared_country="CN"),
    ]
    write_landing(paths.landing, accounts=accounts)
    resolution = run_pipeline(paths)
    ids = {cluster_of(resolution, a) for a in ("acc_a", "acc_b", "acc_c")}
    assert len(ids) == 1 and None not in ids
    assert cluster_of(resolution, "acc_other") is None


def test_the_resolution_returns_its_links_and_the_sign_up_networks_it_judged(
        paths: PipelinePaths) -> None:
    """The links come back whole from where they wait during the campaign level, and the
    ip_networks table is each sign-up address's network (it once held the operators' sign-up
    blocks instead)."""
    accounts = [
        account("acc_a", phone="+86 138-0013-8000", declared_country="CN",
                signup_ip="198.18.200.7"),
        account("acc_b", phone="008613800138000", declared_country="CN",
                signup_ip="203.0.113.9"),
    ]
    write_landing(paths.landing, accounts=accounts, ip_intel=[UNIVERSITY_NET])
    resolution = run_pipeline(paths)
    link = resolution.links[(resolution.links["a"] == "acc_a")
                            & (resolution.links["b"] == "acc_b")]
    assert len(link) == 1 and float(link["score"].iloc[0]) > 0.5, resolution.links
    assert "phone" in link["kinds"].iloc[0]
    networks = resolution.ip_networks.set_index("ip")
    assert set(networks.index) == {"198.18.200.7", "203.0.113.9"}
    assert networks.loc["198.18.200.7", "cidr"] == UNIVERSITY_NET["cidr"]
    assert bool(networks.loc["198.18.200.7", "is_hub"])
    assert not bool(networks.loc["203.0.113.9", "is_hub"])


def test_a_reseller_does_not_glue_its_customers_together(paths: PipelinePaths) -> None:
    customers = [account(f"cust_{i:03d}", email=f"ops@firm{i}.com",
                         signup_ip=f"198.19.50.{i % 10 + 1}", user_agent="python-requests/2.31")
                 for i in range(60)]
    write_landing(paths.landing, accounts=customers, ip_intel=[PROXY_NET])
    resolution = run_pipeline(paths)
    assert resolution.clusters.empty


def test_a_judgement_different_splits_a_pair(paths: PipelinePaths) -> None:
    accounts = [account("acc_x"), account("acc_y"), account("acc_z")]
    payments = [payment("acc_x", "fp_shared"), payment("acc_y", "fp_shared"),
                payment("acc_z", "fp_shared")]
    write_landing(paths.landing, accounts=accounts, payment_instruments=payments)
    before = run_pipeline(paths)
    assert cluster_of(before, "acc_x") == cluster_of(before, "acc_y") is not None
    judgement = {"left_ref": "account:acc_y", "right_ref": "account:acc_x",
                 "verdict": "different", "analyst": "analyst.k",
                 "decided_at": "2026-06-10T12:00:00Z"}
    write_landing(paths.landing, accounts=accounts, payment_instruments=payments,
                  analyst_judgements=[judgement])
    after = run_pipeline(paths)
    assert cluster_of(after, "acc_x") != cluster_of(after, "acc_y")


def test_weak_evidence_alone_does_not_link_but_together_it_does(paths: PipelinePaths) -> None:
    accounts = [
        # same custom domain + same declared organisation: 1 - 0.5 * 0.65 = 0.675 < 0.75
        account("w1", email="a@qinglan-data.com", declared_org="Qinglan Data"),
        account("w2", email="b@qinglan-data.com", declared_org="Qinglan Data Ltd"),
        # same custom domain + same billing identity spelled differently: strong
        account("s1", email="a@hexaloop-ai.com"), account("s2", email="b@hexaloop-ai.com"),
    ]
    payments = [
        payment("s1", "fp_1", billing_name="Hexaloop AI Co., Ltd.",
                billing_address="Rm 1203, Tower B, 88 Binjiang Rd"),
        payment("s2", "fp_2", billing_name="HEXALOOP AI",
                billing_address="Room 1203 Twr. B 88 Binjiang Road"),
    ]
    write_landing(paths.landing, accounts=accounts, payment_instruments=payments)
    resolution = run_pipeline(paths)
    assert cluster_of(resolution, "w1") is None
    assert cluster_of(resolution, "s1") == cluster_of(resolution, "s2") is not None


def _campaign_of(resolution, account_id: str) -> str | None:
    hit = resolution.campaigns[resolution.campaigns["account_id"] == account_id]
    return None if hit.empty else hit["campaign_id"].iloc[0]


def test_a_piece_joins_a_campaign_on_what_its_accounts_carry_together(
        paths: PipelinePaths) -> None:
    # The operation's main group pays with one card under two person names and declares one
    # front. A piece of two accounts (one phone) carries one of the names on one account and
    # the front on the other: no account pair shares two things, the piece does.
    front = "Brisklane Analytics"
    main = [account(f"m{i}", declared_org=front) for i in range(3)]
    piece = [account("p1", phone="+44 7700 900123", declared_country="GB"),
             account("p2", phone="+44 7700 900123", declared_country="GB", declared_org=front)]
    stranger = [account("x1")]  # the same name only: a namesake
    crowd = [account(f"c{i:02d}") for i in range(40)]
    def paying(account_id: str, card: str, name: str, street: int) -> dict:
        return payment(account_id, card, billing_name=name,
                       billing_address=f"{street} Larch Lane, Dunmore", billing_country="GB")

    payments = [paying("m0", "fp_main", "Ottoline Varga", 11),
                paying("m1", "fp_main", "Teodor Quillfeather", 12),
                paying("m2", "fp_main", "Ottoline Varga", 13),
                paying("p1", "fp_p1", "Ottoline Varga", 14),
                paying("p2", "fp_p2", "Irma Solvay", 15),
                paying("x1", "fp_x1", "Ottoline Varga", 16),
                *[paying(f"c{i:02d}", f"fp_c{i:02d}", f"Name{i} Surname{i}", 100 + i)
                  for i in range(40)]]
    write_landing(paths.landing, accounts=main + piece + stranger + crowd,
                  payment_instruments=payments)
    resolution = run_pipeline(paths)
    assert cluster_of(resolution, "p1") == cluster_of(resolution, "p2") != cluster_of(
        resolution, "m0")
    assert _campaign_of(resolution, "p1") == _campaign_of(resolution, "m0") is not None
    assert _campaign_of(resolution, "x1") != _campaign_of(resolution, "m0")


def test_a_generic_business_name_ties_no_one(paths: PipelinePaths) -> None:
    # Two fronts whose names lost their distinctive word to a typo both read "LLC Bio"; a
    # front written in full still ties the accounts that declare it. Webmail addresses, so
    # that nothing else is shared.
    def declaring(account_id: str, name: str) -> dict:
        return account(account_id, declared_org=name, email=f"{account_id}@gmail.com")

    accounts = [declaring(f"bio_{i}", 'LLC Bio"') for i in range(6)]
    accounts += [declaring(f"hh_{i}", 'LLC "Henghong Bio"') for i in range(6)]
    write_landing(paths.landing, accounts=accounts)
    resolution = run_pipeline(paths)
    assert {_campaign_of(resolution, f"bio_{i}") for i in range(6)} == {None}
    together = {_campaign_of(resolution, f"hh_{i}") for i in range(6)}
    assert len(together) == 1 and None not in together


def _organisation(org_id: str, legal_name: str, aliases: str, country: str) -> dict:
    return {"org_id": org_id, "legal_name": legal_name, "aliases": aliases, "country": country,
            "registration_number": f"{country}{org_id[-4:]}", "website_domain": ""}


CHENNING_ORGS = [
    _organisation("ORG-CZ-0001", "Chenning Bio s.r.o.", "Chenning Bio|CHENNING", "CZ"),
    _organisation("ORG-US-0002", "Chenning Studio LLC", "Chenning Studio|CHENNING", "US"),
    _organisation("ORG-RU-0003", "Ostrovel Holdings", "", "RU"),
    _organisation("ORG-HK-0004", "Sailmoor Holdings", "", "HK"),
]


def _owned(parent_of_studio: str) -> list[dict]:
    return [{"child_org_id": child, "parent_org_id": parent, "percentage": "100",
             "relationship": "subsidiary", "source": "registry"}
            for child, parent in (("ORG-CZ-0001", "ORG-RU-0003"),
                                  ("ORG-US-0002", parent_of_studio))]


def _names_of_two_owners(paths: PipelinePaths, parent_of_studio: str) -> frozenset[str]:
    accounts = [account("bio_00", declared_org="CHENNING"),
                account("bio_01", declared_org="Chenning Bio s.r.o."),
                account("stu_00", declared_org="Chenning Studio")]
    write_landing(paths.landing, accounts=accounts, organisations=CHENNING_ORGS,
                  ownership=_owned(parent_of_studio))
    prepare_tables(paths)
    return ambiguous_names(name_owners(load_inputs(paths)))


def test_a_name_the_registry_gives_two_owners_is_ambiguous(paths: PipelinePaths) -> None:
    """'Chenning' is the alias of two companies of different owners (zoo world 9411 merged two
    operations on it): one such name alone does not make two operations one
    (``cluster.OperationRule``, tested in test_resolve_lone_ties.py)."""
    assert _names_of_two_owners(paths, "ORG-HK-0004") == {"declared_org=chenning"}


def test_a_name_two_sibling_fronts_share_is_not_ambiguous(paths: PipelinePaths) -> None:
    assert _names_of_two_owners(paths, "ORG-RU-0003") == frozenset()  # both answer to one
