// name: cluster_parent_evidence
// category: Attribution
// answers: Who is behind a cluster? The ranked candidate parents (drawn) of the campaign it is
//          part of, with confidence, the evidence paths (identifier → organisation → ownership
//          chain) and the conflicting evidence.
// parameters:
//   cluster_id: Cluster.cluster_id, e.g. "CL-0123456789"
// returns: campaign_id, rank, org_id, parent, country, confidence, coverage, evidence_paths,
//          conflicting, attribution (path)
MATCH attribution = (c:Cluster {cluster_id: $cluster_id})-[:PART_OF]->(cp:Campaign)
                    -[a:ATTRIBUTED_TO]->(o:Organisation)
RETURN cp.campaign_id AS campaign_id, a.rank AS rank, o.org_id AS org_id, o.legal_name AS parent, o.country AS country,
       a.confidence AS confidence, a.coverage AS coverage,
       apoc.convert.fromJsonList(a.evidence_paths) AS evidence_paths,
       apoc.convert.fromJsonList(a.conflicting) AS conflicting, attribution
ORDER BY rank;
