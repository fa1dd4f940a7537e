"""IP intelligence and address pools of a zoo world, inside documentation and reserved ranges
(see :mod:`pipelines.generate.network`): residential ISPs, a VPN, two carriers' CGNAT, big-cloud
egress, two proxy resellers whose exits carry campaigns and ordinary customers alike, each
campaign's rented hosting (IPv4 and IPv6), and the small NATs of organisations."""

from __future__ import annotations

import ipaddress

import numpy as np

from pipelines.generate.network import ISPS, Network, _sample_hosts
from pipelines.generate.zoo.orgs import ZooOrgs
from pipelines.generate.zoo.variants import ipv4_forms, ipv6_forms

RESELLERS = {  # pool key -> (service name, AS name, base prefix, AS org in the registry)
    "proxy:kestrelink": ("Kestrelink Relay", "Kestrelink Networks", "198.18.192.0/19"),
    "proxy:umbra": ("Umbraline Proxy", "Umbraline Networks", "198.18.224.0/19"),
}
PROXY_COUNTRIES = ("US", "JP", "DE", "SG", "GB", "NL", "KR", "BR")
NAT_HOSTS = {"university": 12, "startup": 3, "eval_startup": 4, "coworking": 4,
             "reseller_customer": 2, "minority_holding": 3}


def _residential(nw: Network) -> None:
    for i, (name, cc) in enumerate(ISPS):
        asn = nw.asn()
        nw.row(f"198.18.{i * 16}.0/20", asn, name, cc, "residential")
        nw.row(f"2001:db8:{(i + 1) * 0x1000:x}::/36", asn, name, cc, "residential")


def _carriers_and_cloud(nw: Network, rng: np.random.Generator, n_cgnat: int,
                        n_cloud: int) -> None:
    nw.row("198.51.100.0/25", nw.asn(), "Tunnelfox VPN", "NL", "hosting", hosting=True, vpn=True)
    nw.pools["vpn"] = _sample_hosts(rng, "198.51.100.0/25", 60)
    for cidr, name, cc in (("100.64.0.0/11", "Telvora Mobile", "GB"),
                           ("100.96.0.0/11", "Quokka Wireless", "US")):
        nw.row(cidr, nw.asn(big=True), name, cc, "mobile_carrier")
    hosts = max(16, n_cgnat // 25)  # thousands of subscribers behind a few dozen addresses
    nw.pools["cgnat"] = (_sample_hosts(rng, "100.64.0.0/11", hosts // 2)
                         + _sample_hosts(rng, "100.96.0.0/11", hosts - hosts // 2))
    cloud = []
    for i, cc in enumerate(("US", "DE", "SG", "JP")):
        cidr = f"198.18.{128 + i * 16}.0/20"
        nw.row(cidr, 4_200_001_000, "Nimbusfield Cloud Ltd", cc, "hosting", hosting=True)
        cloud += _sample_hosts(rng, cidr, max(8, n_cloud // 40))
    nw.pools["cloud"] = cloud


def _resellers(nw: Network, rng: np.random.Generator, exits_per_subnet: int) -> None:
    for key, (service, as_name, base) in RESELLERS.items():
        asn, exits = nw.asn(), []
        for j, sub in enumerate(ipaddress.ip_network(base).subnets(new_prefix=22)):
            nw.row(str(sub), asn, as_name, PROXY_COUNTRIES[j % len(PROXY_COUNTRIES)], "proxy",
                   hosting=j % 2 == 0, proxy=True, service=service)
            exits += _sample_hosts(rng, str(sub), exits_per_subnet)
        nw.pools[key] = exits


def _campaign_hosting(nw: Network, rng: np.random.Generator, n_campaigns: int,
                      ipv6_written: list[bool]) -> None:
    """Per campaign a /28 of 203.0.113.0/24 or 192.0.2.0/24 and a /48 of IPv6; with the
    ``ipv6_forms`` tactic every IPv6 address enters the pool in several spellings."""
    names = ("Bluefin", "Steppe", "Qarlo", "Dunmore", "Ravelin", "Sorrow", "Tindal", "Wexford")
    for ci in range(n_campaigns):
        base = ("203.0.113", "192.0.2")[ci // 16 % 2]
        cidr = f"{base}.{(ci % 16) * 16}/28"
        v6 = f"2001:db8:f{ci:03x}::/48"
        asn = nw.asn()
        as_org = f"{names[ci % len(names)]} VPS Hosting"
        nw.row(cidr, asn, as_org, "SG", "hosting", hosting=True)
        nw.row(v6, asn, as_org, "SG", "hosting", hosting=True)
        v4 = _sample_hosts(rng, cidr, 12)
        hosts = rng.integers(1, 2**63, 24).tolist()
        v6_hosts = [str(ipaddress.IPv6Address(int(ipaddress.ip_network(v6).network_address)
                                              + (h & (2**64 - 1)))) for h in hosts]
        if ipv6_written[ci]:
            nw.pools[f"chost:{ci}"] = ([f for ip in v4 for f in ipv4_forms(ip)]
                                       + [f for ip in v6_hosts for f in ipv6_forms(ip)])
        else:
            nw.pools[f"chost:{ci}"] = v4 + v6_hosts


def _org_nats(nw: Network, rng: np.random.Generator, zoo: ZooOrgs) -> None:
    slot = 0
    for kind, hosts in NAT_HOSTS.items():
        usage = "education" if kind == "university" else "business"
        for org in zoo.kind(kind):
            cidr = f"198.19.{slot // 8}.{(slot % 8) * 32}/27"
            slot += 1
            nw.row(cidr, nw.asn(), f"{org.legal_name} Network", org.country, usage)
            nw.pools[f"nat:{org.org_id}"] = _sample_hosts(rng, cidr, hosts)


def build_zoo_network(rng: np.random.Generator, zoo: ZooOrgs, n_cgnat: int, n_cloud: int,
                      n_proxy_users: int, ipv6_written: list[bool]) -> Network:
    nw = Network()
    _residential(nw)
    _carriers_and_cloud(nw, rng, n_cgnat, n_cloud)
    _resellers(nw, rng, max(24, min(900, n_proxy_users // 6)))
    _campaign_hosting(nw, rng, len(ipv6_written), ipv6_written)
    _org_nats(nw, rng, zoo)
    nw.rows.sort(key=lambda r: (ipaddress.ip_network(r["cidr"]).version,
                                ipaddress.ip_network(r["cidr"])))
    return nw
