"""Every write the loader makes, as named parameterised constants: ``UNWIND $rows`` + ``MERGE``
on the uniqueness-constrained key. Values only ever travel as parameters."""

# Nodes: each row is {key, props}.
NODE_STATEMENTS = {
    "Account": "UNWIND $rows AS row MERGE (n:Account {account_id: row.key}) SET n += row.props",
    "Email": "UNWIND $rows AS row MERGE (n:Email {address: row.key}) SET n += row.props",
    "Domain": "UNWIND $rows AS row MERGE (n:Domain {name: row.key}) SET n += row.props",
    "Phone": "UNWIND $rows AS row MERGE (n:Phone {e164: row.key}) SET n += row.props",
    "PaymentInstrument": "UNWIND $rows AS row MERGE (n:PaymentInstrument {fingerprint: row.key}) "
    "SET n += row.props",
    "BillingIdentity": "UNWIND $rows AS row MERGE (n:BillingIdentity {key: row.key}) "
    "SET n += row.props",
    "IPAddress": "UNWIND $rows AS row MERGE (n:IPAddress {address: row.key}) SET n += row.props",
    "Prefix": "UNWIND $rows AS row MERGE (n:Prefix {cidr: row.key}) SET n += row.props",
    "ASN": "UNWIND $rows AS row MERGE (n:ASN {number: row.key}) SET n += row.props",
    "ProxyService": "UNWIND $rows AS row MERGE (n:ProxyService {name: row.key}) SET n += row.props",
    "Organisation": "UNWIND $rows AS row MERGE (n:Organisation {org_id: row.key}) "
    "SET n += row.props",
    "UserAgent": "UNWIND $rows AS row MERGE (n:UserAgent {key: row.key}) SET n += row.props",
    "Cluster": "UNWIND $rows AS row MERGE (n:Cluster {cluster_id: row.key}) SET n += row.props",
    "ClusterEvent": "UNWIND $rows AS row MERGE (n:ClusterEvent {event_id: row.key}) "
    "SET n += row.props",
}

# A snapshot's Run node; loaded_order numbers snapshots in the order they were first loaded.
RECORD_RUN = (
    "OPTIONAL MATCH (previous:Run) WITH count(previous) AS n "
    "MERGE (r:Run {run_id: $run_id}) ON CREATE SET r.loaded_order = n + 1 "
    "SET r.files = $files"
)

