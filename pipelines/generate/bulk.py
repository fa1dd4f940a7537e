"""The ordinary legitimate majority, built column-wise (fast at a million accounts).

Roles: ``public_mail`` (addresses at the invented public providers, with dots and +tags) and
``legit`` (small-business domains shared by a few colleagues, registered by themselves or
through a privacy service)."""

from __future__ import annotations

import numpy as np

from pipelines.generate import names as N
from pipelines.generate.blocks import LEGIT, Block, Ctx
from pipelines.generate.fmt import hexes, iso
from pipelines.generate.legit import SUPPORTED, TZ, created_times
from pipelines.generate.network import residential_ips

DAY = 86_400


def _take(seq, idx: np.ndarray) -> list:
    return [seq[i] for i in idx.tolist()]


def _local_parts(rng, first: list[str], last: list[str], k: np.ndarray) -> list[str]:
    style = rng.integers(0, 6, len(first)).tolist()
    out = []
    for f, la, s, n in zip(first, last, style, k.tolist(), strict=True):
        f, la = f.lower(), la.lower()
        out.append((f"{f}.{la}{n}", f"{f}{la}{n}", f"{f[0]}{la}{n}", f"{f}.{la}{n}+api",
                    f"{f.capitalize()}.{la.capitalize()}{n}", f"{la}.{f}{n}+dev")[s])
    return out


