// name: cluster_graph
// category: Campaigns
// answers: What does a cluster look like? Its accounts (at most limit, the most linked first),
//          the strong links between the accounts drawn, with their scores, and the ranked
//          parents of the campaign it is part of. Says how many accounts are drawn out of how many.
// parameters:
//   cluster_id: Cluster.cluster_id, e.g. "CL-0123456789"
//   limit: integer = 100, how many accounts to draw
// returns: shown_accounts, total_accounts, note, cluster, accounts, links, parents
MATCH (c:Cluster {cluster_id: $cluster_id})<-[:IN_CLUSTER]-(a:Account)
WITH c, a, COUNT { (a)-[:LINKED_TO]-() } AS degree
ORDER BY degree DESC, a.account_id
WITH c, collect(a) AS members
WITH c, members, members[..toInteger($limit)] AS shown
RETURN size(shown) AS shown_accounts, size(members) AS total_accounts,
       CASE WHEN size(shown) < size(members)
            THEN 'showing ' + size(shown) + ' of ' + size(members)
                 + ' accounts, the most linked first; raise limit to see more'
            ELSE 'all ' + size(members) + ' accounts shown' END AS note,
       c AS cluster, shown AS accounts,
       COLLECT { UNWIND shown AS x MATCH (x)-[l:LINKED_TO]->(y) WHERE y IN shown RETURN l } AS links,
       COLLECT { MATCH p = (c)-[:PART_OF]->(:Campaign)-[:ATTRIBUTED_TO]->(:Organisation)
                 RETURN p } AS parents;
