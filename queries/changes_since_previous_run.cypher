// name: changes_since_previous_run
// category: Campaigns
// answers: What changed in the clusters with the latest input snapshot: clusters created,
//          grown, shrunk, merged into others, split off or dissolved?
// parameters: none (the latest snapshot is the Run with the newest loaded_order)
// returns: run_id, cluster_id, event, other_cluster_id, accounts
MATCH (r:Run)
WITH r ORDER BY r.loaded_order DESC LIMIT 1
MATCH (r)-[:RECORDED]->(e:ClusterEvent)
RETURN r.run_id AS run_id, e.cluster_id AS cluster_id, e.event AS event,
       e.other_cluster_id AS other_cluster_id, e.accounts AS accounts
ORDER BY event, cluster_id;
