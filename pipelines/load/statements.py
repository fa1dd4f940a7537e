"""Every write the loader makes, as named parameterised statements: ``UNWIND $rows`` + ``MERGE``
on the uniqueness-constrained key. The statements are spelled out once per label and
relationship type from the tables below (labels and property names are fixed identifiers of our
schema); values only ever travel as parameters."""

# Label → the property its uniqueness constraint is on (schemas/graph/001_constraints.cypher).
NODE_KEYS = {
    "Account": "account_id", "Email": "address", "Domain": "name", "Phone": "e164",
    "PaymentInstrument": "fingerprint", "BillingIdentity": "key", "IPAddress": "address",
    "Prefix": "cidr", "ASN": "number", "ProxyService": "name", "Organisation": "org_id",
    "UserAgent": "key", "Cluster": "cluster_id", "Campaign": "campaign_id",
    "ClusterEvent": "event_id",
}
# Relationship type → (start label, end label).
RELATIONSHIP_ENDS = {
    "HAS_EMAIL": ("Account", "Email"), "AT_DOMAIN": ("Email", "Domain"),
    "HAS_PHONE": ("Account", "Phone"), "PAYS_WITH": ("Account", "PaymentInstrument"),
    "BILLED_TO": ("PaymentInstrument", "BillingIdentity"),
    "SIGNED_UP_FROM": ("Account", "IPAddress"), "USED_IP": ("Account", "IPAddress"),
    "IN_PREFIX": ("IPAddress", "Prefix"), "ANNOUNCED_BY": ("Prefix", "ASN"),
    "EXIT_OF": ("Prefix", "ProxyService"), "USES_AGENT": ("Account", "UserAgent"),
    "DECLARES": ("Account", "Organisation"), "NAMES": ("BillingIdentity", "Organisation"),
    "REGISTERED_BY": ("Domain", "Organisation"), "WEBSITE_OF": ("Domain", "Organisation"),
    "OWNED_BY": ("Organisation", "Organisation"), "LINKED_TO": ("Account", "Account"),
    "IN_CLUSTER": ("Account", "Cluster"), "RECORDED": ("Run", "ClusterEvent"),
    "IN_CAMPAIGN": ("Account", "Campaign"), "PART_OF": ("Cluster", "Campaign"),
    "ATTRIBUTED_TO": ("Campaign", "Organisation"),
}
KEYS = {**NODE_KEYS, "Run": "run_id"}


def _match(variable: str, label: str, parameter: str) -> str:
    return f"MATCH ({variable}:{label} {{{KEYS[label]}: row.{parameter}}}) "


# Nodes: each row is {key, props}; a null in props removes that property.
NODE_STATEMENTS = {
    label: f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n += row.props"
    for label, key in NODE_KEYS.items()
}
# Properties on nodes another step created (attribution scores on clusters): never creates one.
SET_NODE_PROPERTIES = {
    label: f"UNWIND $rows AS row {_match('n', label, 'key')}SET n += row.props"
    for label in NODE_KEYS
}
DELETE_NODES = {
    label: f"UNWIND $rows AS row {_match('n', label, 'key')}DETACH DELETE n"
    for label in NODE_KEYS
}
# Relationships: each row is {source, target, props}; both ends are matched on their keys.
RELATIONSHIP_STATEMENTS = {
    rel: f"UNWIND $rows AS row {_match('s', start, 'source')}{_match('t', end, 'target')}"
    f"MERGE (s)-[r:{rel}]->(t) SET r += row.props"
    for rel, (start, end) in RELATIONSHIP_ENDS.items()
}

# The loader's own writes of an element: rows the difference knows to be new are CREATEd (no
# lookup of what cannot exist); changed rows are MERGEd. Datetimes travel as microseconds since
# the epoch in ``row.times`` and become DateTimes in Cypher: converting Python datetimes into
# Bolt values is the client's largest cost per row.
EPOCH_MICROS = ("CASE WHEN {v} IS NULL THEN null ELSE datetime({{epochSeconds: {v} / 1000000, "
                "nanosecond: {v} % 1000000 * 1000}}) END")


