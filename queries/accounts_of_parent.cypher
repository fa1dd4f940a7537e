// name: accounts_of_parent
// category: Attribution
// answers: The enforcement list: every account in a campaign cluster attributed (rank 1) to an
//          organisation, with its cluster, risk score and activity.
// parameters:
//   org_id: Organisation.org_id, e.g. "ORG-CN-000042"
// returns: account_id, cluster_id, risk_score, confidence, status, requests, created_at
MATCH (o:Organisation {org_id: $org_id})<-[a:ATTRIBUTED_TO {rank: 1}]-(c:Cluster)
MATCH (acct:Account)-[:IN_CLUSTER]->(c)
RETURN acct.account_id AS account_id, c.cluster_id AS cluster_id, c.risk_score AS risk_score,
       a.confidence AS confidence, acct.status AS status, acct.requests AS requests,
       acct.created_at AS created_at
ORDER BY cluster_id, account_id;
