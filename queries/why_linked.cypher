// name: why_linked
// category: Links between accounts
// answers: Why are two accounts in one cluster? The chain of strong links between them (drawn),
//          each link with its score and evidence: kind, the shared value, how many accounts
//          share it and its weight. Hubs never appear: the resolver gives them no weight.
// parameters:
//   account_a: Account.account_id, e.g. "acc_0000012"
//   account_b: Account.account_id, e.g. "acc_0000345"
// returns: cluster_a, cluster_b, hops, chain (path of LINKED_TO), steps (list of {from, to,
//          score, evidence})
MATCH (a:Account {account_id: $account_a}), (b:Account {account_id: $account_b})
OPTIONAL MATCH chain = shortestPath((a)-[:LINKED_TO*..12]-(b))
WITH a, b, chain
RETURN
  COLLECT { MATCH (a)-[:IN_CLUSTER]->(c) RETURN c.cluster_id }[0] AS cluster_a,
  COLLECT { MATCH (b)-[:IN_CLUSTER]->(c) RETURN c.cluster_id }[0] AS cluster_b,
  length(chain) AS hops,
  chain,
  CASE WHEN chain IS NULL THEN [] ELSE [r IN relationships(chain) | {
    from: startNode(r).account_id, to: endNode(r).account_id, score: r.score,
    evidence: [e IN apoc.convert.fromJsonList(r.evidence) | {
      kind: e.kind, accounts: e.accounts, weight: e.weight,
      value: CASE e.kind
        WHEN 'user_agent' THEN coalesce(COLLECT { MATCH (u:UserAgent {key: e.value})
                                                  RETURN u.user_agent }[0], e.value)
        WHEN 'coactivity' THEN 'activity buckets in common, Jaccard ' + e.value
        ELSE e.value END}]}] END AS steps;
