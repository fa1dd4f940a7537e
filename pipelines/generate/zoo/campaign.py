"""One zoo campaign's accounts, payment instruments and domain registrations, built from its
plan's tactics. Accounts are split over the plan's fronts; pieces (groups of accounts sharing a
card, mailbox, phone or exits) are drawn per tactic; operator-level ties (registrant, billing
organisation or persons, declared organisation, front mailboxes) span the pieces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.generate import names as N
from pipelines.generate.blocks import CAMPAIGN, Block, Ctx
from pipelines.generate.fmt import iso1, pick
from pipelines.generate.zoo import locales as L
from pipelines.generate.zoo import people as Z
from pipelines.generate.zoo import phones as F
from pipelines.generate.zoo import variants as V
from pipelines.generate.zoo.orgs import ZooOrgs
from pipelines.generate.zoo.pieces import draw_pieces
from pipelines.generate.zoo.tactics import CampaignPlan

DAY = 86_400
CAMPAIGN_CODING = 4  # usage profile: a campaign whose prompt mix looks like a coding start-up
TZ = {"CN": 8, "RU": 3, "CZ": 1, "PL": 1, "DE": 1, "FR": 1}
UNSUPPORTED = {"CN": "CN", "RU": "RU"}


@dataclass
class Staff:
    """An operator's employee whose name appears on cards."""

    first: str
    last: str
    native: str
    address: L.Address


