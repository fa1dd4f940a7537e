"""The words of a case: feature and evidence names, what a confidence means, the recommended
action and counter-evidence sentences."""

from __future__ import annotations

import subprocess
from importlib import metadata

from pipelines.report.model import ClusterFinding, Organisation
from pipelines.settings import PROJECT_ROOT

FEATURES = {
    "many_small_accounts": "Many active accounts, each kept under the daily rate limit",
    "extraction_excess": "More requests in extraction-prone categories (chain-of-thought "
                         "elicitation, reasoning traces, tool use) than the typical account",
    "operator_coherence": "Accounts alike as one operator's are (created together, one tier "
                          "and funding, one prompt mix and schedule), unlike a crowd",
    "synchronised_activity": "Accounts active in the same few minutes (a shared scheduler)",
    "creation_burst": "Accounts created in one 24-hour burst",
    "anonymised_network_share": "Share of requests through proxy, VPN or hosting exits",
    "unsupported_region_share": "Accounts declaring or paying from regions the service is not "
                                "offered in",
    "release_burst": "Bursts of requests right after model releases",
    "disposable_or_voip_share": "Disposable mail addresses or VOIP phone numbers",
    "lookalike_share": "Email addresses or names written with look-alike letters from another "
                       "script",
}
EVIDENCE_KINDS = {
    "billing_identity": "Billing identity named for the organisation",
    "email_domain_registrant": "Email domain registered by the organisation",
    "email_domain_website": "Email domain that is the organisation's website",
    "registrant_email_website": "Email domains registered from the organisation's own domain",
    "declared_organisation": "Organisation declared at sign-up",
    "partner_indicator": "Indicator shared by an industry partner",
}


def pipeline_version() -> str:
    """The package version and, in a git checkout, the commit it runs from."""
    try:
        version = metadata.version("distillation-attribution")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=5, check=True)
        return f"{version} (commit {commit.stdout.strip()})"
    except (OSError, subprocess.SubprocessError):
        return version


def confidence_meaning(confidence: float, clusters: list[ClusterFinding]) -> str:
    """What the confidence says: the parent's share of all the support among candidates, times
    how much of the cluster the evidence covers (full once it covers half the accounts)."""
    if not clusters:
        return ("No cluster reaches the confidence needed to act; the attribution is a lead, "
                "not a finding.")
    weakest = min(clusters, key=lambda c: c.confidence)
    band = ("very strong" if confidence >= 0.95 else "strong" if confidence >= 0.8
            else "moderate" if confidence >= 0.5 else "weak")
    return (f"{band}: the lowest of the case's {len(clusters)} cluster(s). For "
            f"{weakest.cluster_id}, {weakest.leader_share:.0%} of the evidence support among "
            f"all candidate parents points at this parent, and the evidence covers "
            f"{weakest.coverage:.0%} of its accounts (full weight from 50 %). Confidence is the "
            "product of the two; the README's reliability table shows how often attributions "
            "at each confidence named the true parent on generated worlds.")


def recommended_action(parent: Organisation, strong: list[ClusterFinding],
                       weak: list[ClusterFinding], threshold: float, accounts: int) -> str:
    if not strong:
        return (f"Do not enforce. No cluster is attributed to {parent.legal_name} with "
                f"confidence {threshold:.2f} or more; investigate the weak clusters listed "
                "below before any action.")
    text = (f"Suspend the {accounts:,} accounts listed in the appendix (the enforcement list of "
            f"this case), preserve this report and its input files (hashes below), and notify "
            f"the legal team before contacting {parent.legal_name.rstrip('.')}.")
    if weak:
        text += (f" {len(weak)} weaker cluster(s) are not part of this action; they need "
                 "review first.")
    return text


def conflict_sentence(cluster_id: str, item: dict, orgs: dict[str, Organisation]) -> str:
    """One item of the attribution's conflicting evidence, in words."""
    name = lambda o: orgs[o].label if o in orgs else str(o)  # noqa: E731
    if "intermediary" in item:
        return (f"{item['accounts']} account(s) of {cluster_id} reach {name(item['intermediary'])}"
                ", a proxy or hosting provider whose exits the campaign used: an intermediary, "
                "seen through and never named as the parent.")
    if "minority_owner" in item:
        return (f"{name(item['minority_owner'])} holds a minority stake "
                f"({item['percentage']:.0f} %) in {name(item['of'])}: reported, not climbed, "
                "because it gives no control.")
    if "competing_candidate" in item:
        return (f"For {cluster_id}, {name(item['competing_candidate'])} is a competing candidate "
                f"with support {item['support']:.3f}; it is ranked below this parent.")
    return f"{cluster_id}: " + "; ".join(f"{k} {v}" for k, v in item.items())
