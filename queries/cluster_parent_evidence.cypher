// name: cluster_parent_evidence
// category: Attribution
// answers: Who is behind a cluster? Its ranked candidate parents (drawn) with confidence, the
//          evidence paths (identifier → organisation → ownership chain) and the conflicting
//          evidence.
// parameters:
//   cluster_id: Cluster.cluster_id, e.g. "CL-0123456789"
// returns: rank, org_id, parent, country, confidence, coverage, evidence_paths, conflicting,
//          attribution (path)
MATCH attribution = (c:Cluster {cluster_id: $cluster_id})-[a:ATTRIBUTED_TO]->(o:Organisation)
RETURN a.rank AS rank, o.org_id AS org_id, o.legal_name AS parent, o.country AS country,
       a.confidence AS confidence, a.coverage AS coverage,
       apoc.convert.fromJsonList(a.evidence_paths) AS evidence_paths,
       apoc.convert.fromJsonList(a.conflicting) AS conflicting, attribution
ORDER BY rank;
