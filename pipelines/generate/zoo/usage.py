"""API usage of a zoo world, one Parquet file per UTC day (the layout of the input contract).

Like :mod:`pipelines.generate.usage` (whose profiles, token sizes and schema it reuses), but
schedules are per account: ordinary diurnal use, a campaign's identical schedule (every account
on the campaign's minutes), low-and-slow jitter over the operator's working day, and a legitimate
start-up's CI jobs on the hour (a schedule artefact many honest accounts share)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.generate import names as N
from pipelines.generate.blocks import CAMPAIGN, DEV, HEAVY, LEGIT
from pipelines.generate.usage import CATEGORY_P, DIURNAL, SCHEMA, TOKENS, WEEKEND, Accounts, _p
from pipelines.generate.zoo.campaign import CAMPAIGN_CODING

DAY = 86_400
DIURNAL_SCHED, IDENTICAL, JITTER, HOURLY = 0, 1, 2, 3
PROFILE_CATEGORIES = {**CATEGORY_P, CAMPAIGN_CODING: _p(
    coding=38, evaluation=8, reasoning_trace=16, cot_elicitation=10, tool_use=14, agentic=8,
    general_chat=4, other=2)}
PROFILE_TOKENS = {**TOKENS, CAMPAIGN_CODING: (6.8, 0.7, 7.2, 0.6)}
PROFILE_WEEKEND = {**WEEKEND, CAMPAIGN_CODING: 1.0}
RATE_LIMIT_PER_DAY = 300


@dataclass
class Schedules:
    """Per account (final order): schedule kind, campaign index (-1 none), release-burst flag."""

    kind: np.ndarray
    campaign: np.ndarray
    release_burst: np.ndarray


def _times(rng: np.random.Generator, acc: Accounts, s: Schedules, idx: np.ndarray,
           slots: dict[int, np.ndarray]) -> np.ndarray:
    """Second of the UTC day of each request of accounts ``idx``."""
    m = len(idx)
    sec = np.zeros(m, dtype="int64")
    kind, prof = s.kind[idx], acc.profile[idx]
    for pr in (LEGIT, DEV, HEAVY):
        sel = np.flatnonzero((kind == DIURNAL_SCHED) & (prof == pr))
        local = rng.choice(24, len(sel), p=DIURNAL[pr]) * 3600 + rng.integers(0, 3600, len(sel))
        sec[sel] = local - acc.tz[idx[sel]] * 3600
    sel = np.flatnonzero(kind == JITTER)  # uniform over a 16-hour working day, local time
    sec[sel] = rng.integers(7 * 3600, 23 * 3600, len(sel)) - acc.tz[idx[sel]] * 3600
    sel = np.flatnonzero(kind == HOURLY)  # CI jobs in the first two minutes of office hours
    sec[sel] = (rng.integers(8, 19, len(sel)) * 3600 + rng.integers(0, 120, len(sel))
                - acc.tz[idx[sel]] * 3600)
    for ci, minutes in slots.items():
        sel = np.flatnonzero((kind == IDENTICAL) & (s.campaign[idx] == ci))
        sec[sel] = minutes[rng.integers(0, len(minutes), len(sel))] * 60 + rng.integers(
            0, 20, len(sel))
    return sec % DAY


def _day_factor(acc: Accounts, s: Schedules, day0: int, releases: list[int]) -> np.ndarray:
    f = np.ones(len(acc.rate))
    if (day0 // DAY + 3) % 7 >= 5:  # 1970-01-01 was a Thursday
        for prof, w in PROFILE_WEEKEND.items():
            f[acc.profile == prof] = w
    if any(0 <= day0 - r < 3 * DAY for r in releases):
        f[s.release_burst] *= 2.5
    return f


def _attributes(rng: np.random.Generator, acc: Accounts, idx: np.ndarray, day0: int,
                models: list[tuple[str, int]]) -> tuple[np.ndarray, ...]:
    """Model, prompt category and token counts of each request."""
    m, prof = len(idx), acc.profile[idx]
    avail = [i for i, (_, r) in enumerate(models) if r <= day0]
    w = np.arange(1, len(avail) + 1, dtype=float) ** 2
    model = np.array(avail)[rng.choice(len(avail), m, p=w / w.sum())]
    campaign = (prof == CAMPAIGN) | (prof == CAMPAIGN_CODING)
    model[campaign & (rng.random(m) < 0.75)] = avail[-1]
    cat = np.zeros(m, dtype="int64")
    tin, tout = np.zeros(m, dtype="int64"), np.zeros(m, dtype="int64")
    for pr, pv in PROFILE_CATEGORIES.items():
        sel = np.flatnonzero(prof == pr)
        cat[sel] = rng.choice(len(pv), len(sel), p=pv)
        mi, si, mo, so = PROFILE_TOKENS[pr]
        tin[sel] = rng.lognormal(mi, si, len(sel)).astype("int64") + 1
        tout[sel] = rng.lognormal(mo, so, len(sel)).astype("int64")
    return model, cat, tin, tout


def write_zoo_usage(acc: Accounts, s: Schedules, days: list[int], releases: list[int],
                    folder: Path, rng: np.random.Generator) -> dict:
    """One Parquet file per day; ``acc.rate`` is each account's mean requests per day."""
    folder.mkdir(parents=True, exist_ok=True)
    models = [(name, int(np.datetime64(r, "s").astype("int64"))) for name, r in N.MODELS]
    cats = pa.array(N.CATEGORIES)
    model_names = pa.array([name for name, _ in models])
    cap = np.where(acc.campaign >= 0, RATE_LIMIT_PER_DAY, 2_000)
    campaigns = sorted(set(s.campaign[s.kind == IDENTICAL].tolist()))
    per_campaign: dict[int, int] = {}
    total = 0
    for d0 in days:
        lam = acc.rate * _day_factor(acc, s, d0, releases)
        active = np.flatnonzero((acc.active_from < d0 + DAY) & (acc.active_to > d0))
        counts = np.minimum(rng.poisson(lam[active]), cap[active])
        idx = np.repeat(active, counts)
        # Each campaign's scheduler fires on ~40 minutes of the day, new ones every day.
        slots = {ci: np.sort(rng.choice(16 * 60, 40, replace=False)) for ci in campaigns}
        t = d0 + _times(rng, acc, s, idx, slots)
        keep = t >= acc.active_from[idx]
        idx, t = idx[keep], t[keep]
        order = np.argsort(t, kind="stable")
        idx, t = idx[order], t[order]
        m = len(idx)
        if m == 0:
            continue
        for ci, k in zip(*np.unique(acc.campaign[idx], return_counts=True), strict=True):
            if ci >= 0:
                per_campaign[int(ci)] = per_campaign.get(int(ci), 0) + int(k)
        use_pool = (rng.random(m) < acc.pool_frac[idx]) & (acc.pool_len[idx] > 0)
        pool_pick = acc.pool_start[idx] + (rng.random(m) * acc.pool_len[idx]).astype("int64")
        ip_idx = np.where(use_pool, pool_pick, acc.own_ip[idx])
        key_idx = acc.key_start[idx] + (rng.random(m) * acc.n_keys[idx]).astype("int64")
        model, cat, tin, tout = _attributes(rng, acc, idx, d0, models)
        req = pc.utf8_lpad(pa.array(np.arange(total + 1, total + m + 1)).cast(pa.string()),
                           12, "0")
        table = pa.table([
            pa.array(t * 1_000_000 + rng.integers(0, 1_000_000, m),
                     type=pa.timestamp("us", tz="UTC")),
            acc.ids.take(pa.array(idx)), acc.keys.take(pa.array(key_idx)),
            acc.ips.take(pa.array(ip_idx)), model_names.take(pa.array(model)),
            pa.array(tin), pa.array(tout), cats.take(pa.array(cat)),
            pc.binary_join_element_wise("req_", req, ""),
        ], schema=SCHEMA)
        day = np.datetime64(d0, "s").astype("datetime64[D]")
        pq.write_table(table, folder / f"{day}.parquet", compression="zstd")
        total += m
    return {"rows": total, "per_campaign": per_campaign}
