"""Campaign accounts ("hydra clusters") and the identity evidence that links them.

Rules (see README of the generator in world.py):
- every account except a ~2.5 % tail carries at least two pieces of strong evidence shared with
  other accounts of the same campaign, drawn from: shared card fingerprint (groups of 2-5),
  shared VOIP/virtual phone number written in different formats (2-4), shared billing identity
  with spelling/script variants (5-25), shared custom email domain registered by the
  campaign's registrants (4-20), shared dot-insensitive public mailbox with dot/+tag variants
  (2-4);
- groups of each kind are independent random partitions, so the campaign is connected only
  through overlapping evidence, never through one identifier;
- the tail shares only weak things: proxy exits, custom user agents, burst timing, card BIN.
"""

from __future__ import annotations

import numpy as np

from pipelines.generate import names as N
from pipelines.generate import people as P
from pipelines.generate.blocks import CAMPAIGN, Block, Ctx
from pipelines.generate.fmt import iso1, pick
from pipelines.generate.presets import CampaignSpec, ts

DAY = 86_400
TAIL_SHARE = 0.025
KIND_P = {"card": 0.7, "phone": 0.55, "billing": 0.5}
GROUP_SIZES = {"card": (2, 5), "phone": (2, 4), "billing": (5, 25), "domain": (4, 20),
               "mailbox": (2, 4)}


def campaign_bins(rng: np.random.Generator, n: int) -> list[list[str]]:
    out = []
    for ci in range(n):
        base = f"53{9 - ci}{int(rng.integers(100, 1000))}"
        out.append([base + f"{int(x):02d}" for x in rng.choice(100, 3, replace=False)])
    return out


def _groups(rng, mask: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, int]:
    gid = np.full(len(mask), -1)
    idx = rng.permutation(np.flatnonzero(mask))
    g, pos = 0, 0
    while pos < len(idx):
        size = int(rng.integers(lo, hi + 1))
        if len(idx) - pos - size == 1:
            size += 1
        gid[idx[pos:pos + size]] = g
        pos += size
        g += 1
    return gid, g


def _evidence(rng, n: int) -> dict[str, np.ndarray]:
    tail = np.zeros(n, bool)
    tail[rng.choice(n, max(1, round(TAIL_SHARE * n)), replace=False)] = True
    custom = rng.random(n) < 0.72
    has = {"domain": custom & ~tail, "mailbox": ~custom & ~tail & (rng.random(n) < 0.5)}
    for k, p in KIND_P.items():
        has[k] = ~tail & (rng.random(n) < p)
    count = sum(v.astype(int) for v in has.values())
    for i in np.flatnonzero((count < 2) & ~tail).tolist():
        for k in rng.permutation(list(KIND_P)).tolist():
            if count[i] >= 2:
                break
            if not has[k][i]:
                has[k][i] = True
                count[i] += 1
    has["tail"] = tail
    has["custom"] = custom & ~tail
    return has


def _domain_name(rng, used: set[str]) -> str:
    while True:
        a, b = pick(rng, N.CN_BRAND), pick(rng, N.CN_BRAND)
        word = pick(rng, ("ai", "data", "lab", "tech", "cloud", "net", "dev", "api"))
        d = f"{a[0]}{b[0]}-{word}{int(rng.integers(1, 99))}.{pick(rng, N.CAMPAIGN_TLDS)}"
        if d not in used:
            used.add(d)
            return d


