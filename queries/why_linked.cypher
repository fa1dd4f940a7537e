// name: why_linked
// answers: Why are two accounts in one cluster? The chain of strong links between them, each
//          with its score and evidence (kind, shared value, how many accounts share it, weight).
// parameters: account_a (e.g. "acc_0000012"), account_b (e.g. "acc_0000345")
// returns: cluster_a, cluster_b, hops, steps (list of {from, to, score, evidence})
MATCH (a:Account {account_id: $account_a}), (b:Account {account_id: $account_b})
OPTIONAL MATCH p = shortestPath((a)-[:LINKED_TO*..12]-(b))
RETURN
  [(a)-[:IN_CLUSTER]->(c) | c.cluster_id][0] AS cluster_a,
  [(b)-[:IN_CLUSTER]->(c) | c.cluster_id][0] AS cluster_b,
  CASE WHEN p IS NULL THEN null ELSE length(p) END AS hops,
  CASE WHEN p IS NULL THEN [] ELSE [r IN relationships(p) | {
    from: startNode(r).account_id, to: endNode(r).account_id,
    score: r.score, evidence: r.evidence}] END AS steps;
