// name: cluster_parent_evidence
// answers: Who is behind a cluster? Its ranked candidate parents with confidence, the evidence
//          paths (identifier → organisation → ownership chain) and the conflicting evidence.
// parameters: cluster_id (e.g. "CL-0123456789")
// returns: rank, org_id, parent, country, confidence, coverage, evidence_paths, conflicting
MATCH (c:Cluster {cluster_id: $cluster_id})-[a:ATTRIBUTED_TO]->(o:Organisation)
RETURN a.rank AS rank, o.org_id AS org_id, o.legal_name AS parent, o.country AS country,
       a.confidence AS confidence, a.coverage AS coverage,
       a.evidence_paths AS evidence_paths, a.conflicting AS conflicting
ORDER BY rank;