# Relationships: each row is {source, target, props}; both ends are matched on their keys.
_A = "MATCH (s:Account {account_id: row.source}) "
RELATIONSHIP_STATEMENTS = {
    "HAS_EMAIL": "UNWIND $rows AS row " + _A + "MATCH (t:Email {address: row.target}) "
    "MERGE (s)-[r:HAS_EMAIL]->(t) SET r += row.props",
    "AT_DOMAIN": "UNWIND $rows AS row MATCH (s:Email {address: row.source}) "
    "MATCH (t:Domain {name: row.target}) MERGE (s)-[r:AT_DOMAIN]->(t) SET r += row.props",
    "HAS_PHONE": "UNWIND $rows AS row " + _A + "MATCH (t:Phone {e164: row.target}) "
    "MERGE (s)-[r:HAS_PHONE]->(t) SET r += row.props",
    "PAYS_WITH": "UNWIND $rows AS row " + _A + "MATCH (t:PaymentInstrument "
    "{fingerprint: row.target}) MERGE (s)-[r:PAYS_WITH]->(t) SET r += row.props",
    "BILLED_TO": "UNWIND $rows AS row MATCH (s:PaymentInstrument {fingerprint: row.source}) "
    "MATCH (t:BillingIdentity {key: row.target}) MERGE (s)-[r:BILLED_TO]->(t) SET r += row.props",
    "SIGNED_UP_FROM": "UNWIND $rows AS row " + _A + "MATCH (t:IPAddress {address: row.target}) "
    "MERGE (s)-[r:SIGNED_UP_FROM]->(t) SET r += row.props",
    "USED_IP": "UNWIND $rows AS row " + _A + "MATCH (t:IPAddress {address: row.target}) "
    "MERGE (s)-[r:USED_IP]->(t) SET r += row.props",
    "IN_PREFIX": "UNWIND $rows AS row MATCH (s:IPAddress {address: row.source}) "
    "MATCH (t:Prefix {cidr: row.target}) MERGE (s)-[r:IN_PREFIX]->(t) SET r += row.props",
    "ANNOUNCED_BY": "UNWIND $rows AS row MATCH (s:Prefix {cidr: row.source}) "
    "MATCH (t:ASN {number: row.target}) MERGE (s)-[r:ANNOUNCED_BY]->(t) SET r += row.props",
    "EXIT_OF": "UNWIND $rows AS row MATCH (s:Prefix {cidr: row.source}) "
    "MATCH (t:ProxyService {name: row.target}) MERGE (s)-[r:EXIT_OF]->(t) SET r += row.props",
    "USES_AGENT": "UNWIND $rows AS row " + _A + "MATCH (t:UserAgent {key: row.target}) "
    "MERGE (s)-[r:USES_AGENT]->(t) SET r += row.props",
    "DECLARES": "UNWIND $rows AS row " + _A + "MATCH (t:Organisation {org_id: row.target}) "
    "MERGE (s)-[r:DECLARES]->(t) SET r += row.props",
    "NAMES": "UNWIND $rows AS row MATCH (s:BillingIdentity {key: row.source}) "
    "MATCH (t:Organisation {org_id: row.target}) MERGE (s)-[r:NAMES]->(t) SET r += row.props",
    "REGISTERED_BY": "UNWIND $rows AS row MATCH (s:Domain {name: row.source}) "
    "MATCH (t:Organisation {org_id: row.target}) MERGE (s)-[r:REGISTERED_BY]->(t) "
    "SET r += row.props",
    "WEBSITE_OF": "UNWIND $rows AS row MATCH (s:Domain {name: row.source}) "
    "MATCH (t:Organisation {org_id: row.target}) MERGE (s)-[r:WEBSITE_OF]->(t) SET r += row.props",
    "OWNED_BY": "UNWIND $rows AS row MATCH (s:Organisation {org_id: row.source}) "
    "MATCH (t:Organisation {org_id: row.target}) MERGE (s)-[r:OWNED_BY]->(t) SET r += row.props",
    "LINKED_TO": "UNWIND $rows AS row " + _A + "MATCH (t:Account {account_id: row.target}) "
    "MERGE (s)-[r:LINKED_TO]->(t) SET r += row.props",
    "IN_CLUSTER": "UNWIND $rows AS row " + _A + "MATCH (t:Cluster {cluster_id: row.target}) "
    "MERGE (s)-[r:IN_CLUSTER]->(t) SET r += row.props",
    "RECORDED": "UNWIND $rows AS row MATCH (s:Run {run_id: row.source}) "
    "MATCH (t:ClusterEvent {event_id: row.target}) MERGE (s)-[r:RECORDED]->(t) SET r += row.props",
    "ATTRIBUTED_TO": "UNWIND $rows AS row MATCH (s:Cluster {cluster_id: row.source}) "
    "MATCH (t:Organisation {org_id: row.target}) MERGE (s)-[r:ATTRIBUTED_TO]->(t) "
    "SET r += row.props",
}

# Whatever an earlier input snapshot wrote and this one no longer supports goes away, so that a
# re-run converges to exactly the graph of the current input.
SWEEP_RELATIONSHIPS = (
    "MATCH ()-[r]->() WHERE r.run_id IS NOT NULL AND r.run_id <> $run_id "
    "CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
)
SWEEP_CLUSTERS = "MATCH (c:Cluster) WHERE c.run_id <> $run_id DETACH DELETE c"
COUNT_NODES = "MATCH (n) RETURN count(n) AS nodes"
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN count(r) AS relationships"

# The naive baseline for the benchmark: one auto-commit MERGE per row.
NAIVE_ACCOUNT_MERGE = "MERGE (n:Account {account_id: $key}) SET n += $props"

# Emptying a database (tests and benchmarks only): relationships first, in small transactions,
# so that deleting a hub node never needs one huge transaction.
WIPE_RELATIONSHIPS = "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS"
WIPE_NODES = "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS"
