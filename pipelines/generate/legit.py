"""Legitimate hard cases: shared NATs, CGNAT, cloud egress, reseller customers, coworking
tenants, the evaluation startup (heavy users). Teams share cards inside their own org only."""

from __future__ import annotations

import numpy as np

from pipelines.generate import names as N
from pipelines.generate import people as P
from pipelines.generate.blocks import DEV, HEAVY, LEGIT, Block, Ctx
from pipelines.generate.fmt import pick
from pipelines.generate.network import residential_ips
from pipelines.generate.orgs import Org

DAY = 86_400
TZ = {"US": -5, "CA": -5, "DE": 1, "IN": 5, "MY": 8, "BR": -3, "FR": 1, "GB": 0, "AU": 10,
      "JP": 9, "SG": 8, "NL": 1, "IE": 0, "EE": 2}
SUPPORTED = ("US", "GB", "DE", "FR", "CA", "AU", "JP", "SG", "NL", "IN", "BR", "MY")


def legit_bin(rng: np.random.Generator) -> str:
    if rng.random() < 0.6:
        return "4" + f"{int(rng.integers(0, 10**7)):07d}"
    return pick(rng, ("51", "52", "54", "55")) + f"{int(rng.integers(0, 10**6)):06d}"


def created_times(ctx: Ctx, n: int) -> np.ndarray:
    """Sign-up times skewed towards recent months, up to a day before the window ends."""
    u = ctx.rng.random(n) ** 0.6
    return (ctx.history + u * (ctx.t1 - DAY - ctx.history)).astype("int64")


def _addr_variants(addr: str) -> list[str]:
    return [addr, addr.replace("Street", "St.").replace("Road", "Rd").replace("Avenue", "Ave"),
            addr.upper()]


def org_members(ctx: Ctx, blk: Block, org: Org | None, n: int, role: str, *,
                signup_pool: str | None, pool: str = "", pool_frac: float = 0.0,
                profile: int = LEGIT, rate=(-0.7, 1.0), public_share: float = 0.0,
                team=(3, 10), team_share: float = 0.0, billing_addrs: list[str] | None = None,
                tiers=(("free", "build"), (0.7, 0.3)), declared_org_p: float = 0.5,
                phone_p: float = 0.4) -> None:
    """``n`` accounts of one organisation (or of unrelated people when ``org`` is None)."""
    if n <= 0:
        return
    rng = ctx.rng
    country = org.country if org else None
    created = created_times(ctx, n)
    team_of = np.full(n, -1)
    n_team = round(n * team_share)
    if n_team >= 2:
        members = rng.permutation(n)[:n_team]
        pos, t = 0, 0
        while pos < n_team:
            size = int(rng.integers(team[0], team[1] + 1))
            team_of[members[pos:pos + size]] = t
            pos, t = pos + size, t + 1
        addr_pool = billing_addrs or _addr_variants(P.west_address(rng))
        cards = [(ctx.fingerprint(), legit_bin(rng), ctx.last4(),
                  pick(rng, ("credit", "debit"), p=(0.8, 0.2))) for _ in range(t)]
    phones, pcountries = ctx.phones.take(rng, n)
    res = residential_ips(rng, n, ctx.next_seq() * 1_000_000)
    for i in range(n):
        first, last = pick(rng, N.FIRST_NAMES), pick(rng, N.LAST_NAMES)
        k = ctx.next_seq()
        if org and rng.random() >= public_share:
            email = f"{first.lower()}.{last.lower()}{k % 1000 or ''}@{org.website_domain}"
            email = email if rng.random() < 0.9 else email.capitalize()
        else:
            email = f"{first.lower()}{pick(rng, ('.', '', '_'))}{last.lower()}{k}@" \
                    f"{pick(rng, N.PUBLIC_MAIL)[0]}"
        has_phone = rng.random() < phone_p
        dc = country or (pcountries[i] if has_phone else pick(rng, SUPPORTED))
        ip = pick(rng, ctx.net.pools[signup_pool]) if signup_pool and rng.random() < 0.9 \
            else res[i]
        tier = pick(rng, tiers[0], p=tiers[1])
        a = blk.add(
            created=int(created[i]), email=email,
            display_name=f"{first} {last}" if rng.random() < 0.8 else "",
            phone=phones[i] if has_phone else "", declared_country=dc,
            declared_org=P.org_variant(rng, org.names) if org and rng.random() < declared_org_p
            else "",
            signup_ip=ip, user_agent=pick(rng, N.COMMON_UAS), tier=tier,
            status=pick(rng, ("active", "suspended", "closed"), p=(0.96, 0.01, 0.03)),
            role=role, profile=profile, rate=float(rng.lognormal(*rate)), tz=TZ.get(dc, 0),
            own_ip=ip, pool=pool, pool_frac=pool_frac, n_keys=int(rng.integers(1, 4)),
            active_from=int(created[i]), active_to=ctx.t1)
        added = int(created[i]) + int(rng.integers(60, 5 * DAY))
        if team_of[i] >= 0:
            fp, b, l4, fund = cards[team_of[i]]
            blk.add_card(a, processor_fingerprint=fp, bin=b, last4=l4, funding_type=fund,
                         card_country=country or dc,
                         billing_name=P.org_variant(rng, org.names) if org else f"{first} {last}",
                         billing_address=pick(rng, addr_pool), billing_country=country or dc,
                         added=added)
        elif tier != "free":
            blk.add_card(a, processor_fingerprint=ctx.fingerprint(), bin=legit_bin(rng),
                         last4=ctx.last4(), funding_type=pick(rng, ("credit", "debit")),
                         card_country=dc, billing_name=f"{first} {last}",
                         billing_address=P.west_address(rng, unit=True), billing_country=dc,
                         added=added)


