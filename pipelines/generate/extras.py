"""Optional sources (partner indicators, analyst judgements) and deliberately bad rows."""

from __future__ import annotations

import numpy as np

from pipelines.generate.fmt import iso1, luhn_ok, pick
from pipelines.generate.network import CAMPAIGN_HOSTING, PROXY_SERVICES
from pipelines.generate.presets import Preset, ts

DAY = 86_400
TEST_CARD = "4111111111111111"
FORMULA = '=HYPERLINK("http://x","y")'
assert luhn_ok(TEST_CARD)


def partner_indicators(p: Preset, rng, acc: dict, role: list[str], campaign: np.ndarray,
                       bins: list[list[str]], uas: dict[int, list[str]]) -> list[dict]:
    rows: list[dict] = []

    def add(kind, value, partner, conf, first_seen):
        rows.append({"indicator_type": kind, "value": value, "partner": partner,
                     "confidence": f"{conf:.2f}", "first_seen": iso1(first_seen)})

    for ci, spec in enumerate(p.campaigns):
        start = ts(spec.start)
        members = np.flatnonzero(campaign == ci)
        doms = sorted({acc["email"][i].split("@")[-1].lower() for i in members.tolist()}
                      - {"quillpost-mail.com", "larkinbox.net", "mailorbit.org",
                         "postvale-mail.eu"})
        for d in rng.permutation(doms)[: min(6, len(doms))].tolist():
            add("domain", d, "Partner A", rng.uniform(0.6, 0.95), start + int(rng.integers(0, 20))
                * DAY)
        add("cidr", CAMPAIGN_HOSTING[ci % len(CAMPAIGN_HOSTING)][0], "Partner B", 0.8, start)
        for b in bins[ci][:2]:
            add("bin", b, "Partner C", 0.5, start + 5 * DAY)
        phones = [acc["phone"][i] for i in members.tolist() if acc["phone"][i]]
        for ph in pick(rng, phones, min(2, len(phones))) if phones else []:
            add("phone", ph, "Partner A", 0.7, start + 10 * DAY)
        add("user_agent", uas[ci][0], "Partner C", 0.6, start + 3 * DAY)
    # False leads about the reseller: an intermediary, not an operator.
    kest_base = PROXY_SERVICES["kestrelink"][2].split("/")[0]
    add("cidr", f"{kest_base}/22", "Partner B", 0.55, ts("2026-05-01"))
    add("org_name", "Kestrelink Relay Networks Pte. Ltd.", "Partner C", 0.4, ts("2026-05-03"))
    seen: set[tuple] = set()
    out = []
    for r in rows:  # primary key: indicator_type, value, partner
        k = (r["indicator_type"], r["value"], r["partner"])
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def analyst_judgements(rng, ids: list[str], role: list[str], campaign: np.ndarray,
                       signup_ip: list[str], proxy_ips: set[str]) -> list[dict]:
    camp = [i for i in np.flatnonzero(campaign == 0).tolist() if signup_ip[i] in proxy_ips]
    cust = [i for i, r in enumerate(role) if r == "reseller_customer"
            and signup_ip[i] in proxy_ips]
    weak = [i for i in np.flatnonzero(campaign == 0).tolist() if role[i] == "campaign_weak"]
    strong = [i for i in np.flatnonzero(campaign == 0).tolist() if role[i] == "campaign"]
    out = []

    def add(a, b, verdict, who, day):
        out.append({"left_ref": f"account:{ids[a]}", "right_ref": f"account:{ids[b]}",
                    "verdict": verdict, "analyst": who,
                    "decided_at": iso1(ts("2026-06-08") + day * DAY + int(rng.integers(0, DAY)))})

    for k in range(min(3, len(camp), len(cust))):
        add(camp[k], cust[k], "different", "analyst.k", k % 2)
    for k in range(min(2, len(weak))):
        add(weak[k], strong[k], "same", "analyst.m", 1)
    if len(strong) > 4:  # a pair judged twice: the later decision wins
        add(strong[3], strong[4], "different", "analyst.k", 0)
        add(strong[3], strong[4], "same", "analyst.m", 2)
    return out


def inject_bad_rows(rng, p: Preset, acc: dict, role: list[str], pay: dict) -> list[dict]:
    """Corrupt a few legitimate rows in place (and add a duplicate); list them for the truth."""
    expected = []
    n_acc, n_pay = len(acc["account_id"]), len(pay["account_id"])
    ordinary = [i for i, r in enumerate(role) if r in ("public_mail", "legit")]
    kinds = ("missing_required", "malformed_email", "malformed_timestamp",
             "duplicate_key_conflict", "formula_injection")
    k = max(len(kinds), round(p.bad_row_rate * n_acc))
    victims = rng.choice(ordinary, k, replace=False).tolist()
    for j, i in enumerate(victims):
        kind = kinds[j % len(kinds)]
        aid = acc["account_id"][i]
        if kind == "missing_required":
            acc[pick(rng, ("email", "created_at", "tier"))][i] = ""
        elif kind == "malformed_email":
            acc["email"][i] = acc["email"][i].replace("@", " at ")
        elif kind == "malformed_timestamp":
            acc["created_at"][i] = pick(rng, ("2026-13-45T25:61:00Z", "yesterday", "31/04/2026"))
        elif kind == "formula_injection":
            acc["display_name"][i] = FORMULA
        else:
            for f in acc:
                acc[f].append(acc[f][i])
            acc["email"][-1] = "x" + acc["email"][i]
        expected.append({"source": "accounts", "key": aid, "reason": kind})
    ordinary_ids = {acc["account_id"][i] for i in ordinary}
    rows = [i for i in range(n_pay) if pay["account_id"][i] in ordinary_ids]
    pkinds = ("card_number_in_text", "missing_required", "malformed_timestamp")
    k = max(len(pkinds), round(p.bad_row_rate * n_pay))
    for j, i in enumerate(rng.choice(rows, min(k, len(rows)), replace=False).tolist()):
        kind = pkinds[j % len(pkinds)]
        key = f"{pay['account_id'][i]}|{pay['processor_fingerprint'][i]}"
        if kind == "card_number_in_text":
            pay["billing_address"][i] = f"{pay['billing_address'][i]} card {TEST_CARD}"
        elif kind == "missing_required":
            pay["funding_type"][i] = ""
        else:
            pay["added_at"][i] = "29/04/2026 02:00"
        expected.append({"source": "payment_instruments", "key": key, "reason": kind})
    return expected
