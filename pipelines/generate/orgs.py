"""Organisations, ownership and organisation domains: campaign trees and legitimate companies."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipelines.generate import names as N
from pipelines.generate.fmt import pick
from pipelines.generate.presets import Preset


@dataclass
class Org:
    org_id: str
    legal_name: str
    aliases: list[str]
    country: str
    registration_number: str
    website_domain: str
    kind: str  # parent, holding, front, startup, university, corporate, reseller, ...
    campaign: int = -1  # index of the campaign whose tree it belongs to
    brand: str = ""
    city: str = ""

    @property
    def names(self) -> list[str]:
        return [self.legal_name, *self.aliases]


@dataclass
class OrgWorld:
    orgs: list[Org] = field(default_factory=list)
    ownership: list[dict] = field(default_factory=list)
    parents: list[Org] = field(default_factory=list)  # per campaign
    fronts: list[list[Org]] = field(default_factory=list)  # per campaign
    by_kind: dict[str, list[Org]] = field(default_factory=dict)

    def kind(self, kind: str) -> list[Org]:
        return self.by_kind.get(kind, [])


class _Builder:
    def __init__(self, rng: np.random.Generator, world: OrgWorld):
        self.rng = rng
        self.w = world
        self.used_ids: set[int] = set()
        self.used_domains: set[str] = set()

    def new_id(self, country: str) -> str:
        while True:
            n = int(self.rng.integers(1, 999_999))
            if n not in self.used_ids:
                self.used_ids.add(n)
                return f"ORG-{country}-{n:06d}"

    def domain(self, stem: str, tlds) -> str:
        stem = stem.lower().replace(" ", "-")
        for i in range(100):
            d = f"{stem}{'' if i == 0 else i + 1}.{pick(self.rng, tlds)}"
            if d not in self.used_domains:
                self.used_domains.add(d)
                return d
        raise RuntimeError("domain space exhausted")

    def regno(self, country: str) -> str:
        r = self.rng
        if country == "CN":
            return "91" + "".join(str(x) for x in r.integers(0, 10, 14)) + "XY"
        if country == "RU":
            return "1" + "".join(str(x) for x in r.integers(0, 10, 12))
        return f"{country}{int(r.integers(10_000_000, 99_999_999))}"

    def add(self, legal, aliases, country, kind, stem=None, tlds=N.LEGIT_TLDS, **kw) -> Org:
        dom = self.domain(stem, tlds) if stem else ""
        org = Org(self.new_id(country), legal, aliases, country, self.regno(country), dom, kind,
                  **kw)
        self.w.orgs.append(org)
        self.w.by_kind.setdefault(kind, []).append(org)
        return org

    def own(self, child: Org, parent: Org, pct: float | None, rel: str) -> None:
        self.w.ownership.append({
            "child_org_id": child.org_id, "parent_org_id": parent.org_id,
            "percentage": "" if pct is None else f"{pct:.1f}", "relationship": rel,
            "source": pick(self.rng, ("registry-extract-2026-06", "registry-extract-2026-05",
                                      "filings-review-2026-Q2")),
        })

    def western(self) -> str:
        return pick(self.rng, N.WEST_PREFIX) + pick(self.rng, N.WEST_SUFFIX)

    # ---- company name families -------------------------------------------------------------
    def cn_company(self, kind: str, campaign: int, suffix_en="", suffix_zh="") -> Org:
        r = self.rng
        a, b = (N.CN_BRAND[i] for i in r.choice(len(N.CN_BRAND), 2, replace=False))
        brand, brand_zh = (a[0] + b[0]).capitalize(), a[1] + b[1]
        city, city_zh = pick(r, N.CN_CITIES)
        ind, short, ind_zh = pick(r, N.CN_INDUSTRY)
        legal = f"{city} {brand} {ind}{suffix_en} Co., Ltd."
        abbr = "".join(w[0] for w in (a[0], b[0])).upper()
        aliases = [f"{brand} {short} ({city})", f"{city_zh}{brand_zh}{ind_zh}{suffix_zh}有限公司",
                   f"{abbr} {short}", f"{brand_zh}{ind_zh}"]
        return self.add(legal, aliases, "CN", kind, stem=f"{brand}-{short}", tlds=N.CAMPAIGN_TLDS,
                        campaign=campaign, brand=brand, city=city)

    def ru_company(self, kind: str, campaign: int, form="LLC", form_ru="ООО") -> Org:
        r = self.rng
        (a, ac), (b, bc) = (N.RU_WORDS[i] for i in r.choice(len(N.RU_WORDS), 2, replace=False))
        ind, ind_ru = pick(r, N.RU_INDUSTRY)
        brand, brand_ru = a + b.lower(), ac + bc.lower()
        legal = f'{form} "{brand} {ind}"'
        aliases = [f"{form_ru} «{brand_ru} {ind_ru}»", f"{brand} {ind} {form_ru.replace('О', 'O')}",
                   f"{a[0]}{b[0]} {ind}"]
        return self.add(legal, aliases, "RU", kind, stem=f"{brand}-{ind}", tlds=N.CAMPAIGN_TLDS,
                        campaign=campaign, brand=brand, city="Moscow")

    def offshore(self, kind: str, campaign: int, country: str) -> Org:
        brand = self.western()
        form = {"SG": "Pte. Ltd.", "US": "LLC", "HK": "Limited", "AE": "FZ-LLC",
                "MY": "Sdn. Bhd."}[country]
        k = pick(self.rng, N.WEST_KIND)
        legal = f"{brand} {k} {form}"
        aliases = [f"{brand} {k}", f"{brand.upper()} {k.upper()}", brand]
        return self.add(legal, aliases, country, kind, stem=f"{brand}-{k}", campaign=campaign,
                        brand=brand)


def _campaign_tree(b: _Builder, ci: int, spec) -> None:
    r = b.rng
    zh = spec.script == "zh"
    if zh:
        parent = b.cn_company("parent", ci, " Group", "集团")
        holding = b.add(f"{parent.brand} Holdings (Hong Kong) Limited",
                        [f"{parent.brand} HK", f"{parent.aliases[3][:2]}控股(香港)有限公司"],
                        "HK", "holding", campaign=ci, brand=parent.brand)
    else:
        parent = b.ru_company("parent", ci, "JSC", "АО")
        holding = b.add(f"{parent.brand} Holdings Ltd", [f"{parent.brand} Holdings"], "CY",
                        "holding", campaign=ci, brand=parent.brand)
    sub = b.offshore("holding", ci, "SG")
    b.own(holding, parent, 100.0, "subsidiary")
    b.own(sub, holding, float(r.choice([60.0, 75.0, 100.0])), "shareholder")
    fronts = []
    countries = ["SG", "US", "HK", "MY"] if zh else ["AE", "US"]
    for depth in (1, 2, 3, 2):
        if zh and depth == 1:
            front = b.cn_company("front", ci)
        elif not zh and depth == 1:
            front = b.ru_company("front", ci)
        else:
            front = b.offshore("front", ci, countries[len(fronts) % len(countries)])
        up = {1: parent, 2: holding, 3: sub}[depth]
        pct, rel = pick(r, ((100.0, "subsidiary"), (51.0, "shareholder"), (None, "branch"),
                            (80.0, "subsidiary")))
        b.own(front, up, pct, rel)
        fronts.append(front)
        if not zh and len(fronts) == 3:
            break
    b.w.parents.append(parent)
    b.w.fronts.append(fronts)


def build_orgs(preset: Preset, rng: np.random.Generator) -> OrgWorld:
    w = OrgWorld()
    b = _Builder(rng, w)
    for ci, spec in enumerate(preset.campaigns):
        _campaign_tree(b, ci, spec)
    # Legitimate world.
    startup = b.western()
    b.add(f"{startup} Evaluation Labs Inc.", [f"{startup} Labs", f"{startup} Eval"], "US",
          "startup", stem=f"{startup}-labs", brand=startup)
    uni_forms = (("University of {}", "GB", "ac.uk"), ("{} Institute of Technology", "US", "edu"),
                 ("Universität {}", "DE", "de"), ("{} University", "AU", "edu.au"))
    for i in range(preset.n_universities):
        form, country, tld = uni_forms[i % len(uni_forms)]
        brand = b.western()
        b.add(form.format(brand), [f"{brand} Uni", brand.upper()[:4] + "U"], country,
              "university", stem=brand, tlds=(tld,), brand=brand)
    for _ in range(preset.n_corporates):
        brand, k = b.western(), pick(rng, N.WEST_KIND)
        country, form = pick(rng, (("DE", "GmbH"), ("GB", "Ltd"), ("US", "Inc."), ("FR", "SAS"),
                                    ("JP", "K.K.")))
        b.add(f"{brand} {k} {form}", [f"{brand} {k}", brand], country, "corporate",
              stem=brand, brand=brand)
    corps = w.kind("corporate")
    if len(corps) >= 2:
        jv = b.add(f"{corps[0].brand}-{corps[1].brand} Joint Venture Ltd.",
                   [f"{corps[0].brand[:3]}{corps[1].brand[:3]} JV"], "GB", "corporate",
                   stem=f"{corps[0].brand}-{corps[1].brand}", brand=corps[0].brand)
        b.own(jv, corps[0], 50.0, "joint_venture")
        b.own(jv, corps[1], 50.0, "joint_venture")
        sub = b.add(f"{corps[0].brand} Services Ltd", [f"{corps[0].brand} Svc"], "IE",
                    "corporate", stem=f"{corps[0].brand}-services", brand=corps[0].brand)
        b.own(sub, corps[0], 100.0, "subsidiary")
    b.add("Kestrelink Relay Networks Pte. Ltd.", ["Kestrelink Relay", "Kestrelink"], "SG",
          "reseller", stem="kestrelink-relay", brand="Kestrelink")
    b.add("Umbraline Proxy Network OÜ", ["Umbraline Proxy", "Umbraline"], "EE", "reseller",
          stem="umbraline-proxy", brand="Umbraline")
    for _ in range(max(3, preset.n_reseller_customers // 60)):
        brand = b.western()
        b.add(f"{brand} Ad Verification Ltd", [f"{brand} AdVerify"], "GB", "reseller_customer",
              stem=f"{brand}-adverify", brand=brand)
    b.add("Hivewell Coworking Pte. Ltd.", ["Hivewell"], "SG", "coworking", stem="hivewell-cowork",
          brand="Hivewell")
    for _ in range(preset.n_coworking_tenants):
        brand, k = b.western(), pick(rng, N.WEST_KIND)
        b.add(f"{brand} {k} Pte. Ltd.", [f"{brand} {k}"], "SG", "tenant", stem=f"{brand}-{k}",
              brand=brand)
    # Traps: a legitimate lookalike of each campaign parent, minority-owned by it.
    for ci, parent in enumerate(w.parents):
        legal = (f"{parent.city} {parent.brand} Foods Co., Ltd." if parent.country == "CN"
                 else f'LLC "{parent.brand} Agro"')
        look = b.add(legal, [f"{parent.brand} Foods"], parent.country, "lookalike",
                     stem=f"{parent.brand}-foods", brand=parent.brand)
        b.own(look, parent, float(rng.choice([12.5, 20.0, 35.0])), "shareholder")
        investor = corps[ci % len(corps)] if corps else look
        b.own(w.fronts[ci][-1], investor, float(rng.choice([8.0, 15.0])), "shareholder")
    for _ in range(preset.n_filler_orgs):
        brand, k = b.western(), pick(rng, N.WEST_KIND)
        country = pick(rng, ("GB", "US", "DE", "FR", "NL", "SG", "JP", "CA"))
        org = b.add(f"{brand} {k} Holdings" if rng.random() < 0.2 else f"{brand} {k}",
                    [brand], country, "filler", stem=f"{brand}-{k}", brand=brand)
        fillers = w.kind("filler")
        if len(fillers) > 3 and rng.random() < 0.3:
            up = fillers[int(rng.integers(0, len(fillers) - 1))]
            pct = float(rng.choice([100.0, 70.0, 30.0, 10.0]))
            b.own(org, up, pct, "subsidiary" if pct > 50 else "shareholder")
    return w


def org_rows(w: OrgWorld) -> list[dict]:
    return [{"org_id": o.org_id, "legal_name": o.legal_name, "aliases": "|".join(o.aliases),
             "country": o.country, "registration_number": o.registration_number,
             "website_domain": o.website_domain} for o in w.orgs]


def legit_org_ids(w: OrgWorld) -> list[str]:
    return sorted(o.org_id for o in w.orgs if o.campaign < 0)
