"""Generate a whole synthetic world: landing files, ground truth and a manifest.

    generate_world("demo", 7, Path("/tmp/demo7"))

Deterministic for (preset, seed): one ``numpy.random.default_rng(seed)`` drives everything, no
wall-clock value is written, no output depends on set or dict-hash order.
"""

from __future__ import annotations

import csv
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.generate import GENERATOR_VERSION
from pipelines.generate import names as N
from pipelines.generate.blocks import Block, Ctx
from pipelines.generate.bulk import build_bulk
from pipelines.generate.campaigns import build_campaign, campaign_bins
from pipelines.generate.extras import analyst_judgements, inject_bad_rows, partner_indicators
from pipelines.generate.fmt import hexes, iso
from pipelines.generate.legit import build_hard_cases
from pipelines.generate.network import build_network
from pipelines.generate.orgs import build_orgs, legit_org_ids, org_rows
from pipelines.generate.people import LegitPhones
from pipelines.generate.presets import Preset, get_preset, ts
from pipelines.generate.usage import Accounts, write_usage
from pipelines.generate.writer import contract_fields, rows_to_columns, write_csv, write_json

DAY = 86_400
ROLES = ("campaign", "campaign_weak", "legit", "public_mail", "legit_heavy_user",
         "university_nat", "corporate_nat", "cgnat_mobile", "cloud_egress_dev",
         "reseller_customer", "coworking_tenant")


def campaign_id(key: str) -> str:
    return f"cmp_{key}"


def _assemble(ctx: Ctx, progress) -> Block:
    p = ctx.preset
    used_domains = {o.website_domain for o in ctx.orgs.orgs}
    world = Block()
    for ci, spec in enumerate(p.campaigns):
        world.merge(build_campaign(ctx, ci, spec, used_domains))
    progress(f"  {len(world):,} campaign accounts")
    world.merge(build_hard_cases(ctx))
    progress(f"  {len(world):,} accounts with the legitimate hard cases")
    world.merge(build_bulk(ctx, p.n_accounts - len(world)))
    progress(f"  {len(world):,} accounts in all")
    return world


def usage_accounts(w: Block, order: np.ndarray, ids: list[str], nw, rng) -> Accounts:
    a = {f: [w.acc[f][i] for i in order.tolist()] for f in
         ("own_ip", "pool", "n_keys")}
    n = len(ids)
    pool_names = sorted({x for x in a["pool"] if x})
    starts, ips, pos = {}, list(a["own_ip"]), n
    for name in pool_names:
        starts[name] = (pos, len(nw.pools[name]))
        ips.extend(nw.pools[name])
        pos += len(nw.pools[name])
    pool_start = np.array([starts.get(x, (0, 0))[0] for x in a["pool"]], dtype="int64")
    pool_len = np.array([starts.get(x, (0, 0))[1] for x in a["pool"]], dtype="int64")
    n_keys = np.array(a["n_keys"], dtype="int64")
    key_start = np.concatenate([[0], np.cumsum(n_keys)[:-1]])
    keys = ["key_" + h for h in hexes(rng, int(n_keys.sum()), 6)]

    def col(f, dtype):
        return np.array(w.acc[f], dtype=dtype)[order]

    return Accounts(
        ids=pa.array(ids), profile=col("profile", "int8"), rate=col("rate", "float64"),
        tz=col("tz", "int64"), campaign=col("campaign", "int64"),
        active_from=col("active_from", "int64"), active_to=col("active_to", "int64"),
        own_ip=np.arange(n, dtype="int64"), pool_start=pool_start, pool_len=pool_len,
        pool_frac=col("pool_frac", "float64"), key_start=key_start, n_keys=n_keys,
        ips=pa.array(ips), keys=pa.array(keys))