def build_campaign(ctx: Ctx, ci: int, spec: CampaignSpec, used_domains: set[str]) -> Block:
    rng, n, blk = ctx.rng, spec.n_accounts, Block()
    fronts, parent = ctx.orgs.fronts[ci], ctx.orgs.parents[ci]
    zh = spec.script == "zh"
    start, end = ts(spec.start), ts(spec.end) + DAY
    has = _evidence(rng, n)
    gid = {k: _groups(rng, has[k], *GROUP_SIZES[k]) for k in GROUP_SIZES}
    bins = ctx.campaign_bins[ci]
    # Group values.
    cards = [(ctx.fingerprint(), pick(rng, bins), ctx.last4(), pick(rng, ("prepaid", "virtual")),
              pick(rng, ("SG", "HK", "US", "GB"))) for _ in range(gid["card"][1])]
    phone_kinds = ("cn", "sg") if zh else ("gb", "sg")
    phones = []
    for _ in range(gid["phone"][1]):
        kind = pick(rng, phone_kinds, p=(0.6, 0.4))
        phones.append((kind, P.campaign_phone(rng, ci, kind)))
    billing = []
    for _ in range(gid["billing"][1]):
        if rng.random() < 0.5:
            names = [P.org_variant(rng, pick(rng, fronts).names) for _ in range(4)]
        else:
            latin, native = P.person(rng, spec.script)
            names = [P.name_variant(rng, latin, native) for _ in range(4)]
        addr = P.cn_address(rng, parent.city) if zh else P.ru_address(rng)
        billing.append((names, addr, "CN" if zh else "RU"))
    registrants = [(f.legal_name, f"hostmaster@{f.website_domain}") for f in fronts]
    mailbox_reg = f"{P.person(rng, spec.script)[0].replace(' ', '.').lower()}.dns@larkinbox.net"
    reg_t0 = start - int(rng.integers(30, 50)) * DAY
    registrar = N.REGISTRARS[3] if zh else N.REGISTRARS[1]
    domains = []
    for _ in range(gid["domain"][1]):
        d = _domain_name(rng, used_domains)
        u = rng.random()
        if u < 0.55:
            org, email = pick(rng, registrants)
            org = P.org_variant(rng, [org])
        elif u < 0.85:
            org, email = "", mailbox_reg
        else:
            org, email = N.PRIVACY_ORG, N.PRIVACY_EMAIL
        domains.append(d)
        blk.domains.append({
            "domain": d, "registrant_org": org, "registrant_email": email,
            "registrar": registrar if rng.random() < 0.85 else pick(rng, N.REGISTRARS),
            "created_at": iso1(reg_t0 + int(rng.integers(0, 6)) * DAY + int(rng.integers(0, DAY)))})
    mailboxes = []
    for g in range(gid["mailbox"][1]):
        size = int((gid["mailbox"][0] == g).sum())
        base = P.person(rng, spec.script)[0].replace(" ", "").lower() + str(rng.integers(10, 999))
        mailboxes.append(P.local_part_variants(rng, base, size))
    # Creation bursts: 20-60 accounts within a quarter of an hour.
    n_bursts = max(2, n // 35)
    burst_t = np.sort(rng.integers(start - 12 * DAY, end - 8 * DAY, n_bursts))
    created = burst_t[rng.integers(0, n_bursts, n)] + rng.integers(0, 900, n)
    uas = [t.format(b=parent.brand.lower()[:6], v=int(rng.integers(1, 9)))
           for t in rng.choice(N.CUSTOM_UA_TEMPLATES, 3, replace=False).tolist()]
    countries = (("CN", "SG", "US", "HK"), (0.25, 0.35, 0.2, 0.2)) if zh else (
        ("RU", "AE", "KZ", "US"), (0.3, 0.3, 0.2, 0.2))
    proxy_pool, host_pool = f"proxy:{spec.proxy}", f"chost:{ci}"
    mb_used = {g: 0 for g in range(len(mailboxes))}
    for i in range(n):
        dc = pick(rng, countries[0], p=countries[1])
        latin, native = P.person(rng, spec.script)
        local = latin.replace(" ", "").lower() + str(int(rng.integers(1, 9999)))
        g = gid["domain"][0][i]
        if g >= 0:
            email = f"{pick(rng, (local, latin.split()[1].lower() + '.dev', 'api' + local))}" \
                    f"@{domains[g].upper() if rng.random() < 0.1 else domains[g]}"
        elif (g := gid["mailbox"][0][i]) >= 0:
            email = f"{mailboxes[g][mb_used[g] % len(mailboxes[g])]}@{N.PUBLIC_MAIL[0][0]}"
            mb_used[g] += 1
        else:
            email = f"{local}{int(rng.integers(10, 99))}@{pick(rng, N.PUBLIC_MAIL)[0]}"
        g = gid["phone"][0][i]
        if g >= 0:
            phone = P.phone_variant(rng, phones[g][0], phones[g][1], dc)
        elif not has["tail"][i] and rng.random() < 0.4:
            kind = pick(rng, phone_kinds)
            phone = P.phone_variant(rng, kind, P.campaign_phone(rng, ci, kind), dc)
        else:
            phone = ""
        u = rng.random()
        ip_pool = host_pool if u < 0.2 else (
            "cloud" if u < 0.2 + spec.cloud_share * 0.5 else proxy_pool)
        signup_ip = pick(rng, ctx.net.pools[ip_pool])
        use_pool = "cloud" if rng.random() < spec.cloud_share else proxy_pool
        a = blk.add(
            created=int(created[i]), email=email,
            display_name=P.name_variant(rng, latin, native) if rng.random() < 0.7 else "",
            phone=phone, declared_country=dc,
            declared_org=P.org_variant(rng, pick(rng, fronts).names) if rng.random() < 0.45
            else "",
            signup_ip=signup_ip,
            user_agent=pick(rng, uas) if rng.random() < 0.65 else pick(rng, N.COMMON_UAS),
            tier=pick(rng, ("build", "free", "scale"), p=(0.7, 0.15, 0.15)),
            status=pick(rng, ("active", "suspended", "closed"), p=(0.9, 0.08, 0.02)),
            role="campaign_weak" if has["tail"][i] else "campaign", campaign=ci,
            profile=CAMPAIGN, rate=float(rng.lognormal(0, 0.35)), tz=8 if zh else 3,
            own_ip=signup_ip, pool=use_pool, pool_frac=0.92, n_keys=int(rng.integers(1, 3)),
            active_from=max(int(created[i]), start), active_to=end)
        added = int(created[i]) + int(rng.integers(60, 2 * DAY))
        g, gb = gid["card"][0][i], gid["billing"][0][i]
        if gb >= 0:
            names, addr, bc = billing[gb]
            bname, baddr = pick(rng, names), pick(rng, addr)
        else:
            bname, baddr, bc = P.name_variant(rng, latin, native), (
                P.cn_address(rng, parent.city) if zh else P.ru_address(rng))[0], dc
        if g >= 0:
            fp, b, l4, fund, cc = cards[g]
        elif gb >= 0 or rng.random() < 0.5:
            fp, b, l4 = ctx.fingerprint(), pick(rng, bins), ctx.last4()
            fund, cc = pick(rng, ("prepaid", "virtual")), pick(rng, ("SG", "HK", "US"))
        else:
            continue
        blk.add_card(a, processor_fingerprint=fp, bin=b, last4=l4, funding_type=fund,
                     card_country=cc, billing_name=bname, billing_address=baddr,
                     billing_country=bc, added=added)
    return blk
