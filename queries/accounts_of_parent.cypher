// name: accounts_of_parent
// category: Attribution
// answers: The enforcement list: every account of a campaign attributed (rank 1) to an
//          organisation, with its campaign, cluster, risk score and activity.
// parameters:
//   org_id: Organisation.org_id, e.g. "ORG-CN-000042"
// returns: account_id, campaign_id, cluster_id, risk_score, confidence, status, requests,
//          created_at
MATCH (o:Organisation {org_id: $org_id})<-[a:ATTRIBUTED_TO {rank: 1}]-(c:Campaign)
MATCH (acct:Account)-[:IN_CAMPAIGN]->(c)
OPTIONAL MATCH (acct)-[:IN_CLUSTER]->(cl:Cluster)
RETURN acct.account_id AS account_id, c.campaign_id AS campaign_id,
       cl.cluster_id AS cluster_id, c.risk_score AS risk_score,
       a.confidence AS confidence, acct.status AS status, acct.requests AS requests,
       acct.created_at AS created_at
ORDER BY campaign_id, account_id;
