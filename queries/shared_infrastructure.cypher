// name: shared_infrastructure
// answers: What infrastructure do two clusters share (cards, phones, billing identities,
//          domains, IPs, user agents), and how many accounts of each use it?
// parameters: cluster_a (e.g. "CL-0123456789"), cluster_b (e.g. "CL-9876543210")
// returns: kind, identifier, accounts_a, accounts_b
MATCH (:Cluster {cluster_id: $cluster_a})<-[:IN_CLUSTER]-(a:Account)-[]->(x)
MATCH (x)<-[]-(b:Account)-[:IN_CLUSTER]->(:Cluster {cluster_id: $cluster_b})
WHERE NOT x:Cluster
WITH x, count(DISTINCT a) AS accounts_a, count(DISTINCT b) AS accounts_b
RETURN labels(x)[0] AS kind,
       coalesce(x.address, x.e164, x.fingerprint, x.key, x.name, x.cidr) AS identifier,
       accounts_a, accounts_b
ORDER BY accounts_a + accounts_b DESC;