def generate_world(preset: str | Preset, seed: int, out_dir: Path,
                   progress: Callable[[str], None] = print) -> dict:
    started = time.perf_counter()
    p = get_preset(preset) if isinstance(preset, str) else preset
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    landing, truth = out_dir / "landing", out_dir / "ground_truth"
    shutil.rmtree(landing, ignore_errors=True)  # a fresh world: no day file of an older one
    landing.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    progress(f"generating preset {p.name!r} with seed {seed} into {out_dir}")
    ow = build_orgs(p, rng)
    nw = build_network(p, ow, rng)
    ctx = Ctx(preset=p, rng=rng, orgs=ow, net=nw, phones=LegitPhones(),
              t0=ts(p.usage_start), t1=ts(p.usage_end) + DAY, history=ts(p.history_start))
    ctx.campaign_bins = campaign_bins(rng, len(p.campaigns))
    w = _assemble(ctx, progress)
    n = len(w)
    created = np.array(w.acc["created"], dtype="int64")
    order = np.lexsort((np.arange(n), created))  # account ids follow creation order
    rank = np.empty(n, dtype="int64")
    rank[order] = np.arange(n)
    ids = [f"acc_{i + 1:07d}" for i in range(n)]
    role = [w.acc["role"][i] for i in order.tolist()]
    campaign = np.array(w.acc["campaign"], dtype="int64")[order]
    acc = {"account_id": list(ids), "created_at": iso(created[order])}
    for f in contract_fields("accounts")[2:]:
        acc[f] = [w.acc[f][i] for i in order.tolist()]
    pay_order = np.lexsort((np.array(w.pay["added"], dtype="int64"),
                            rank[np.array(w.pay["acct"], dtype="int64")]))
    pay = {"account_id": [ids[rank[w.pay["acct"][i]]] for i in pay_order.tolist()],
           "added_at": iso(np.array(w.pay["added"], dtype="int64")[pay_order])}
    for f in contract_fields("payment_instruments"):
        if f not in pay:
            pay[f] = [w.pay[f][i] if f in w.pay else "" for i in pay_order.tolist()]
    uas = {}
    for ci in range(len(p.campaigns)):
        c = Counter(acc["user_agent"][i] for i in np.flatnonzero(campaign == ci).tolist()
                    if acc["user_agent"][i] not in N.COMMON_UAS)
        uas[ci] = [u for u, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]
    indicators = partner_indicators(p, rng, acc, role, campaign, ctx.campaign_bins, uas)
    proxy_ips = set(nw.pools["proxy:kestrelink"])
    judgements = analyst_judgements(rng, ids, role, campaign, acc["signup_ip"], proxy_ips)
    expected = inject_bad_rows(rng, p, acc, role, pay)
    progress("  writing landing CSV files")
    domains = sorted(
        [{"domain": o.website_domain, "registrant_org": o.legal_name,
          "registrant_email": f"admin@{o.website_domain}", "registrar": N.REGISTRARS[k % 3],
          "created_at": iso([ts("2012-01-01") + k * 13 * DAY])[0]}
         for k, o in enumerate(ow.orgs) if o.website_domain] + w.domains,
        key=lambda r: r["domain"])
    counts = {
        "accounts": write_csv(landing / "accounts.csv", "accounts", acc),
        "payment_instruments": write_csv(landing / "payment_instruments.csv",
                                         "payment_instruments", pay),
    }
    for source, rows in (("ip_intel", nw.rows), ("domain_registrations", domains),
                         ("organisations", org_rows(ow)), ("ownership", ow.ownership),
                         ("partner_indicators", indicators),
                         ("analyst_judgements", judgements)):
        counts[source] = write_csv(landing / f"{source}.csv", source,
                                   rows_to_columns(rows, source))
    progress("  writing api_usage/ (one Parquet file per day)")
    usage_acc = usage_accounts(w, order, ids, nw, rng)
    del w, acc, pay, domains  # free the account-phase columns before streaming usage
    u = write_usage(p, usage_acc, landing / "api_usage", rng, progress)
    counts["api_usage"] = u["rows"]
    # Ground truth.
    cids = [campaign_id(s.key) for s in p.campaigns]
    pq.write_table(pa.table({
        "account_id": pa.array(ids),
        "campaign_id": pa.array([cids[c] if c >= 0 else None for c in campaign.tolist()],
                                type=pa.string()),
        "role": pa.array(role)}), truth / "accounts.parquet")
    write_json(truth / "campaigns.json", [
        {"campaign_id": cids[ci], "parent_org_id": ow.parents[ci].org_id,
         "operating_org_ids": [f.org_id for f in ow.fronts[ci]],
         "proxy_service": {"kestrelink": "Kestrelink Relay", "umbra": "Umbraline Proxy"}[s.proxy],
         "n_accounts": int((campaign == ci).sum()), "n_exchanges": int(u["per_campaign"][ci])}
        for ci, s in enumerate(p.campaigns)])
    write_json(truth / "legit_org_ids.json", legit_org_ids(ow))
    with (truth / "expected_quarantine.csv").open("w", encoding="utf-8", newline="") as fh:
        wr = csv.DictWriter(fh, ["source", "key", "reason"], lineterminator="\n")
        wr.writeheader()
        wr.writerows(expected)
    counts["ground_truth_accounts"] = n
    counts["expected_quarantine"] = len(expected)
    write_json(out_dir / "manifest.json", {
        "preset": p.name, "seed": seed, "generator_version": GENERATOR_VERSION,
        "usage_window": [p.usage_start, p.usage_end], "release_dates": list(p.release_dates),
        "unsupported_countries": list(p.unsupported_countries), "row_counts": counts})
    seconds = round(time.perf_counter() - started, 2)
    progress(f"done in {seconds} s: {counts}")
    return {"preset": p.name, "seed": seed, "out_dir": str(out_dir), "rows": counts,
            "seconds": seconds}
