"""API usage, generated one day at a time (vectorised) and streamed to Parquet row groups.

Memory is bounded by one day of requests plus per-account parameter arrays; the table is never
held whole. Campaign requests fall on minutes shared by the whole campaign (synchronised
schedulers) and jump after model releases; each campaign account stays under a daily cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.generate import names as N
from pipelines.generate.blocks import CAMPAIGN, DEV, HEAVY, LEGIT
from pipelines.generate.presets import Preset, ts

DAY = 86_400
SCHEMA = pa.schema([
    ("ts", pa.timestamp("us", tz="UTC")), ("account_id", pa.string()),
    ("api_key_id", pa.string()), ("source_ip", pa.string()), ("model", pa.string()),
    ("input_tokens", pa.int64()), ("output_tokens", pa.int64()),
    ("prompt_category", pa.string()), ("request_id", pa.string()),
])


def _p(**w) -> np.ndarray:
    v = np.array([w.get(c, 0.0) for c in N.CATEGORIES])
    return v / v.sum()


CATEGORY_P = {
    LEGIT: _p(general_chat=30, coding=20, translation=10, summarisation=15, agentic=3,
              tool_use=3, reasoning_trace=2, cot_elicitation=1, data_extraction=6, other=10),
    HEAVY: _p(coding=55, evaluation=20, agentic=12, tool_use=5, reasoning_trace=3,
              general_chat=3, other=2),
    CAMPAIGN: _p(cot_elicitation=38, reasoning_trace=30, tool_use=18, coding=6, agentic=4,
                 general_chat=2, other=2),
    DEV: _p(coding=45, agentic=15, tool_use=10, general_chat=10, data_extraction=8,
            summarisation=7, other=5),
}
TOKENS = {  # (input mu, sigma, output mu, sigma) of log-normal token counts
    LEGIT: (5.8, 1.0, 5.8, 1.0), HEAVY: (7.4, 0.7, 6.6, 0.7),
    CAMPAIGN: (6.3, 0.5, 7.8, 0.4), DEV: (7.0, 0.9, 6.4, 0.8),
}
_H = np.arange(24)
DIURNAL = {  # local hour of day
    LEGIT: np.exp(-((_H - 15.5) ** 2) / 40) + 0.05,
    DEV: np.exp(-((_H - 14.5) ** 2) / 50) + 0.1,
    HEAVY: np.where((_H >= 9) & (_H < 19), 1.0, 0.03),
}
DIURNAL = {k: v / v.sum() for k, v in DIURNAL.items()}
WEEKEND = {LEGIT: 0.7, DEV: 0.8, HEAVY: 0.1, CAMPAIGN: 1.0}


@dataclass
class Accounts:
    """Per-account parameter arrays (final account order) and the string pools they index."""

    ids: pa.Array
    profile: np.ndarray
    rate: np.ndarray
    tz: np.ndarray
    campaign: np.ndarray
    active_from: np.ndarray
    active_to: np.ndarray
    own_ip: np.ndarray  # index into ips
    pool_start: np.ndarray
    pool_len: np.ndarray
    pool_frac: np.ndarray
    key_start: np.ndarray
    n_keys: np.ndarray
    ips: pa.Array
    keys: pa.Array


def _day_factor(p: Preset, acc: Accounts, day0: int) -> np.ndarray:
    weekend = (day0 // DAY + 3) % 7 >= 5  # 1970-01-01 was a Thursday
    f = np.ones(len(acc.rate))
    if weekend:
        for prof, w in WEEKEND.items():
            f[acc.profile == prof] = w
    releases = [ts(r) for r in p.release_dates]
    if any(0 <= day0 - r < 3 * DAY for r in releases):
        f[acc.profile == CAMPAIGN] *= 2.5
    return f


def _daily_rates(p: Preset, acc: Accounts, days: list[int]) -> np.ndarray:
    """Per-account mean requests per (full, ordinary) day, scaled to the preset's targets."""
    expected = np.zeros(len(acc.rate))
    for d0 in days:
        # Requests drawn before an account's creation on its first day are dropped later.
        share = np.clip((d0 + DAY - np.maximum(acc.active_from, d0)) / DAY, 0.0, 1.0)
        expected += share * (acc.active_to > d0) * _day_factor(p, acc, d0)
    base = acc.rate.copy()
    heavy = acc.profile == HEAVY
    base[heavy] = p.heavy_daily * acc.rate[heavy]
    light = (acc.campaign < 0) & ~heavy
    budget = p.legit_usage_rows - float((base[heavy] * expected[heavy]).sum())
    base[light] *= max(budget, 0.0) / max(float((acc.rate[light] * expected[light]).sum()), 1e-9)
    for ci, spec in enumerate(p.campaigns):
        m = acc.campaign == ci
        base[m] *= spec.n_exchanges / max(float((acc.rate[m] * expected[m]).sum()), 1e-9)
    return base


