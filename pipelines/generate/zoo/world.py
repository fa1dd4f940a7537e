"""Generate one zoo world: landing files in the input contract, ground truth beside them.

    generate_zoo_world(seed=101, out_dir=Path("/tmp/zoo101"), size="full")

Everything is drawn from ``numpy.random.default_rng(seed)``: the number of accounts, how many
campaigns, each campaign's size, difficulty and tactics, the decoys' sizes. Same seed, same
world, byte for byte.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.generate import GENERATOR_VERSION
from pipelines.generate import names as N
from pipelines.generate.blocks import HEAVY, Block, Ctx
from pipelines.generate.bulk import build_bulk
from pipelines.generate.fmt import iso, iso1
from pipelines.generate.orgs import org_rows
from pipelines.generate.people import LegitPhones
from pipelines.generate.presets import ts
from pipelines.generate.world import usage_accounts
from pipelines.generate.writer import contract_fields, rows_to_columns, write_csv, write_json
from pipelines.generate.zoo import people as Z
from pipelines.generate.zoo.campaign import CampaignBuilder
from pipelines.generate.zoo.decoys import build_decoys, real_providers
from pipelines.generate.zoo.network import RESELLERS, build_zoo_network
from pipelines.generate.zoo.orgs import ZooOrgs, build_zoo_orgs, decoy_org_ids, legit_org_ids
from pipelines.generate.zoo.sizes import SIZES, ZooSize
from pipelines.generate.zoo.tactics import (
    CampaignPlan,
    campaign_size,
    draw_difficulties,
    draw_plan,
)
from pipelines.generate.zoo.usage import (
    DIURNAL_SCHED,
    HOURLY,
    IDENTICAL,
    JITTER,
    Schedules,
    write_zoo_usage,
)

DAY = 86_400
PROXY_SERVICE = {pool: service for pool, (service, _, _) in RESELLERS.items()}
ROLES = ("campaign", "university_nat", "cgnat_mobile", "startup_one_card", "legit_heavy_user",
         "reseller_customer", "coworking_tenant", "minority_holding_staff", "cloud_egress_dev",
         "public_mail", "legit")


def _plans(rng: np.random.Generator, cfg: ZooSize, n_total: int, days: int) -> list[CampaignPlan]:
    n = int(rng.integers(cfg.campaigns[0], cfg.campaigns[1] + 1))
    sizes = [campaign_size(rng, *cfg.campaign_accounts) for _ in range(n)]
    budget = int(cfg.max_campaign_share * n_total)
    if sum(sizes) > budget:  # scale down, never under the smallest size
        sizes = [max(cfg.campaign_accounts[0], s * budget // sum(sizes)) for s in sizes]
    return [draw_plan(rng, i, s, d, days)
            for i, (s, d) in enumerate(zip(sizes, draw_difficulties(rng, n), strict=True))]


def _campaign_rate(rng: np.random.Generator, plan: CampaignPlan, cfg: ZooSize,
                   days: int) -> float:
    """Mean requests per account and day: a busy scheduler or low and slow, within the
    world's cap on one campaign's requests."""
    rate = rng.uniform(3.0, 9.0) if plan.has("identical_schedule") else rng.uniform(0.4, 1.5)
    active_days = max(1, days - plan.start_day)
    return min(rate, cfg.campaign_rows / (plan.n_accounts * active_days))


def _bins(rng: np.random.Generator, n: int) -> list[list[str]]:
    return [[f"53{int(rng.integers(10, 99))}{int(rng.integers(1000, 9999))}" for _ in range(3)]
            for _ in range(n)]


def _schedules(w: Block, order: np.ndarray, plans: list[CampaignPlan]) -> Schedules:
    campaign = np.array(w.acc["campaign"], dtype="int64")[order]
    role = np.array(w.acc["role"], dtype=object)[order]
    kind = np.full(len(order), DIURNAL_SCHED, dtype="int8")
    burst = np.zeros(len(order), bool)
    for plan in plans:
        sel = campaign == plan.index
        kind[sel] = IDENTICAL if plan.has("identical_schedule") else JITTER
        burst[sel] = plan.has("release_bursts")
    kind[role == "legit_heavy_user"] = HOURLY
    return Schedules(kind, campaign, burst)


def _rates(w: Block, cfg: ZooSize) -> None:
    """Legitimate rates scaled to the world's mean; heavy users to theirs (in place)."""
    rate = np.array(w.acc["rate"], dtype="float64")
    profile = np.array(w.acc["profile"])
    campaign = np.array(w.acc["campaign"])
    heavy = profile == HEAVY
    light = (campaign < 0) & ~heavy
    rate[light] *= cfg.legit_daily / max(float(rate[light].mean()), 1e-9)
    rate[heavy] *= cfg.heavy_daily
    w.acc["rate"] = rate.tolist()


