// name: shared_infrastructure
// category: Infrastructure
// answers: What infrastructure do two clusters share (cards, phones, billing identities,
//          domains, IPs, user agents, declared organisations), how many accounts of each use it,
//          how many accounts share it in all and what weight the resolver gives it? Hubs are
//          hidden unless show_hubs is true (a last row counts them); at most limit identifiers
//          are listed, strongest first, and every row says how many were found. Draws one
//          account of each cluster on each shared identifier.
// parameters:
//   cluster_a: Cluster.cluster_id, e.g. "CL-0123456789"
//   cluster_b: Cluster.cluster_id, e.g. "CL-9876543210"
//   limit: integer = 25, how many shared identifiers to list and draw
//   show_hubs: boolean = false, also list identifiers shared by more accounts than the hub threshold
//   evidence_rules: map = automatic, the resolver's weights and hub thresholds per label
// returns: kind, value, accounts_a, accounts_b, accounts_sharing, weight, hub, found, example (path)
MATCH (ca:Cluster {cluster_id: $cluster_a}), (cb:Cluster {cluster_id: $cluster_b})
WITH ca, cb, COUNT { (ca)<-[:IN_CLUSTER]-(:Account) } <= COUNT { (cb)<-[:IN_CLUSTER]-(:Account) }
     AS a_smaller
CALL (ca, cb, a_smaller) {
  WITH CASE WHEN a_smaller THEN ca ELSE cb END AS small, CASE WHEN a_smaller THEN cb ELSE ca END AS large
  // Addresses are where a campaign's accounts fan out (hundreds of proxy exits each): the
  // larger side's are read from the addresses the smaller side used when that is cheaper
  // (their users, counted in accounts_sharing) than reading all of the larger side's.
  CALL (small) {
    MATCH (small)<-[:IN_CLUSTER]-(:Account)-[:SIGNED_UP_FROM|USED_IP]->(x:IPAddress)
    WITH DISTINCT x
    RETURN coalesce(sum(x.accounts_sharing), 0) AS backwards
  }
  CALL (large) {
    MATCH (large)<-[:IN_CLUSTER]-(l:Account)
    RETURN sum(COUNT { (l)-[:SIGNED_UP_FROM|USED_IP]->() }) AS forwards
  }
  CALL (small, large, backwards, forwards) {
    // Each side's identifiers found separately and joined on the identifier (a hash join), so
    // hubs are never expanded back to all their users.
    MATCH (small)<-[:IN_CLUSTER]-(s:Account)-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|BILLED_TO|USES_AGENT|DECLARES]->{1,2}(x),
          (large)<-[:IN_CLUSTER]-(l:Account)-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|BILLED_TO|USES_AGENT|DECLARES]->{1,2}(x)
    USING JOIN ON x
    RETURN x, collect(DISTINCT s) AS side_small, collect(DISTINCT l) AS side_large
    UNION
    WITH small, large WHERE backwards > forwards
    MATCH (small)<-[:IN_CLUSTER]-(s:Account)-[:SIGNED_UP_FROM|USED_IP]->(x:IPAddress),
          (large)<-[:IN_CLUSTER]-(l:Account)-[:SIGNED_UP_FROM|USED_IP]->(x)
    USING JOIN ON x
    RETURN x, collect(DISTINCT s) AS side_small, collect(DISTINCT l) AS side_large
    UNION
    WITH small, large WHERE backwards <= forwards
    MATCH (small)<-[:IN_CLUSTER]-(s:Account)-[:SIGNED_UP_FROM|USED_IP]->(x:IPAddress)
    WITH large, x, collect(DISTINCT s) AS side_small
    MATCH (x)<-[:SIGNED_UP_FROM|USED_IP]-(l:Account)
    WITH large, x, side_small, l WHERE EXISTS { (l)-[:IN_CLUSTER]->(large) }
    RETURN x, side_small, collect(DISTINCT l) AS side_large
  }
  RETURN x, CASE WHEN a_smaller THEN side_small ELSE side_large END AS side_a,
         CASE WHEN a_smaller THEN side_large ELSE side_small END AS side_b
}
WITH ca, cb, x, side_a, side_b, labels(x)[0] AS kind, $evidence_rules[labels(x)[0]] AS rule,
     x.accounts_sharing AS n
WITH ca, cb, x, side_a, side_b, kind, n,
     (n > coalesce(rule.max_group, n) OR coalesce(x.is_hub, false)
      OR coalesce(x.public_provider, false)) AS hub,
     CASE WHEN rule IS NULL OR n < 2 OR n > rule.max_group THEN 0.0
          WHEN n <= rule.decay_from THEN rule.weight
          ELSE round(rule.weight * (rule.max_group - n) / (rule.max_group - rule.decay_from), 4)
     END AS weight
ORDER BY weight DESC, n ASC
WITH collect({x: x, a: side_a[0], b: side_b[0], kind: kind, hub: hub, accounts_sharing: n,
  weight: CASE WHEN hub THEN 0.0 ELSE weight END,
  accounts_a: size(side_a), accounts_b: size(side_b),
  value: CASE kind
    WHEN 'Email' THEN x.address
    WHEN 'Phone' THEN x.e164
    WHEN 'PaymentInstrument' THEN x.fingerprint + ' (' + coalesce(x.funding_type, '?') + ', BIN '
         + coalesce(x.bin, '?') + ')'
    WHEN 'BillingIdentity' THEN x.key
    WHEN 'IPAddress' THEN x.address + ' (' + coalesce(x.usage_type, '?') + ' network)'
    WHEN 'UserAgent' THEN x.user_agent
    WHEN 'Domain' THEN x.name
    WHEN 'Organisation' THEN x.legal_name + ' (' + x.org_id + ')'
    ELSE elementId(x) END}) AS found, ca, cb
WITH ca, cb, [f IN found WHERE $show_hubs OR NOT f.hub] AS kept,
     size([f IN found WHERE f.hub AND NOT $show_hubs]) AS hidden
UNWIND kept[..toInteger($limit)] +
       CASE WHEN hidden > 0 THEN [{kind: '(hubs hidden)', accounts_sharing: hidden,
         value: 'identifiers shared by more accounts than the hub threshold; set show_hubs to true to list them'}]
       ELSE [] END AS row
RETURN row.kind AS kind, row.value AS value, row.accounts_a AS accounts_a,
       row.accounts_b AS accounts_b, row.accounts_sharing AS accounts_sharing,
       row.weight AS weight, row.hub AS hub, size(kept) AS found,
       CASE WHEN row.x IS NULL THEN null ELSE COLLECT {
         MATCH p = (ca)<-[:IN_CLUSTER]-(a0)-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|BILLED_TO|SIGNED_UP_FROM|USED_IP|USES_AGENT|DECLARES]->{1,2}(x0)
                   <-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|BILLED_TO|SIGNED_UP_FROM|USED_IP|USES_AGENT|DECLARES]-{1,2}(b0)-[:IN_CLUSTER]->(cb)
         WHERE a0 = row.a AND x0 = row.x AND b0 = row.b
         RETURN p LIMIT 1 }[0] END AS example;
