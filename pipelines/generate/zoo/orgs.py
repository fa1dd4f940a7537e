"""The registry of a zoo world: campaign ownership trees several levels deep with sibling fronts
in many countries, and the organisations that must never be named (decoys): the hub owners
(university, carriers, cloud, coworking operator), the proxy resellers and their customers, the
start-ups, the minority-stake holdings and the parents' look-alikes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipelines.generate import names as N
from pipelines.generate.fmt import pick
from pipelines.generate.orgs import Org, OrgWorld, _Builder
from pipelines.generate.zoo import locales as L
from pipelines.generate.zoo.tactics import CampaignPlan

CN_FORMS = ("Technology", "Information Technology", "Data Technology", "Network Technology")
RU_FORM = ('LLC "{b}"', "ООО «{n}»")


@dataclass
class ZooOrgs:
    world: OrgWorld = field(default_factory=OrgWorld)
    address: dict[str, L.Address] = field(default_factory=dict)  # org_id -> registered office
    chain: list[list[Org]] = field(default_factory=list)  # per campaign: parent, holdings...
    decoys: list[Org] = field(default_factory=list)

    def kind(self, kind: str) -> list[Org]:
        return self.world.kind(kind)


class ZooBuilder(_Builder):
    """Organisations in any locale of :mod:`locales`, each with a registered office."""

    def __init__(self, rng: np.random.Generator, zoo: ZooOrgs):
        super().__init__(rng, zoo.world)
        self.zoo = zoo

    def brand(self) -> tuple[str, str]:
        """An invented brand in Latin letters and, for CN/RU, its native spelling."""
        r = self.rng
        if r.random() < 0.5:
            a, b = (N.CN_BRAND[i] for i in r.choice(len(N.CN_BRAND), 2, replace=False))
            return (a[0] + b[0]).capitalize(), a[1] + b[1]
        (a, ac), (b, bc) = (N.RU_WORDS[i] for i in r.choice(len(N.RU_WORDS), 2, replace=False))
        return a + b.lower(), ac + bc.lower()

    def company(self, country: str, kind: str, campaign: int = -1, word: str = "") -> Org:
        r = self.rng
        brand, native = self.brand() if campaign >= 0 else (self.western(), "")
        loc = L.LOCALES[country]
        form = next(iter(loc.legal_forms), "")
        word = word or pick(r, N.WEST_KIND)
        office = L.new_address(r, country)
        if country == "CN":
            ind = pick(r, CN_FORMS)
            legal = f"{office.city} {brand} {ind} Co., Ltd."
            aliases = [f"{brand} {ind.split()[0]} ({office.city})",
                       f"{L.CN_NATIVE_CITY[office.city]}{native or brand}科技有限公司"]
        elif country == "RU":
            legal = RU_FORM[0].format(b=f"{brand} {word}")
            aliases = [RU_FORM[1].format(n=native or brand), f"{brand} {word}"]
        else:
            legal = f"{brand} {word}{form}"
            aliases = [f"{brand} {word}", brand.upper()]
        org = self.add(legal, aliases, country, kind, stem=f"{brand}-{word}", campaign=campaign,
                       brand=brand, city=office.city)
        self.zoo.address[org.org_id] = office
        return org


def _control(b: ZooBuilder) -> tuple[float | None, str]:
    return pick(b.rng, ((100.0, "subsidiary"), (100.0, "subsidiary"), (75.0, "shareholder"),
                        (51.0, "shareholder"), (None, "branch"), (90.0, "subsidiary")))


def _campaign_tree(b: ZooBuilder, plan: CampaignPlan) -> tuple[Org, list[Org], list[Org]]:
    """Parent, the holdings between it and the fronts, and the fronts, with majority control
    on every edge from a front up to the parent (``plan.depth`` levels for the deepest)."""
    ci = plan.index
    parent = b.company(plan.home, "parent", ci, "Group")
    chain = [parent]
    for level in range(1, plan.depth):
        country = pick(b.rng, ("HK", "SG", "AE", "US", "GB", "CZ", "PL"))
        holding = b.company(country, "holding", ci, pick(b.rng, ("Holdings", "Capital",
                                                                  "Investments")))
        b.own(holding, chain[level - 1], *_control(b))
        chain.append(holding)
    fronts = []
    for k, country in enumerate(plan.front_countries):
        # The first front hangs at the full depth; siblings at any level below the parent.
        up = chain[-1] if k == 0 else chain[int(b.rng.integers(0, len(chain)))]
        front = b.company(country, "front", ci)
        b.own(front, up, *_control(b))
        fronts.append(front)
    return parent, chain[1:], fronts


def _decoy(b: ZooBuilder, zoo: ZooOrgs, country: str, kind: str, word: str = "") -> Org:
    org = b.company(country, kind, -1, word)
    zoo.decoys.append(org)
    return org


def build_zoo_orgs(rng: np.random.Generator, plans: list[CampaignPlan], n_universities: int,
                   n_reseller_customers: int, n_tenants: int, n_filler: int) -> ZooOrgs:
    zoo = ZooOrgs()
    b = ZooBuilder(rng, zoo)
    w = zoo.world
    for plan in plans:
        parent, holdings, fronts = _campaign_tree(b, plan)
        w.parents.append(parent)
        w.fronts.append(fronts)
        zoo.chain.append([parent, *holdings])
        # A legitimate holding with a minority stake in a front: never the parent.
        holder = _decoy(b, zoo, pick(rng, ("GB", "DE", "US", "SG")), "minority_holding",
                        "Capital")
        b.own(pick(rng, fronts), holder, float(rng.choice([10.0, 20.0, 35.0, 45.0])),
              "shareholder")
        # A look-alike of the parent that the parent holds a minority stake in.
        form = next(iter(L.LOCALES[parent.country].legal_forms), "")
        look = b.add(f"{parent.brand} Foods{form}", [f"{parent.brand} Foods"], parent.country,
                     "lookalike", stem=f"{parent.brand}-foods", brand=parent.brand)
        zoo.decoys.append(look)
        b.own(look, parent, float(rng.choice([12.5, 20.0, 35.0])), "shareholder")
    for _ in range(n_universities):
        uni = b.add(f"University of {b.western()}", [], pick(rng, ("GB", "US", "DE")),
                    "university", stem=None)
        uni.website_domain = b.domain(uni.legal_name.split()[-1], ("ac.uk", "edu"))
        zoo.decoys.append(uni)
    for brand in ("Telvora Mobile", "Quokka Wireless"):
        zoo.decoys.append(b.add(f"{brand} plc", [brand], "GB", "carrier",
                                stem=brand.replace(" ", "-")))
    zoo.decoys.append(b.add("Nimbusfield Cloud Ltd", ["Nimbusfield Cloud"], "US", "cloud",
                            stem="nimbusfield-cloud"))
    zoo.decoys.append(b.add("Kestrelink Relay Networks Pte. Ltd.", ["Kestrelink Relay",
                            "Kestrelink"], "SG", "reseller", stem="kestrelink-relay"))
    zoo.decoys.append(b.add("Umbraline Proxy Network OÜ", ["Umbraline Proxy", "Umbraline"],
                            "EE", "reseller", stem="umbraline-proxy"))
    for _ in range(n_reseller_customers):
        _decoy(b, zoo, pick(rng, ("GB", "US", "DE")), "reseller_customer", "Ad Verification")
    _decoy(b, zoo, "SG", "coworking", "Coworking")
    for _ in range(n_tenants):
        _decoy(b, zoo, "SG", "tenant")
    _decoy(b, zoo, pick(rng, ("US", "GB", "DE")), "startup", "Robotics")
    _decoy(b, zoo, pick(rng, ("US", "GB", "FR")), "eval_startup", "Evaluation Labs")
    for _ in range(n_filler):
        b.company(pick(rng, ("GB", "US", "DE", "FR", "SG", "PL", "CZ")), "filler")
    return zoo


def legit_org_ids(zoo: ZooOrgs) -> list[str]:
    return sorted(o.org_id for o in zoo.world.orgs if o.campaign < 0)


def decoy_org_ids(zoo: ZooOrgs) -> list[str]:
    return sorted(o.org_id for o in zoo.decoys)