def build_bulk(ctx: Ctx, n: int) -> Block:
    rng, blk = ctx.rng, Block()
    if n <= 0:
        return blk
    created = created_times(ctx, n)
    first = _take(N.FIRST_NAMES, rng.integers(0, len(N.FIRST_NAMES), n))
    last = _take(N.LAST_NAMES, rng.integers(0, len(N.LAST_NAMES), n))
    k = (ctx.next_seq() * 7_919 + np.arange(n) * 13) % 10_000_000 + rng.integers(0, 13, n)
    ctx.seq += n
    public = rng.random(n) < 0.8
    local = _local_parts(rng, first, last, k)
    provider = _take([p for p, _ in N.PUBLIC_MAIL], rng.choice(4, n, p=(0.45, 0.25, 0.2, 0.1)))
    # Small-business domains, a few colleagues each.
    n_own = int((~public).sum())
    n_dom = max(1, n_own // 3)
    dom_idx = rng.integers(0, n_dom, n)
    pre = _take(N.WEST_PREFIX, rng.integers(0, len(N.WEST_PREFIX), n_dom))
    suf = _take(N.WEST_SUFFIX, rng.integers(0, len(N.WEST_SUFFIX), n_dom))
    tld = _take(N.LEGIT_TLDS, rng.integers(0, len(N.LEGIT_TLDS), n_dom))
    base = ctx.next_seq()
    ctx.seq += n_dom
    domains = [f"{a.lower()}{b}{base + j}.{t}"
               for j, (a, b, t) in enumerate(zip(pre, suf, tld, strict=True))]
    email = [f"{lp}@{pv}" if pu else f"{lp.split('+')[0]}@{domains[d]}"
             for lp, pv, pu, d in zip(local, provider, public.tolist(), dom_idx.tolist(),
                                             strict=True)]
    used = np.zeros(n_dom, bool)
    used[dom_idx[~public]] = True
    reg_t = rng.integers(1_420_070_400, 1_767_225_600, n_dom)  # 2015 .. 2025
    privacy = rng.random(n_dom) < 0.3
    reg_created = iso(reg_t)
    registrar = _take(N.REGISTRARS[:3], rng.integers(0, 3, n_dom))
    for j in np.flatnonzero(used).tolist():
        blk.domains.append({
            "domain": domains[j],
            "registrant_org": N.PRIVACY_ORG if privacy[j] else f"{pre[j]}{suf[j]} Ltd",
            "registrant_email": N.PRIVACY_EMAIL if privacy[j] else f"admin@{domains[j]}",
            "registrar": registrar[j], "created_at": reg_created[j]})
    has_phone = rng.random(n) < 0.4
    phones, pc = ctx.phones.take(rng, int(has_phone.sum()))
    phone = np.full(n, "", dtype=object)
    phone[has_phone] = phones
    country = np.array(_take(SUPPORTED, rng.integers(0, len(SUPPORTED), n)), dtype=object)
    country[has_phone] = pc
    ips = residential_ips(rng, n, ctx.next_seq() * 1_000_000)
    ctx.seq += 1
    vpn = rng.random(n) < 0.03
    tier = _take(("free", "build", "scale", "enterprise"),
                 rng.choice(4, n, p=(0.55, 0.33, 0.1, 0.02)))
    status = _take(("active", "suspended", "closed"), rng.choice(3, n, p=(0.95, 0.02, 0.03)))
    show_name = rng.random(n) < 0.75
    blk.extend(
        created=created.tolist(), email=email,
        display_name=[f"{f} {la}" if s else "" for f, la, s in
                      zip(first, last, show_name.tolist(), strict=True)],
        phone=phone.tolist(), declared_country=country.tolist(),
        declared_org=["" for _ in range(n)], signup_ip=ips,
        user_agent=_take(N.COMMON_UAS, rng.integers(0, len(N.COMMON_UAS), n)),
        tier=tier, status=status,
        role=["public_mail" if p else "legit" for p in public.tolist()],
        profile=[LEGIT] * n, rate=rng.lognormal(-1.0, 1.3, n).tolist(),
        tz=[TZ.get(c, 0) for c in country.tolist()], own_ip=ips,
        pool=["vpn" if v else "" for v in vpn.tolist()], pool_frac=(vpn * 0.6).tolist(),
        n_keys=rng.integers(1, 3, n).tolist(), active_from=created.tolist(),
        active_to=[ctx.t1] * n)
    paid = np.flatnonzero(np.array([t != "free" for t in tier]))
    m = len(paid)
    weak = rng.random(m) < 0.004  # a few legitimate users of the campaigns' virtual-card BIN
    bins = [ctx.campaign_bins[0][0] if w else
            ("4" + f"{x:07d}" if x % 5 < 3 else f"5{1 + x % 2}{x % 10**6:06d}")
            for w, x in zip(weak.tolist(), rng.integers(0, 10**7, m).tolist(), strict=True)]
    street = _take(N.STREETS, rng.integers(0, len(N.STREETS), m))
    nums = rng.integers(1, 400, m).tolist()
    apt = rng.integers(1, 90, m).tolist()
    city = _take(("Northport", "Eastleigh", "Westbury", "Southmoor", "Kingsbay", "Larchton"),
                 rng.integers(0, 6, m))
    post = rng.integers(10_000, 99_999, m).tolist()
    blk.pay["acct"].extend(paid.tolist())
    blk.pay["processor_fingerprint"].extend("fp_" + h for h in hexes(rng, m, 12))
    blk.pay["bin"].extend(bins)
    blk.pay["last4"].extend(f"{x:04d}" for x in rng.integers(0, 10_000, m).tolist())
    blk.pay["funding_type"].extend(
        "prepaid" if w else f for w, f in zip(weak.tolist(), _take(
            ("credit", "debit", "prepaid"), rng.choice(3, m, p=(0.6, 0.35, 0.05))), strict=True))
    cc = [country[i] for i in paid.tolist()]
    blk.pay["card_country"].extend(cc)
    blk.pay["billing_name"].extend(f"{first[i]} {last[i]}" for i in paid.tolist())
    blk.pay["billing_address"].extend(
        f"Apt {a}, {b} {s}, {c} {z}" for a, b, s, c, z in zip(apt, nums, street, city, post,
                                                              strict=True))
    blk.pay["billing_country"].extend(cc)
    blk.pay["added"].extend(np.minimum(created[paid] + rng.integers(60, 10 * DAY, m),
                                         ctx.t1 - 1).tolist())
    return blk
