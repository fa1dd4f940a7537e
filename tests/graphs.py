"""Read a whole (test-sized) graph back as plain, sorted data so two graphs can be compared."""

from __future__ import annotations

from neo4j import Driver, GraphDatabase

HISTORY = {"Run", "ClusterEvent", "LoadState"}  # how a graph was reached, not what it says
# Properties as [key, value] pairs, a temporal value as its type and ISO text (lossless, and
# never equal to a string property): the driver's conversion of every DateTime into a Python
# object was half of a dump's time.
_PROPS = ("[k IN keys({v}) | [k, CASE WHEN {v}[k] IS :: ZONED DATETIME | LOCAL DATETIME | DATE "
          "| ZONED TIME | LOCAL TIME | DURATION THEN [valueType({v}[k]), toString({v}[k])] "
          "ELSE {v}[k] END]]")
NODES = "MATCH (n) RETURN labels(n)[0] AS label, " + _PROPS.format(v="n") + " AS props"
# Each end by its label and key; the key properties of our schema, whichever the label has.
_KEY = ("coalesce({v}.account_id, {v}.address, {v}.name, {v}.e164, {v}.fingerprint, {v}.key, "
        "{v}.cidr, {v}.number, {v}.org_id, {v}.cluster_id, {v}.campaign_id, {v}.event_id, "
        "{v}.run_id)")
RELATIONSHIPS = (
    "MATCH (s)-[r]->(t) RETURN labels(s)[0] AS start, " + _KEY.format(v="s") + " AS source, "
    "type(r) AS type, " + _PROPS.format(v="r") + " AS props, labels(t)[0] AS end, "
    + _KEY.format(v="t")
    + " AS target"
)
MEMBERS = ("MATCH (a:Account)-[:IN_CLUSTER|IN_CAMPAIGN]->(c:Cluster|Campaign) "
           "RETURN coalesce(c.cluster_id, c.campaign_id) AS cluster, "
           "min(a.account_id) AS first_member, labels(c)[0] AS label")
GROUP_KEYS = {"Cluster": "cluster_id", "Campaign": "campaign_id"}
# How many accounts reach an identifier along the library queries' routes, counted by Neo4j: what
# the loader stores as ``accounts_sharing``.
IDENTIFIER_LABELS = ("Email|Domain|Phone|PaymentInstrument|BillingIdentity|IPAddress|UserAgent|"
                     "Organisation")
SHARING_COUNT = ("COUNT { MATCH (s:Account)-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|BILLED_TO|"
                 "SIGNED_UP_FROM|USED_IP|USES_AGENT|DECLARES]->{1,2}(x) RETURN DISTINCT s }")
STORED_AND_COUNTED_SHARING = (f"MATCH (x:{IDENTIFIER_LABELS}) RETURN elementId(x) AS id, "
                              f"x.accounts_sharing AS stored, {SHARING_COUNT} AS counted")
# A hand-built test graph's identifiers (marked) get the count the loader would have stored.
STORE_SHARING_OF_MARKED = (f"MATCH (x:{IDENTIFIER_LABELS} {{test_marker: $marker}}) "
                           f"SET x.accounts_sharing = {SHARING_COUNT}")


def _freeze(value: object) -> object:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return repr(value)


def graph_dump(driver: Driver, database: str = "neo4j", name_clusters_by_members: bool = False
               ) -> dict[str, list]:
    """Every node and relationship outside the run history, with all properties. Cluster and
    campaign ids can be replaced by the group's first member: two runs that reached the same
    groups by different histories name them differently, and that is not a difference in the
    graph."""
    rename: dict[str, str] = {}
    if name_clusters_by_members:
        records, _, _ = driver.execute_query(MEMBERS, database_=database)
        rename = {r["cluster"]: f"{r['label'].lower()}-of-{r['first_member']}" for r in records}

    def key(label: str, value: object) -> object:
        return rename.get(value, value) if label in GROUP_KEYS else value

    def node_props(label: str, props: dict) -> dict:
        field = GROUP_KEYS.get(label)
        if field and field in props:
            props = {**props, field: rename.get(props[field], props[field])}
        return props

    nodes, _, _ = driver.execute_query(NODES, database_=database)
    relationships, _, _ = driver.execute_query(RELATIONSHIPS, database_=database)
    return {
        "nodes": sorted(_freeze([r["label"], node_props(r["label"], dict(r["props"]))])
                        for r in nodes if r["label"] not in HISTORY),
        "relationships": sorted(
            _freeze([r["type"], key(r["start"], r["source"]), key(r["end"], r["target"]),
                     dict(r["props"])])
            for r in relationships if r["start"] not in HISTORY and r["end"] not in HISTORY),
    }


def differences(left: dict[str, list], right: dict[str, list], limit: int = 5) -> list[str]:
    """A few rows present in one dump and not the other (empty when the graphs are equal)."""
    out = []
    for part in ("nodes", "relationships"):
        a, b = set(left[part]), set(right[part])
        out += [f"{part} only in the first: {x}" for x in sorted(a - b)[:limit]]
        out += [f"{part} only in the second: {x}" for x in sorted(b - a)[:limit]]
    return out


def forget_bookmarks(driver: Driver) -> None:
    """An import starts the database's transaction ids anew, so a driver that lived through it
    must drop the bookmarks it holds, or its next query waits for a transaction id that will
    not come for a long time (the pipeline opens a driver per step and never meets this; the
    test session's driver does). The driver has no public setter for it."""
    driver._query_bookmark_manager = GraphDatabase.bookmark_manager()
