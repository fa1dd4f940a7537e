"""Email addresses: case, Unicode/IDNA, provider rules (dots, +tags), registrable domain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import idna
import tldextract
import yaml

from pipelines.normalise.text import clean, is_mixed_script_evasion, skeleton
from pipelines.settings import PROJECT_ROOT

PROVIDERS_FILE = PROJECT_ROOT / "schemas" / "reference" / "mail_providers.yaml"
# Letters and digits of any script (internationalised addresses, RFC 6531) and the specials.
LOCAL_PART = re.compile(r"^[\w!#$%&'*+/=?^`{|}~.-]{1,64}$")
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class EmailKey:
    address: str
    local: str
    domain: str
    registrable_domain: str
    is_public_provider: bool
    is_disposable: bool
    confusable: bool = False  # written with look-alike letters from another script


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled Public Suffix List snapshot, private suffixes on; never fetched from the network.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


@cache
def _reference() -> tuple[dict[str, dict], frozenset[str]]:
    """Public providers and their mailbox rules from the reference file; disposable domains from
    the maintained ``disposable-email-domains`` list plus the file's own additions."""
    from disposable_email_domains import blocklist

    data = yaml.safe_load(PROVIDERS_FILE.read_text(encoding="utf-8"))
    providers = {}
    for group in data.get("providers", []):
        rules = {k: v for k, v in group.items() if k != "domains"}
        providers.update(dict.fromkeys(group["domains"], rules))
    return providers, frozenset(blocklist) | frozenset(data.get("disposable", []))


def normalise_domain(raw: object) -> str | None:
    """Lower-case ASCII (punycode) domain with valid labels, or None."""
    return _normalise_domain_text(clean(raw).casefold().rstrip("."))


@lru_cache(maxsize=1 << 18)  # one domain is written by many rows of many tables
def _normalise_domain_text(text: str) -> str | None:
    if is_mixed_script_evasion(text):
        text = skeleton(text)  # "gооgle.com" with Cyrillic o's is read as the name it imitates
    if not text or " " in text or len(text) > 253:
        return None
    if text.isascii() and not any(label[2:4] == "--" for label in text.split(".")):
        ascii_name = text  # plain letters, digits and hyphens: nothing for IDNA to map or check
    else:
        try:
            ascii_name = idna.encode(text, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            return None
    labels = ascii_name.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels):
        return None
    return ascii_name


def registrable_domain(domain: str | None) -> str | None:
    """The registrable domain (eTLD+1) by the bundled Public Suffix List, or None."""
    if not domain:
        return None
    parts = _extractor()(domain)
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}"


def normalise_email(raw: object) -> EmailKey | None:
    """The canonical mailbox of an address, or None when it is not an address. Look-alike
    letters from other scripts are read as the ASCII letters they imitate (and flagged), so
    ``pаypal@`` with a Cyrillic 'а' is the same mailbox key as ``paypal@``."""
    return _normalise_address(clean(raw))


@lru_cache(maxsize=1 << 18)  # ingestion checks an address, normalisation reads it again
def _normalise_address(text: str) -> EmailKey | None:
    if text.count("@") != 1:
        return None
    local, _, domain_raw = text.rpartition("@")
    confusable = is_mixed_script_evasion(local) or is_mixed_script_evasion(domain_raw)
    domain = normalise_domain(domain_raw)
    local = skeleton(local)
    if not domain or not LOCAL_PART.match(local) or local.startswith(".") or ".." in local:
        return None
    providers, disposable = _reference()
    rules = providers.get(domain)
    if rules and rules.get("plus_tags") and "+" in local:
        local = local.split("+", 1)[0] or local
    if rules and rules.get("minus_tags") and "-" in local:
        local = local.split("-", 1)[0] or local
    if rules and rules.get("ignore_dots"):
        local = local.replace(".", "") or local
    registrable = registrable_domain(domain) or domain
    return EmailKey(
        address=f"{local}@{domain}",
        local=local,
        domain=domain,
        registrable_domain=registrable,
        is_public_provider=rules is not None,
        is_disposable=domain in disposable or registrable in disposable,
        confusable=confusable,
    )