class CampaignBuilder:
    def __init__(self, ctx: Ctx, zoo: ZooOrgs, plan: CampaignPlan, bins: list[str],
                 used_domains: set[str], window: tuple[int, int], used_mailboxes: set[str]):
        self.ctx, self.rng, self.zoo, self.plan = ctx, ctx.rng, zoo, plan
        self.bins, self.used_domains = bins, used_domains
        self.used_mailboxes = used_mailboxes
        self.fronts = zoo.world.fronts[plan.index]
        self.parent = zoo.world.parents[plan.index]
        self.start = window[0] + plan.start_day * DAY
        self.end = window[1]
        self.blk = Block()
        self.fuzzy = plan.has("fuzzy_billing")

    # ---- operator-level ties -------------------------------------------------------------
    def _registrant(self) -> tuple[str, str]:
        """(registrant organisation, registrant email) behind the campaign's domains."""
        front = self.fronts[0]
        if self.plan.has("registrant_org_blank"):
            return "", f"{pick(self.rng, ('hostmaster', 'dns', 'it'))}@{front.website_domain}"
        org = V.org_name_variant(self.rng, front.names, self._forms(front), fuzzy=self.fuzzy)
        if self.rng.random() < 0.5:
            return org, f"hostmaster@{front.website_domain}"
        first, last, _ = Z.person(self.rng, self.plan.home)
        domain, _dots = Z.provider(self.rng, self.plan.home)
        return org, f"{self._unique_local(first, last, domain, '.dns')}@{domain}"

    def _domains(self, n_domains: int) -> list[str]:
        org, email = self._registrant()
        registrar = pick(self.rng, N.REGISTRARS)
        t = self.start - int(self.rng.integers(20, 60)) * DAY
        out = []
        for _ in range(n_domains):
            while True:
                a, b = pick(self.rng, N.CN_BRAND)[0], pick(self.rng, N.WEST_SUFFIX)
                d = (f"{a}{b}-{pick(self.rng, ('ai', 'data', 'lab', 'dev', 'api', 'ml'))}"
                     f"{int(self.rng.integers(1, 999))}.{pick(self.rng, N.CAMPAIGN_TLDS)}")
                if d not in self.used_domains:
                    break
            self.used_domains.add(d)
            out.append(d)
            self.blk.domains.append({
                "domain": d, "registrant_org": org, "registrant_email": email,
                "registrar": registrar if self.rng.random() < 0.9 else pick(self.rng,
                                                                            N.REGISTRARS),
                "created_at": iso1(t + int(self.rng.integers(0, 10 * DAY)))})
        return out

    def _forms(self, org) -> dict[str, list[str]]:
        return L.LOCALES[org.country].legal_forms

    def _org_name(self, front) -> str:
        name = V.org_name_variant(self.rng, front.names, self._forms(front), fuzzy=self.fuzzy)
        if self.plan.has("confusable_names") and self.rng.random() < 0.4:
            name = V.confusable(self.rng, name)
        return name

    def _staff(self) -> list[Staff]:
        out = []
        for _ in range(int(self.rng.integers(2, 7))):
            first, last, native = Z.person(self.rng, self.plan.home)
            country = self.plan.home if self.rng.random() < 0.6 else self.fronts[0].country
            out.append(Staff(first, last, native, L.new_address(self.rng, country)))
        return out

    # ---- accounts ------------------------------------------------------------------------
    def _created(self, n: int) -> np.ndarray:
        rng = self.rng
        if self.plan.has("creation_bursts"):
            n_bursts = max(1, n // int(rng.integers(20, 61)))
            burst = np.sort(rng.integers(self.start - 10 * DAY, self.end - 10 * DAY, n_bursts))
            return burst[rng.integers(0, n_bursts, n)] + rng.integers(0, 900, n)
        return rng.integers(self.start - 60 * DAY, self.end - 5 * DAY, n)

    def _email(self, i: int, person: tuple[str, str, str], ctx: dict) -> str:
        rng, plan = self.rng, self.plan
        first, last, _ = person
        local = Z.mailbox_base(rng, first, last)
        g = ctx["domain_of"][i]
        if g >= 0:
            email = f"{pick(rng, (local, 'api.' + local, local + '.dev'))}@{ctx['domains'][g]}"
        elif ctx["front_mail"][i]:
            email = f"{local}@{self.fronts[ctx['front_of'][i]].website_domain}"
        elif plan.has("public_mailboxes"):
            box = ctx["mailbox_of"][i]
            base, domain, dots = ctx["mailboxes"][box]
            email = f"{V.email_local_variant(rng, base, dots=dots, tags=True)}@{domain}"
        else:
            domain, _ = Z.provider(rng, plan.home)
            email = f"{local}{int(rng.integers(10, 99))}@{domain}"
        box, domain = email.rsplit("@", 1)
        if plan.has("confusable_emails") and rng.random() < 0.5:
            box = V.confusable(rng, box)
        if plan.has("fullwidth_digits") and rng.random() < 0.2:
            box = V.fullwidth_digits(box)
        return f"{box}@{domain.upper() if rng.random() < 0.05 else domain}"

    def _phone(self, i: int, declared: str, ctx: dict) -> str:
        rng, plan = self.rng, self.plan
        g = ctx["phone_of"][i]
        if g >= 0:
            region, code, national = ctx["phones"][g]
        elif rng.random() < 0.4:
            region, code, national = F.number(rng, plan.home, plan.has("voip_phones"))
        else:
            return ""
        return F.written(rng, region, code, national, declared, noisy=plan.has("phone_noise"),
                         fullwidth=plan.has("fullwidth_digits"))

    def _display_name(self, person: tuple[str, str, str]) -> str:
        first, last, native = person
        if self.rng.random() < 0.3:
            return ""
        if self.rng.random() < 0.25 and native != f"{first} {last}":
            return native
        name = V.person_name_variant(self.rng, first, last, fuzzy=False)
        if self.plan.has("confusable_names") and self.rng.random() < 0.5:
            name = V.confusable(self.rng, name)
        return name

    def _billing(self, i: int, person, ctx: dict) -> tuple[str, str, str]:
        rng, plan = self.rng, self.plan
        use_org = plan.has("billing_org") and (not plan.has("billing_persons")
                                               or rng.random() < 0.5)
        fullwidth = plan.has("fullwidth_digits")
        if use_org:
            front = self.fronts[ctx["front_of"][i]]
            office = self.zoo.address[front.org_id]
            return (self._org_name(front),
                    L.render_address(rng, office, fuzzy=self.fuzzy, fullwidth=fullwidth),
                    front.country)
        if plan.has("billing_persons"):
            s = ctx["staff"][int(rng.integers(0, len(ctx["staff"])))]
            name = V.person_name_variant(rng, s.first, s.last, fuzzy=self.fuzzy)
            if plan.has("confusable_names") and rng.random() < 0.3:
                name = V.confusable(rng, name)
            return (name, L.render_address(rng, s.address, fuzzy=self.fuzzy, fullwidth=fullwidth),
                    s.address.country)
        first, last, _ = person
        home = L.new_address(rng, plan.home if plan.home in L.LOCALES else "CN")
        return (V.person_name_variant(rng, first, last, fuzzy=False),
                L.render_address(rng, home, fuzzy=False), home.country)

    def _card(self, i: int, ctx: dict) -> tuple[str, str, str, str] | None:
        rng, plan = self.rng, self.plan
        g = ctx["card_of"][i]
        if g >= 0:
            return ctx["cards"][g]
        ties = plan.has("billing_org") or plan.has("billing_persons")
        if plan.has("distinct_cards") or ties or rng.random() < 0.5:
            return self._new_card()
        return None

    def _new_card(self) -> tuple[str, str, str, str]:
        rng = self.rng
        if self.plan.has("prepaid_virtual_cards"):
            return (self.ctx.fingerprint(), pick(rng, self.bins), self.ctx.last4(),
                    pick(rng, ("prepaid", "virtual")))
        bin_ = "4" + f"{int(rng.integers(0, 10**7)):07d}"
        return self.ctx.fingerprint(), bin_, self.ctx.last4(), pick(rng, ("credit", "debit"))

    def _unique_local(self, first: str, last: str, domain: str, suffix: str = "") -> str:
        """A local part (``suffix`` appended) of a public mailbox at ``domain`` no one else in
        the world holds: a mailbox is one person's, so two operations never share one by chance
        (the name is drawn again only on a clash, so other worlds stay as they were)."""
        base = Z.mailbox_base(self.rng, first, last)
        while (mailbox := f"{base.replace('.', '')}{suffix}@{domain}") in self.used_mailboxes:
            base = Z.mailbox_base(self.rng, first, last)
        self.used_mailboxes.add(mailbox)
        return base + suffix

    def _new_mailbox(self) -> tuple[str, str, bool]:
        """(local part, provider, whether it ignores dots) of a public mailbox pieces share."""
        first, last, _ = Z.person(self.rng, self.plan.home)
        domain, dots = Z.provider(self.rng, self.plan.home)
        return self._unique_local(first, last, domain), domain, dots

    def _pieces(self, n: int, egress: str) -> dict:
        """Group assignments per kind of identifier, and the staff on billing profiles."""
        ctx = draw_pieces(self.rng, self.plan, n, len(self.fronts), egress, self._domains,
                          self._new_card, self._new_mailbox)
        ctx["staff"] = self._staff()
        return ctx

    def _pool(self, egress: str) -> str:
        pool = {"reseller_egress": pick(self.rng, ("proxy:kestrelink", "proxy:umbra")),
                "cloud_egress": "cloud", "own_hosting": f"chost:{self.plan.index}"}[egress]
        self.plan.extra["pool"] = pool
        return pool

    def _piece_pools(self, ctx: dict, pool: str) -> dict[int, str]:
        """Each piece of 2-3 accounts keeps to 1-3 exits of its own."""
        out = {}
        exits = self.ctx.net.pools[pool]
        for g in sorted(set(ctx["exits_of"].tolist()) - {-1}):
            key = f"piece:{self.plan.index}:{g}"
            chosen = self.rng.choice(len(exits), int(self.rng.integers(1, 4)), replace=False)
            self.ctx.net.pools[key] = [exits[j] for j in chosen.tolist()]
            out[g] = key
        return out

    def build(self, rate: float) -> Block:
        rng, plan, n = self.rng, self.plan, self.plan.n_accounts
        egress = next(t for t in ("reseller_egress", "cloud_egress", "own_hosting")
                      if plan.has(t))
        pool = self._pool(egress)
        ctx = self._pieces(n, egress)
        piece_pool = self._piece_pools(ctx, pool)
        created = self._created(n)
        uas = [t.format(b=self.parent.brand.lower()[:6], v=int(rng.integers(1, 9)))
               for t in rng.choice(N.CUSTOM_UA_TEMPLATES, 2, replace=False).tolist()]
        tier = pick(rng, ("build", "free", "scale"), p=(0.6, 0.25, 0.15))
        profile = CAMPAIGN_CODING if plan.has("disguised_mix") else CAMPAIGN
        supported = ("SG", "US", "GB", "DE", "JP", "HK", "AE")
        for i in range(n):
            person = Z.person(rng, plan.home)
            front = self.fronts[ctx["front_of"][i]]
            declared = (UNSUPPORTED.get(plan.home, front.country)
                        if plan.has("unsupported_region") and rng.random() < 0.6
                        else pick(rng, supported))
            exits = piece_pool.get(int(ctx["exits_of"][i]), pool)
            signup_pool = f"chost:{plan.index}" if rng.random() < 0.15 else exits
            signup_ip = pick(rng, self.ctx.net.pools[signup_pool])
            a = self.blk.add(
                created=int(created[i]), email=self._email(i, person, ctx),
                display_name=self._display_name(person), phone=self._phone(i, declared, ctx),
                declared_country=declared,
                declared_org=self._org_name(front) if ctx["declares"][i] else "",
                signup_ip=signup_ip,
                user_agent=pick(rng, uas) if plan.has("custom_user_agent")
                and rng.random() < 0.7 else pick(rng, N.COMMON_UAS),
                tier=tier if rng.random() < 0.85 else pick(rng, ("free", "build", "scale")),
                status=pick(rng, ("active", "suspended", "closed"), p=(0.92, 0.06, 0.02)),
                role="campaign", campaign=plan.index, profile=profile,
                rate=float(rate * rng.lognormal(0, 0.3)), tz=TZ.get(plan.home, 8),
                own_ip=signup_ip, pool=exits, pool_frac=0.9, n_keys=int(rng.integers(1, 3)),
                active_from=max(int(created[i]), self.start), active_to=self.end)
            card = self._card(i, ctx)
            if card is None:
                continue
            fp, bin_, last4, funding = card
            name, address, country = self._billing(i, person, ctx)
            self.blk.add_card(a, processor_fingerprint=fp, bin=bin_, last4=last4,
                              funding_type=funding, card_country=pick(rng, ("SG", "HK", "US",
                                                                            country)),
                              billing_name=name, billing_address=address,
                              billing_country=country,
                              added=int(created[i]) + int(rng.integers(60, 2 * DAY)))
        return self.blk