def _partner_indicators(rng: np.random.Generator, w: Block, plans: list[CampaignPlan],
                        bins: list[list[str]]) -> list[dict]:
    """Some campaigns are known to partners (a domain, a BIN), most are not; the reseller is
    always a false lead."""
    rows = []
    for plan in plans:
        if rng.random() < 0.4:
            doms = sorted({d["domain"] for d in w.domains if d.get("_campaign") == plan.index})
            for d in doms[:2]:
                rows.append({"indicator_type": "domain", "value": d, "partner": "Partner A",
                             "confidence": "0.70", "first_seen": "2026-05-20T00:00:00Z"})
            if plan.has("prepaid_virtual_cards"):
                rows.append({"indicator_type": "bin", "value": bins[plan.index][0],
                             "partner": "Partner C", "confidence": "0.50",
                             "first_seen": "2026-05-22T00:00:00Z"})
    rows.append({"indicator_type": "org_name", "value": "Kestrelink Relay Networks Pte. Ltd.",
                 "partner": "Partner C", "confidence": "0.40",
                 "first_seen": "2026-05-03T00:00:00Z"})
    rows.append({"indicator_type": "cidr", "value": "198.18.192.0/22", "partner": "Partner B",
                 "confidence": "0.55", "first_seen": "2026-05-01T00:00:00Z"})
    return rows


def _assemble(ctx: Ctx, zoo: ZooOrgs, plans: list[CampaignPlan], cfg: ZooSize, n_total: int,
              window: tuple[int, int], days: int, decoy_sizes: dict) -> Block:
    rng = ctx.rng
    used = {o.website_domain for o in zoo.world.orgs}
    mailboxes: set[str] = set()  # every operation's public mailboxes: none shared by chance
    world = Block()
    for plan in plans:
        builder = CampaignBuilder(ctx, zoo, plan, ctx.campaign_bins[plan.index], used, window,
                                  mailboxes)
        blk = builder.build(_campaign_rate(rng, plan, cfg, days))
        for d in blk.domains:
            d["_campaign"] = plan.index
        world.merge(blk)
    world.merge(build_decoys(ctx, zoo, cfg.decoy_accounts, decoy_sizes))
    bulk = build_bulk(ctx, max(0, n_total - len(world)))
    real_providers(ctx, bulk, tuple(d for d, _, _ in Z.PUBLIC_PROVIDERS), 0.6)
    world.merge(bulk)
    return world


def _write_landing(landing: Path, w: Block, order: np.ndarray, ids: list[str], zoo: ZooOrgs,
                   nw, indicators: list[dict]) -> dict[str, int]:
    n = len(w)
    rank = np.empty(n, dtype="int64")
    rank[order] = np.arange(n)
    created = np.array(w.acc["created"], dtype="int64")
    acc = {"account_id": list(ids), "created_at": iso(created[order])}
    for f in contract_fields("accounts")[2:]:
        acc[f] = [w.acc[f][i] for i in order.tolist()]
    added = np.array(w.pay["added"], dtype="int64")
    pay_order = np.lexsort((added, rank[np.array(w.pay["acct"], dtype="int64")]))
    pay = {"account_id": [ids[rank[w.pay["acct"][i]]] for i in pay_order.tolist()],
           "added_at": iso(added[pay_order])}
    for f in contract_fields("payment_instruments"):
        if f not in pay:
            pay[f] = [w.pay[f][i] if f in w.pay else "" for i in pay_order.tolist()]
    org_domains = [{"domain": o.website_domain, "registrant_org": o.legal_name,
                    "registrant_email": f"admin@{o.website_domain}",
                    "registrar": N.REGISTRARS[k % 3],
                    "created_at": iso1(ts("2012-01-01") + k * 13 * DAY)}
                   for k, o in enumerate(zoo.world.orgs) if o.website_domain]
    domains = sorted(org_domains + [{k: v for k, v in d.items() if not k.startswith("_")}
                                    for d in w.domains], key=lambda r: r["domain"])
    counts = {"accounts": write_csv(landing / "accounts.csv", "accounts", acc),
              "payment_instruments": write_csv(landing / "payment_instruments.csv",
                                               "payment_instruments", pay)}
    for source, rows in (("ip_intel", nw.rows), ("domain_registrations", domains),
                         ("organisations", org_rows(zoo.world)),
                         ("ownership", zoo.world.ownership),
                         ("partner_indicators", indicators), ("analyst_judgements", [])):
        counts[source] = write_csv(landing / f"{source}.csv", source,
                                   rows_to_columns(rows, source))
    return counts


