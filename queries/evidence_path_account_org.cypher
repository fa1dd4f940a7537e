// name: evidence_path_account_org
// category: Attribution
// answers: How is an account tied to an organisation? The shortest evidence paths (drawn): from
//          the account itself, or else from an account of its own cluster (reached through the
//          cluster's strong links), through one of its identifiers (billing identity named for
//          the organisation, email domain registered by it or its website, declared
//          organisation) and up controlling ownership to the organisation. Never through
//          another cluster's account; never through a hub unless show_hubs is true. Each step
//          names its concrete value and the source file and row it came from.
// parameters:
//   account_id: Account.account_id, e.g. "acc_0000012"
//   org_id: Organisation.org_id, e.g. "ORG-CN-000042"
//   limit: integer = 3, how many evidence paths to draw
//   show_hubs: boolean = false, also use identifiers shared by more accounts than the hub threshold
//   evidence_rules: map = automatic, the resolver's weights and hub thresholds per label
// returns: rank, via_account, own_evidence, hops, steps (list of {via, node, value,
//          accounts_sharing, source}), found, hubs_hidden, evidence (path), link_to_account (path)
MATCH (a:Account {account_id: $account_id}), (o:Organisation {org_id: $org_id})
CALL (a) {
  RETURN a AS m, 0 AS mate
  UNION
  MATCH (a)-[:IN_CLUSTER]->(:Cluster)<-[:IN_CLUSTER]-(m:Account)
  WHERE m <> a
  RETURN m, 1 AS mate
}
MATCH evidence = (m)-[:DECLARES|PAYS_WITH|BILLED_TO|NAMES|HAS_EMAIL|AT_DOMAIN|REGISTERED_BY|WEBSITE_OF]->{1,3}(:Organisation)
                 (()-[:OWNED_BY {controls: true}]->()){0,6}(o)
// One path per distinct chain of shared identifiers (a cluster's accounts often share one).
WITH a, o, m, mate, evidence,
     [n IN nodes(evidence) WHERE n:Domain OR n:BillingIdentity OR n:Organisation] AS chain
ORDER BY mate, length(evidence), m.account_id
WITH a, o, chain, head(collect({m: m, mate: mate, evidence: evidence})) AS best
// The identifiers judged for hubs: every one after the account, and a declared organisation.
WITH a, o, best,
     [n IN nodes(best.evidence)[1..] WHERE NOT n:Organisation] +
     CASE WHEN type(relationships(best.evidence)[0]) = 'DECLARES'
          THEN [nodes(best.evidence)[1]] ELSE [] END AS judged
WITH a, o, best,
     [n IN judged | {n: n,
        accounts: n.accounts_sharing,
        rule: $evidence_rules[labels(n)[0]]}] AS sharing
WITH a, o, best, sharing,
     any(s IN sharing WHERE s.accounts > coalesce(s.rule.max_group, s.accounts)
         OR coalesce(s.n.public_provider, false)) AS through_hub
// The account's own evidence first, then its cluster-mates', shortest first.
ORDER BY best.mate, length(best.evidence), best.m.account_id
WITH a, o, collect({best: best, sharing: sharing, hub: through_hub}) AS candidates
WITH a, o, [c IN candidates WHERE $show_hubs OR NOT c.hub] AS kept,
     size([c IN candidates WHERE c.hub AND NOT $show_hubs]) AS hidden
// No path at all still answers one row, saying how many went through hubs.
UNWIND CASE WHEN size(kept) = 0 THEN [null] ELSE range(0, size(kept) - 1) END AS i
WITH a, o, kept, hidden, i, kept[i] AS c
WHERE i IS NULL OR i < toInteger($limit)
WITH a, o, kept, hidden, i, c, c.best.evidence AS evidence, c.best.m AS m
RETURN i + 1 AS rank, m.account_id AS via_account, m = a AS own_evidence,
       length(evidence) AS hops,
       [step IN [k IN range(1, coalesce(length(evidence), 0)) |
                 {r: relationships(evidence)[k - 1], n: nodes(evidence)[k]}] | {
          via: type(step.r),
          node: labels(step.n)[0],
          value: CASE labels(step.n)[0]
            WHEN 'Email' THEN step.n.address
            WHEN 'Domain' THEN step.n.name
            WHEN 'PaymentInstrument' THEN step.n.fingerprint + ' (' + coalesce(step.n.funding_type, '?')
                                          + ', BIN ' + coalesce(step.n.bin, '?') + ')'
            WHEN 'BillingIdentity' THEN step.n.key
            ELSE step.n.legal_name + ' (' + step.n.org_id + ')' END,
          accounts_sharing: [s IN c.sharing WHERE s.n = step.n | s.accounts][0],
          source: CASE type(step.r)
            WHEN 'PAYS_WITH' THEN step.r.source_file + ' row ' + step.r.source_row
            WHEN 'BILLED_TO' THEN step.r.source_file + ' row ' + step.r.source_row
            WHEN 'OWNED_BY' THEN coalesce(step.r.source, '') + ', ' + step.r.source_file + ' row '
                                 + step.r.source_row
            WHEN 'WEBSITE_OF' THEN step.n.source_file + ' row ' + step.n.source_row
            WHEN 'REGISTERED_BY' THEN startNode(step.r).source_file + ' row '
                 + startNode(step.r).source_row + '; registrant name matched '
                 + CASE step.r.method WHEN 'exact_key' THEN 'exactly' ELSE 'fuzzily' END
                 + ' (' + toInteger(round(step.r.score)) + '/100)'
            WHEN 'NAMES' THEN 'billing name matched '
                 + CASE step.r.method WHEN 'exact_key' THEN 'exactly' ELSE 'fuzzily' END
                 + ' (' + toInteger(round(step.r.score)) + '/100)'
            WHEN 'DECLARES' THEN m.source_file + ' row ' + m.source_row + '; declared name matched '
                 + CASE step.r.method WHEN 'exact_key' THEN 'exactly' ELSE 'fuzzily' END
                 + ' (' + toInteger(round(step.r.score)) + '/100)'
            ELSE m.source_file + ' row ' + m.source_row END}] AS steps,
       size(kept) AS found, hidden AS hubs_hidden, evidence,
       CASE WHEN m IS NULL OR m = a THEN null
            ELSE COLLECT { MATCH link = shortestPath((a)-[:LINKED_TO*..12]-(m)) RETURN link }[0]
       END AS link_to_account;
