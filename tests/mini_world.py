"""A very small, valid landing folder for tests that run the whole job: a few accounts of one
operator sharing a card and a registrant domain, two legitimate accounts, one organisation with
its parent, and one or two days of usage. Every source of the contract is present. Fictional
names only."""

from __future__ import annotations

from pathlib import Path

from tests.landing import account, payment, write_landing

DAYS = ("2026-05-01", "2026-05-02")
OPERATOR = "qinglan-data.test"


def usage_rows(account_ids: list[str], days: tuple[str, ...] = DAYS, per_day: int = 3
               ) -> list[dict]:
    rows = []
    for day in days:
        for n, account_id in enumerate(account_ids):
            for k in range(per_day):
                rows.append({
                    "ts": f"{day}T0{k}:1{n % 10}:00Z", "account_id": account_id,
                    "api_key_id": f"key_{account_id}", "source_ip": f"198.18.0.{10 + n}",
                    "model": "model-large-2026-04", "input_tokens": 100 + k,
                    "output_tokens": 900, "prompt_category": "cot_elicitation",
                    "request_id": f"req_{day}_{account_id}_{k}",
                })
    return rows


def mini_world(operator_accounts: int = 4, legit_accounts: int = 2) -> dict[str, list[dict]]:
    """Every source of the contract, small and valid."""
    operator = [f"acc_op_{i}" for i in range(operator_accounts)]
    legit = [f"acc_lg_{i}" for i in range(legit_accounts)]
    accounts = [account(a, email=f"{a}@{OPERATOR}", declared_org="Qinglan Data",
                        display_name=f"Operator {i}", user_agent="python-httpx/0.27.0",
                        signup_ip=f"198.18.0.{10 + i}", declared_country="CN")
                for i, a in enumerate(operator)]
    accounts += [account(a, display_name=f"Legit {i}", user_agent="Mozilla/5.0")
                 for i, a in enumerate(legit)]
    payments = [payment(a, "fp_shared_card_0001", bin="411111", last4="1111",
                        billing_name="Qinglan Data", billing_address="Rm 1203, Tower B",
                        billing_country="CN") for a in operator]
    payments += [payment(a, f"fp_own_card_{i:04d}", billing_name=f"Legit {i}")
                 for i, a in enumerate(legit)]
    return {
        "accounts": accounts,
        "payment_instruments": payments,
        "domain_registrations": [{
            "domain": OPERATOR, "registrant_org": "Qinglan Data Co., Ltd.",
            "registrant_email": f"admin@{OPERATOR}", "registrar": "Example Registrar",
            "created_at": "2025-01-01T00:00:00Z"}],
        "ip_intel": [{
            "cidr": "198.18.0.0/24", "asn": "64500", "as_org": "Example Hosting",
            "country": "CN", "usage_type": "hosting", "is_hosting": "true",
            "is_proxy": "false", "is_vpn": "false", "proxy_service": ""}],
        "organisations": [
            {"org_id": "ORG-1", "legal_name": "Qinglan Data Co., Ltd.",
             "aliases": "Qinglan Data", "country": "CN", "registration_number": "QD-0001",
             "website_domain": OPERATOR},
            {"org_id": "ORG-2", "legal_name": "Lanting Holdings Ltd.", "aliases": "",
             "country": "CN", "registration_number": "LH-0002", "website_domain": ""}],
        "ownership": [{"child_org_id": "ORG-1", "parent_org_id": "ORG-2", "percentage": "80",
                       "relationship": "subsidiary", "source": "registry extract"}],
        "partner_indicators": [{"indicator_type": "domain", "value": OPERATOR,
                                "partner": "Partner A", "confidence": "0.7",
                                "first_seen": "2026-05-01T00:00:00Z"}],
        "analyst_judgements": [],
        "api_usage": usage_rows(operator + legit),
    }


def write_mini_world(landing: Path, **changes: list[dict]) -> dict[str, list[dict]]:
    world = {**mini_world(), **changes}
    write_landing(landing, **world)
    return world
