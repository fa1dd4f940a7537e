// name: riskiest_campaigns
// category: Campaigns
// answers: Which campaigns (clusters and loose accounts tied by operator-level evidence: the
//          same registrant, custom domain, declared or billing organisation, parent, or one
//          synchronised schedule) look most like distillation, with their size, how many
//          clusters they span, volume, risk score, the features behind it and the parent?
// parameters:
//   limit: integer = 10, how many campaigns
// returns: campaign_id, accounts, clusters, requests, risk_score, is_campaign, parent,
//          confidence, features
MATCH (c:Campaign)
WHERE c.risk_score IS NOT NULL
OPTIONAL MATCH (c)-[a:ATTRIBUTED_TO {rank: 1}]->(o:Organisation)
RETURN c.campaign_id AS campaign_id, c.size AS accounts,
       COUNT { (c)<-[:PART_OF]-(:Cluster) } AS clusters, c.requests AS requests,
       c.risk_score AS risk_score, c.is_campaign AS is_campaign,
       o.legal_name AS parent, a.confidence AS confidence,
       apoc.convert.fromJsonMap(c.features) AS features
ORDER BY risk_score DESC, accounts DESC
LIMIT toInteger($limit);
