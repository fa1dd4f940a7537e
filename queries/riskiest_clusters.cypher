// name: riskiest_clusters
// category: Campaigns
// answers: Which clusters look most like distillation campaigns, with their size, volume, risk
//          score, the features behind it (value and contribution), the campaign they are part
//          of and its attributed parent?
// parameters:
//   limit: integer = 10, how many clusters
// returns: cluster_id, campaign_id, accounts, requests, risk_score, is_campaign, parent,
//          confidence, features
MATCH (c:Cluster)
WHERE c.risk_score IS NOT NULL
OPTIONAL MATCH (c)-[:PART_OF]->(cp:Campaign)
OPTIONAL MATCH (cp)-[a:ATTRIBUTED_TO {rank: 1}]->(o:Organisation)
RETURN c.cluster_id AS cluster_id, cp.campaign_id AS campaign_id, c.size AS accounts,
       c.requests AS requests,
       c.risk_score AS risk_score, c.is_campaign AS is_campaign,
       o.legal_name AS parent, a.confidence AS confidence,
       apoc.convert.fromJsonMap(c.features) AS features
ORDER BY risk_score DESC, accounts DESC
LIMIT toInteger($limit);