def _write_truth(truth: Path, ids: list[str], campaign: np.ndarray, role: list[str],
                 plans: list[CampaignPlan], zoo: ZooOrgs, per_campaign: dict[int, int]) -> None:
    cids = [f"cmp_{p.key}" for p in plans]
    pq.write_table(pa.table({
        "account_id": pa.array(ids),
        "campaign_id": pa.array([cids[c] if c >= 0 else None for c in campaign.tolist()],
                                type=pa.string()),
        "role": pa.array(role)}), truth / "accounts.parquet")
    write_json(truth / "campaigns.json", [
        {"campaign_id": cids[p.index], "parent_org_id": zoo.world.parents[p.index].org_id,
         "operating_org_ids": [f.org_id for f in zoo.world.fronts[p.index]],
         "proxy_service": PROXY_SERVICE.get(p.extra.get("pool", "")),
         "holding_org_ids": [h.org_id for h in zoo.chain[p.index][1:]],
         "n_accounts": int((campaign == p.index).sum()),
         "n_exchanges": int(per_campaign.get(p.index, 0)), "difficulty": p.difficulty,
         "ownership_depth": p.depth, "tactics": sorted(p.tactics)} for p in plans])
    write_json(truth / "legit_org_ids.json", legit_org_ids(zoo))
    write_json(truth / "decoy_org_ids.json", decoy_org_ids(zoo))
    (truth / "expected_quarantine.csv").write_text("source,key,reason\n", encoding="utf-8")


def generate_zoo_world(seed: int, out_dir: Path, size: str = "full",
                       progress: Callable[[str], None] = print) -> dict:
    started = time.perf_counter()
    cfg = SIZES[size]
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    landing, truth = out_dir / "landing", out_dir / "ground_truth"
    shutil.rmtree(landing, ignore_errors=True)
    landing.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    t0, t1 = ts(cfg.usage_start), ts(cfg.usage_end) + DAY
    days = (t1 - t0) // DAY
    n_total = int(rng.integers(*cfg.accounts))
    plans = _plans(rng, cfg, n_total, days)
    progress(f"zoo world seed {seed} ({size}): {n_total:,} accounts, campaigns "
             + ", ".join(f"{p.n_accounts} {p.difficulty}" for p in plans))
    zoo = build_zoo_orgs(rng, plans, n_universities=int(rng.integers(1, 3)),
                         n_reseller_customers=int(rng.integers(3, 9)),
                         n_tenants=int(rng.integers(8, 30)), n_filler=int(rng.integers(50, 200)))
    nw = build_zoo_network(rng, zoo, n_cgnat=cfg.decoy_accounts[1], n_cloud=cfg.decoy_accounts[1],
                           n_proxy_users=sum(p.n_accounts for p in plans),
                           ipv6_written=[p.has("ipv6_forms") for p in plans])
    ctx = Ctx(preset=cfg, rng=rng, orgs=zoo.world, net=nw, phones=LegitPhones(), t0=t0, t1=t1,
              history=ts("2024-01-01"))
    ctx.campaign_bins = _bins(rng, len(plans))
    decoy_sizes: dict[str, int] = {}
    w = _assemble(ctx, zoo, plans, cfg, n_total, (t0, t1), days, decoy_sizes)
    n = len(w)
    order = np.lexsort((np.arange(n), np.array(w.acc["created"], dtype="int64")))
    ids = [f"acc_{i + 1:07d}" for i in range(n)]
    indicators = _partner_indicators(rng, w, plans, ctx.campaign_bins)
    counts = _write_landing(landing, w, order, ids, zoo, nw, indicators)
    _rates(w, cfg)
    schedules = _schedules(w, order, plans)
    campaign = np.array(w.acc["campaign"], dtype="int64")[order]
    role = [w.acc["role"][i] for i in order.tolist()]
    usage = write_zoo_usage(usage_accounts(w, order, ids, nw, rng), schedules,
                            list(range(t0, t1, DAY)),
                            [ts(r) for r in ("2026-05-14", "2026-05-29")],
                            landing / "api_usage", rng)
    counts["api_usage"] = usage["rows"]
    _write_truth(truth, ids, campaign, role, plans, zoo, usage["per_campaign"])
    seconds = round(time.perf_counter() - started, 2)
    write_json(out_dir / "manifest.json", {
        "zoo": size, "seed": seed, "generator_version": GENERATOR_VERSION,
        "usage_window": [cfg.usage_start, cfg.usage_end],
        "release_dates": ["2026-05-14", "2026-05-29"],
        "unsupported_countries": ["CN", "RU", "KP", "IR"], "decoy_sizes": decoy_sizes,
        "row_counts": counts})
    progress(f"done in {seconds} s: {counts}")
    return {"zoo": size, "seed": seed, "out_dir": str(out_dir), "rows": counts,
            "seconds": seconds}
