"""Decoys sized like campaigns: legitimate crowds and teams that share what campaigns share.

- a campus NAT: thousands of unrelated students behind a dozen addresses, some signing up in
  class bursts of 20-40 within an hour;
- carrier CGNAT: thousands of subscribers behind a few dozen addresses;
- a start-up whose every account is on one corporate card billed to the company;
- an evaluation start-up: heavy coding and evaluation traffic, CI jobs on the hour;
- a proxy reseller's legitimate customers, on the same exits as the campaigns that use it;
- coworking tenants billed to one shared address written many ways;
- the staff of the minority-stake holdings; developers behind big-cloud egress.
"""

from __future__ import annotations

import numpy as np

from pipelines.generate.blocks import DEV, HEAVY, Block, Ctx
from pipelines.generate.fmt import pick
from pipelines.generate.legit import org_members
from pipelines.generate.zoo import locales as L
from pipelines.generate.zoo.orgs import ZooOrgs
from pipelines.generate.zoo.tactics import campaign_size

DAY = 86_400


def _office_variants(rng: np.random.Generator, zoo: ZooOrgs, org_id: str, k: int = 6) -> list:
    office = zoo.address[org_id]
    return [L.render_address(rng, office, fuzzy=True) for _ in range(k)]


def _class_bursts(ctx: Ctx, blk: Block, first: int, share: float) -> None:
    """Move ``share`` of the accounts from index ``first`` on into sign-up bursts of 20-40
    within an hour (a lecture where everyone creates an account)."""
    rng = ctx.rng
    members = np.arange(first, len(blk))
    chosen = rng.permutation(members)[: int(len(members) * share)]
    pos = 0
    while pos < len(chosen):
        size = int(rng.integers(20, 41))
        t = int(rng.integers(ctx.t0 - 30 * DAY, ctx.t1 - 2 * DAY))
        for i in chosen[pos:pos + size].tolist():
            blk.acc["created"][i] = t + int(rng.integers(0, 3600))
            blk.acc["active_from"][i] = blk.acc["created"][i]
        pos += size
    for j, acct in enumerate(blk.pay["acct"]):
        blk.pay["added"][j] = max(blk.pay["added"][j], blk.acc["created"][acct] + 60)


def build_decoys(ctx: Ctx, zoo: ZooOrgs, size: tuple[int, int], sizes: dict[str, int]) -> Block:
    """Every decoy of the world; ``sizes`` holds the drawn sizes (recorded in the manifest)."""
    rng, blk = ctx.rng, Block()
    for uni in zoo.kind("university"):
        start = len(blk)
        n = campaign_size(rng, *size)
        sizes[f"campus_nat:{uni.org_id}"] = n
        org_members(ctx, blk, uni, n, "university_nat", signup_pool=f"nat:{uni.org_id}",
                    pool=f"nat:{uni.org_id}", pool_frac=0.8, public_share=0.5, team=(3, 8),
                    team_share=0.05, tiers=(("free", "build"), (0.85, 0.15)),
                    declared_org_p=0.3)
        _class_bursts(ctx, blk, start, 0.25)
    sizes["cgnat"] = n = campaign_size(rng, *size)
    org_members(ctx, blk, None, n, "cgnat_mobile", signup_pool="cgnat", pool="cgnat",
                pool_frac=1.0, phone_p=0.8, tiers=(("free", "build"), (0.75, 0.25)))
    startup = zoo.kind("startup")[0]
    sizes["startup_one_card"] = n = campaign_size(rng, 30, min(400, size[1]))
    org_members(ctx, blk, startup, n, "startup_one_card", signup_pool=f"nat:{startup.org_id}",
                pool=f"nat:{startup.org_id}", pool_frac=0.8, profile=DEV, rate=(0.3, 0.6),
                team=(n, n), team_share=1.0,
                billing_addrs=_office_variants(rng, zoo, startup.org_id),
                tiers=(("scale", "enterprise"), (0.6, 0.4)), declared_org_p=0.8)
    lab = zoo.kind("eval_startup")[0]
    sizes["eval_startup"] = n = campaign_size(rng, 30, min(300, size[1]))
    org_members(ctx, blk, lab, n, "legit_heavy_user", signup_pool=f"nat:{lab.org_id}",
                pool="cloud", pool_frac=0.5, profile=HEAVY, rate=(0.0, 0.3),
                team=(max(2, n // 2), n), team_share=1.0,
                billing_addrs=_office_variants(rng, zoo, lab.org_id),
                tiers=(("scale", "enterprise"), (0.5, 0.5)), declared_org_p=0.9)
    customers = zoo.kind("reseller_customer")
    sizes["reseller_customers"] = total = campaign_size(rng, max(30, len(customers) * 3),
                                                        max(60, size[1] // 2))
    for j, cust in enumerate(customers):
        proxy = ("proxy:kestrelink", "proxy:umbra")[j % 2]
        org_members(ctx, blk, cust, total // len(customers), "reseller_customer",
                    signup_pool=proxy, pool=proxy, pool_frac=0.85, rate=(0.5, 0.8),
                    team=(3, 10), team_share=0.9, tiers=(("build", "scale"), (0.6, 0.4)),
                    declared_org_p=0.6)
    cowork = zoo.kind("coworking")[0]
    shared_address = _office_variants(rng, zoo, cowork.org_id, 8)
    tenants = zoo.kind("tenant")
    for tenant in tenants:
        org_members(ctx, blk, tenant, int(rng.integers(2, 9)), "coworking_tenant",
                    signup_pool=f"nat:{cowork.org_id}", pool=f"nat:{cowork.org_id}",
                    pool_frac=0.8, team=(8, 8), team_share=1.0, billing_addrs=shared_address,
                    tiers=(("build", "scale"), (0.7, 0.3)), declared_org_p=0.6)
    sizes["coworking_tenants"] = sum(r == "coworking_tenant" for r in blk.acc["role"])
    for holder in zoo.kind("minority_holding"):
        org_members(ctx, blk, holder, int(rng.integers(20, 151)), "minority_holding_staff",
                    signup_pool=f"nat:{holder.org_id}", pool=f"nat:{holder.org_id}",
                    pool_frac=0.8, rate=(0.0, 1.0), team=(4, 15), team_share=0.8,
                    tiers=(("build", "scale", "enterprise"), (0.3, 0.4, 0.3)),
                    declared_org_p=0.7)
    sizes["cloud_devs"] = n = campaign_size(rng, *size)
    org_members(ctx, blk, None, n, "cloud_egress_dev", signup_pool="cloud", pool="cloud",
                pool_frac=0.9, profile=DEV, rate=(-0.3, 1.0),
                tiers=(("free", "build"), (0.5, 0.5)))
    return blk


def real_providers(ctx: Ctx, blk: Block, providers: tuple[str, ...], share: float) -> None:
    """Move ``share`` of the public-mail accounts to real public providers (reference data),
    keeping each local part; so ``gmail.com`` is as crowded as any invented provider."""
    rng = ctx.rng
    for i, (role, email) in enumerate(zip(blk.acc["role"], blk.acc["email"], strict=True)):
        if role == "public_mail" and rng.random() < share:
            local = email.rsplit("@", 1)[0]
            blk.acc["email"][i] = f"{local}@{pick(rng, providers)}"