def _set_times(variable: str, times: tuple[str, ...]) -> str:
    return "".join(f", {variable}.{p} = " + EPOCH_MICROS.format(v=f"row.times.{p}")
                   for p in times)


def node_write(label: str, times: tuple[str, ...], create: bool) -> str:
    verb = "CREATE" if create else "MERGE"
    return (f"UNWIND $rows AS row {verb} (n:{label} {{{NODE_KEYS[label]}: row.key}}) "
            f"SET n += row.props{_set_times('n', times)}")


def relationship_write(rel_type: str, times: tuple[str, ...], create: bool) -> str:
    start, end = RELATIONSHIP_ENDS[rel_type]
    verb = "CREATE" if create else "MERGE"
    return (f"UNWIND $rows AS row {_match('s', start, 'source')}{_match('t', end, 'target')}"
            f"{verb} (s)-[r:{rel_type}]->(t) SET r += row.props{_set_times('r', times)}")


DELETE_RELATIONSHIPS = {
    rel: f"UNWIND $rows AS row MATCH (s:{start} {{{KEYS[start]}: row.source}})"
    f"-[r:{rel}]->(t:{end} {{{KEYS[end]}: row.target}}) DELETE r"
    for rel, (start, end) in RELATIONSHIP_ENDS.items()
}

# A snapshot's Run node; loaded_order numbers snapshots in the order they were first loaded.
RECORD_RUN = (
    "OPTIONAL MATCH (previous:Run) WITH count(previous) AS n "
    "MERGE (r:Run {run_id: $run_id}) ON CREATE SET r.loaded_order = n + 1 "
    "SET r.files = $files"
)

# The load state: a token shared by the graph and the loader's manifest in the work folder.
# When they differ (a new or restored database, another work folder), the manifest cannot be
# trusted and the loader rebuilds the identity graph from scratch.
READ_LOAD_TOKEN = "OPTIONAL MATCH (s:LoadState {name: $name}) RETURN s.token AS token"
WRITE_LOAD_TOKEN = "MERGE (s:LoadState {name: $name}) SET s.token = $token"
# Everything the loader owns except the run history (Run, ClusterEvent), in small transactions:
# every relationship touching an owned node, then the nodes. The relationships are scanned as
# such: reached from their nodes, Neo4j collected all of them before the first delete (an eager
# plan), past its transaction memory on a large graph.
WIPE_OWNED_RELATIONSHIPS = (
    "MATCH (a)-[r]->(b) WHERE any(l IN labels(a) + labels(b) WHERE l IN $labels) "
    "CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS"
)
WIPE_OWNED_NODES = (
    "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
    "CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS"
)
# Bulk import replaces the whole database: it is only done where nothing but the project's own
# labels lives, and the run history (Run, ClusterEvent, RECORDED) is read first and put back.
FOREIGN_NODES = ("MATCH (n) WHERE none(l IN labels(n) WHERE l IN $known) "
                 "RETURN count(n) AS nodes")
READ_HISTORY_NODES = {
    label: f"MATCH (n:{label}) RETURN properties(n) AS props" for label in ("Run", "ClusterEvent")
}
READ_HISTORY_RELATIONSHIPS = (
    "MATCH (r:Run)-[x:RECORDED]->(e:ClusterEvent) "
    "RETURN r.run_id AS source, e.event_id AS target, properties(x) AS props"
)
RESTORE_HISTORY_NODES = {
    label: f"UNWIND $rows AS row CREATE (n:{label}) SET n = row.props"
    for label in ("Run", "ClusterEvent")
}
# Attribution is rewritten whole each run: parents no longer ranked for a cluster go away.
SWEEP_ATTRIBUTIONS = (
    "MATCH (c:Campaign)-[r:ATTRIBUTED_TO]->(o:Organisation) "
    "WHERE NOT c.campaign_id + '|' + o.org_id IN $keep DELETE r"
)
COUNT_NODES = "MATCH (n) RETURN count(n) AS nodes"
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN count(r) AS relationships"

# Emptying a database (tests and benchmarks only): relationships first, in small transactions,
# so that deleting a hub node never needs one huge transaction.
WIPE_RELATIONSHIPS = "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS"
WIPE_NODES = "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS"
