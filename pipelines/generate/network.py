"""IP intelligence and address pools, all inside documentation / reserved ranges.

IPv4 198.18.0.0/15, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, carrier CGNAT in
100.64.0.0/10, IPv6 2001:db8::/32; ASNs private (64512-65534, 4200000000-4294967294).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import numpy as np

from pipelines.generate.fmt import ipv4, net_base
from pipelines.generate.orgs import OrgWorld
from pipelines.generate.presets import Preset

RESERVED = tuple(ipaddress.ip_network(c) for c in (
    "198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "100.64.0.0/10",
    "2001:db8::/32",
))
PROXY_SERVICES = {  # key -> (service name, operator org kind brand, base prefix)
    "kestrelink": ("Kestrelink Relay", "Kestrelink", "198.18.192.0/19"),
    "umbra": ("Umbraline Proxy", "Umbraline", "198.18.224.0/19"),
}
PROXY_COUNTRIES = ("US", "JP", "DE", "SG", "GB", "NL", "KR", "BR")
CAMPAIGN_HOSTING = (("203.0.113.0/25", "CN"), ("203.0.113.128/25", "CN"), ("192.0.2.0/25", "RU"),
                    ("192.0.2.128/25", "IR"))
ISPS = (("Brookmere Broadband", "GB"), ("Fennelnet Fibre", "US"), ("Altwasser Netz", "DE"),
        ("Ruelle Telecom", "FR"), ("Kiwistream Internet", "AU"), ("Maplecast Cable", "CA"))


def in_reserved(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    return any(addr.version == n.version and addr in n for n in RESERVED)


@dataclass
class Network:
    rows: list[dict] = field(default_factory=list)
    pools: dict[str, list[str]] = field(default_factory=dict)
    _asn: int = 64512
    _big_asn: int = 4_200_000_000

    def asn(self, big: bool = False) -> int:
        if big:
            self._big_asn += 7
            return self._big_asn
        self._asn += 1
        return self._asn

    def row(self, cidr, asn, as_org, country, usage, hosting=False, proxy=False, vpn=False,
            service="") -> None:
        self.rows.append({
            "cidr": cidr, "asn": str(asn), "as_org": as_org, "country": country,
            "usage_type": usage, "is_hosting": _b(hosting), "is_proxy": _b(proxy),
            "is_vpn": _b(vpn), "proxy_service": service,
        })


def _b(x: bool) -> str:
    return "true" if x else "false"


def _sample_hosts(rng, cidr: str, n: int, skip: int = 1) -> list[str]:
    net = ipaddress.ip_network(cidr)
    size = net.num_addresses - 2 * skip
    n = min(n, size)
    offs = np.sort(rng.choice(size, n, replace=False)) + skip
    return ipv4(net_base(cidr) + offs)


def build_network(p: Preset, ow: OrgWorld, rng: np.random.Generator) -> Network:
    nw = Network()
    # Residential ISPs: IPv4 /20s in 198.18.0.0/17 and IPv6 /36s.
    for i, (name, cc) in enumerate(ISPS):
        asn = nw.asn()
        nw.row(f"198.18.{i * 16}.0/20", asn, name, cc, "residential")
        nw.row(f"2001:db8:{(i + 1) * 0x1000:x}::/36", asn, name, cc, "residential")
    nw.row("198.51.100.0/25", nw.asn(), "Tunnelfox VPN", "NL", "hosting", hosting=True, vpn=True)
    nw.pools["vpn"] = _sample_hosts(rng, "198.51.100.0/25", 60)
    # Mobile carriers: CGNAT, thousands of users behind few addresses.
    for cidr, name, cc in (("100.64.0.0/11", "Telvora Mobile", "GB"),
                           ("100.96.0.0/11", "Quokka Wireless", "US")):
        nw.row(cidr, nw.asn(big=True), name, cc, "mobile_carrier")
    n_cg = max(16, p.n_cgnat // 12)
    nw.pools["cgnat"] = (_sample_hosts(rng, "100.64.0.0/11", n_cg // 2)
                         + _sample_hosts(rng, "100.96.0.0/11", n_cg - n_cg // 2))
    # Big-cloud egress: NAT gateways shared by unrelated developers.
    cloud = []
    for i, cc in enumerate(("US", "DE", "SG", "JP")):
        cidr = f"198.18.{128 + i * 16}.0/20"
        nw.row(cidr, 4_200_001_000, "Nimbusfield Cloud Ltd", cc, "hosting", hosting=True)
        cloud += _sample_hosts(rng, cidr, max(8, p.n_cloud_devs // 20))
    nw.pools["cloud"] = cloud
    # Proxy / reseller exits, mixing campaign and ordinary customers.
    for key, (service, brand, base) in PROXY_SERVICES.items():
        asn, net = nw.asn(), ipaddress.ip_network(base)
        exits = []
        per = max(24, min(1000, sum(c.n_accounts for c in p.campaigns) // 8))
        for j, sub in enumerate(net.subnets(new_prefix=22)):
            cc = PROXY_COUNTRIES[j % len(PROXY_COUNTRIES)]
            nw.row(str(sub), asn, f"{brand} Networks", cc, "proxy", hosting=j % 2 == 0,
                   proxy=True, service=service)
            exits += _sample_hosts(rng, str(sub), per)
        nw.pools[f"proxy:{key}"] = exits
    for ci, _spec in enumerate(p.campaigns):
        cidr, cc = CAMPAIGN_HOSTING[ci % len(CAMPAIGN_HOSTING)]
        nw.row(cidr, nw.asn(), f"{['Bluefin', 'Steppe', 'Qarlo', 'Dunmore'][ci % 4]} VPS Hosting",
               cc, "hosting", hosting=True)
        nw.pools[f"chost:{ci}"] = _sample_hosts(rng, cidr, 40)
    # Shared NATs of organisations: small prefixes with few addresses.
    slot = 0
    for kind, usage, hosts in (("university", "education", 12), ("corporate", "business", 6),
                               ("startup", "business", 4), ("coworking", "business", 4),
                               ("reseller_customer", "business", 2)):
        for org in ow.kind(kind):
            cidr = f"198.19.{slot // 8}.{(slot % 8) * 32}/27"
            slot += 1
            nw.row(cidr, nw.asn(), f"{org.legal_name} Network", org.country, usage)
            nw.pools[f"nat:{org.org_id}"] = _sample_hosts(rng, cidr, hosts)
    nw.rows.sort(key=lambda r: (ipaddress.ip_network(r["cidr"]).version,
                                ipaddress.ip_network(r["cidr"])))
    return nw


def residential_ips(rng: np.random.Generator, n: int, start: int = 0) -> list[str]:
    """``n`` residential addresses: 30 % IPv4 (reused sometimes), 70 % unique IPv6.

    ``start`` keeps IPv6 addresses unique across successive calls.
    """
    v4 = rng.random(n) < 0.3
    isp = rng.integers(0, len(ISPS), n)
    out = np.empty(n, dtype=object)
    k4 = int(v4.sum())
    host = rng.integers(1, 4095, k4)
    out[v4] = ipv4(net_base("198.18.0.0/15") + isp[v4] * 4096 + host)
    idx = np.arange(start, start + n)[~v4]
    prefix = (isp[~v4] + 1) * 0x1000 + (idx >> 16) % 0x1000
    hosts = rng.integers(1, 2**32, len(idx))
    out[~v4] = [f"2001:db8:{pr:x}:{s:x}::{h >> 16:x}:{h & 0xFFFF:x}" for pr, s, h in
                zip(prefix.tolist(), (idx & 0xFFFF).tolist(), hosts.tolist(), strict=True)]
    return out.tolist()