def write_usage(p: Preset, acc: Accounts, folder: Path, rng: np.random.Generator,
                progress=print) -> dict:
    """One Parquet file per UTC day, ``folder/YYYY-MM-DD.parquet``, as a daily export lands."""
    folder.mkdir(parents=True, exist_ok=True)
    t0, t1 = ts(p.usage_start), ts(p.usage_end) + DAY
    days = list(range(t0, t1, DAY))
    base = _daily_rates(p, acc, days)
    cap = np.where(acc.campaign >= 0, p.rate_limit_per_day, 2_000)
    models = [(name, ts(r)) for name, r in N.MODELS]
    n_camp = len(p.campaigns)
    per_campaign = np.zeros(n_camp, dtype="int64")
    cats = pa.array(N.CATEGORIES)
    total = 0
    for d0 in days:
        lam = base * _day_factor(p, acc, d0)
        active = np.flatnonzero((acc.active_from < d0 + DAY) & (acc.active_to > d0) & (lam > 0))
        counts = np.minimum(rng.poisson(lam[active]), cap[active])
        idx = np.repeat(active, counts)
        m = len(idx)
        if m == 0:
            continue
        prof, camp = acc.profile[idx], acc.campaign[idx]
        sec = np.zeros(m, dtype="int64")
        for pr, w in DIURNAL.items():
            sel = np.flatnonzero(prof == pr)
            local = rng.choice(24, len(sel), p=w) * 3600 + rng.integers(0, 3600, len(sel))
            sec[sel] = (local - acc.tz[idx[sel]] * 3600) % DAY
        for ci in range(n_camp):
            sel = np.flatnonzero(camp == ci)
            # The campaign's scheduler fires on ~40 shared minutes of its working day.
            slots = np.sort(rng.choice(np.arange(0, 16 * 60), 40, replace=False))
            sec[sel] = slots[rng.integers(0, 40, len(sel))] * 60 + rng.integers(0, 25, len(sel))
            per_campaign[ci] += len(sel)
        t = d0 + sec
        keep = t >= acc.active_from[idx]
        order = np.argsort(np.where(keep, t, -1), kind="stable")[int((~keep).sum()):]
        idx, t, prof = idx[order], t[order], prof[order]
        m = len(idx)
        if (~keep).any():
            dropped = np.bincount(camp[~keep][camp[~keep] >= 0], minlength=n_camp)
            per_campaign -= dropped[:n_camp]
        micros = t * 1_000_000 + rng.integers(0, 1_000_000, m)
        use_pool = (rng.random(m) < acc.pool_frac[idx]) & (acc.pool_len[idx] > 0)
        pool_pick = acc.pool_start[idx] + (rng.random(m) * acc.pool_len[idx]).astype("int64")
        ip_idx = np.where(use_pool, pool_pick, acc.own_ip[idx])
        key_idx = acc.key_start[idx] + (rng.random(m) * acc.n_keys[idx]).astype("int64")
        avail = [i for i, (_, r) in enumerate(models) if r <= d0]
        newest = avail[-1]
        w = np.arange(1, len(avail) + 1, dtype=float) ** 2
        model_idx = np.array(avail)[rng.choice(len(avail), m, p=w / w.sum())]
        model_idx[(prof == CAMPAIGN) & (rng.random(m) < 0.75)] = newest
        cat = np.zeros(m, dtype="int64")
        tin, tout = np.zeros(m, dtype="int64"), np.zeros(m, dtype="int64")
        for pr, pv in CATEGORY_P.items():
            sel = np.flatnonzero(prof == pr)
            cat[sel] = rng.choice(len(pv), len(sel), p=pv)
            mi, si, mo, so = TOKENS[pr]
            tin[sel] = rng.lognormal(mi, si, len(sel)).astype("int64") + 1
            tout[sel] = rng.lognormal(mo, so, len(sel)).astype("int64")
        req = pc.utf8_lpad(pa.array(np.arange(total + 1, total + m + 1)).cast(pa.string()),
                           12, "0")
        table = pa.table([
            pa.array(micros, type=pa.timestamp("us", tz="UTC")),
            acc.ids.take(pa.array(idx)), acc.keys.take(pa.array(key_idx)),
            acc.ips.take(pa.array(ip_idx)),
            pa.array([models[i][0] for i in range(len(models))]).take(pa.array(model_idx)),
            pa.array(tin), pa.array(tout), cats.take(pa.array(cat)),
            pc.binary_join_element_wise("req_", req, ""),
        ], schema=SCHEMA)
        day = np.datetime64(d0, "s").astype("datetime64[D]")
        pq.write_table(table, folder / f"{day}.parquet", row_group_size=p.row_group_rows,
                       compression="zstd")
        total += m
        if (d0 - t0) // DAY % 10 == 0:
            progress(f"  usage: day {(d0 - t0) // DAY + 1}/{len(days)}, {total:,} rows")
    return {"rows": total, "per_campaign": per_campaign.tolist()}