def build_hard_cases(ctx: Ctx) -> Block:
    p, ow, blk = ctx.preset, ctx.orgs, Block()

    def nat(org: Org) -> str:
        return f"nat:{org.org_id}"

    for j, uni in enumerate(ow.kind("university")):
        n = p.n_university_nat if j == 0 else p.n_university_nat // 3
        org_members(ctx, blk, uni, n, "university_nat", signup_pool=nat(uni), pool=nat(uni),
                    pool_frac=0.75, public_share=0.3, team=(3, 8), team_share=0.05,
                    tiers=(("free", "build"), (0.85, 0.15)), declared_org_p=0.4)
    corps = ow.kind("corporate")
    for j, corp in enumerate(corps):
        n = p.n_corporate_accounts // len(corps) + (j < p.n_corporate_accounts % len(corps))
        org_members(ctx, blk, corp, n, "corporate_nat", signup_pool=nat(corp), pool=nat(corp),
                    pool_frac=0.8, rate=(0.0, 1.0), team=(4, 15), team_share=0.8,
                    tiers=(("build", "scale", "enterprise"), (0.3, 0.4, 0.3)),
                    declared_org_p=0.7)
    for startup in ow.kind("startup"):
        org_members(ctx, blk, startup, p.n_heavy_users, "legit_heavy_user",
                    signup_pool=nat(startup), pool="cloud", pool_frac=0.5, profile=HEAVY,
                    rate=(0.0, 0.3), team=(max(2, p.n_heavy_users // 2), p.n_heavy_users),
                    team_share=1.0, tiers=(("scale", "enterprise"), (0.5, 0.5)),
                    declared_org_p=0.9)
    customers = ow.kind("reseller_customer")
    for j, cust in enumerate(customers):
        n = p.n_reseller_customers // len(customers) + (j < p.n_reseller_customers % len(customers))
        proxy = "proxy:kestrelink" if j % 4 else "proxy:umbra"
        org_members(ctx, blk, cust, n, "reseller_customer", signup_pool=proxy, pool=proxy,
                    pool_frac=0.85, rate=(0.5, 0.8), team=(3, 10), team_share=0.9,
                    tiers=(("build", "scale"), (0.6, 0.4)), declared_org_p=0.6)
    cowork = ow.kind("coworking")[0]
    for tenant in ow.kind("tenant"):
        org_members(ctx, blk, tenant, int(ctx.rng.integers(2, 7)), "coworking_tenant",
                    signup_pool=nat(cowork), pool=nat(cowork), pool_frac=0.8, team=(8, 8),
                    team_share=1.0, billing_addrs=P.coworking_address_variants(),
                    tiers=(("build", "scale"), (0.7, 0.3)), declared_org_p=0.6)
    org_members(ctx, blk, None, p.n_cgnat, "cgnat_mobile", signup_pool="cgnat", pool="cgnat",
                pool_frac=1.0, phone_p=0.8, tiers=(("free", "build"), (0.75, 0.25)))
    org_members(ctx, blk, None, p.n_cloud_devs, "cloud_egress_dev", signup_pool="cloud",
                pool="cloud", pool_frac=0.9, profile=DEV, rate=(-0.3, 1.0),
                tiers=(("free", "build"), (0.5, 0.5)))
    return blk
