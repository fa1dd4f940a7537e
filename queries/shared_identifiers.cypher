// name: shared_identifiers
// category: Links between accounts
// answers: What do two accounts share directly (email, email domain, phone, card, billing
//          identity, IP, user agent, declared organisation), how many accounts share each and
//          what weight the resolver gives it? Identifiers shared by more accounts than the hub
//          threshold link nobody: they are hidden unless show_hubs is true, and a last row
//          counts them. Draws each shared identifier between the two accounts.
// parameters:
//   account_a: Account.account_id, e.g. "acc_0000012"
//   account_b: Account.account_id, e.g. "acc_0000345"
//   show_hubs: boolean = false, also list identifiers shared by more accounts than the hub threshold
//   evidence_rules: map = automatic, the resolver's weights and hub thresholds per label
// returns: kind, value, accounts_sharing, weight, hub, source_a, source_b, shared (path)
MATCH (a:Account {account_id: $account_a}), (b:Account {account_id: $account_b})
MATCH p = (a)-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|BILLED_TO|SIGNED_UP_FROM|USED_IP|USES_AGENT|DECLARES]->{1,2}(x)
          <-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|BILLED_TO|SIGNED_UP_FROM|USED_IP|USES_AGENT|DECLARES]-{1,2}(b)
WHERE a <> b
WITH a, b, x, collect(p)[0] AS shared, labels(x)[0] AS kind, $evidence_rules[labels(x)[0]] AS rule
WITH a, b, x, shared, kind, rule,
     x.accounts_sharing AS n
WITH a, b, x, shared, kind, n,
     (n > coalesce(rule.max_group, n) OR coalesce(x.is_hub, false)
      OR coalesce(x.public_provider, false)) AS hub,
     CASE WHEN rule IS NULL OR n < 2 OR n > rule.max_group THEN 0.0
          WHEN n <= rule.decay_from THEN rule.weight
          ELSE round(rule.weight * (rule.max_group - n) / (rule.max_group - rule.decay_from), 4)
     END AS weight,
     relationships(shared)[0] AS first_a, relationships(shared)[-1] AS first_b
WITH collect({kind: kind, hub: hub, weight: CASE WHEN hub THEN 0.0 ELSE weight END,
  accounts_sharing: n, shared: shared,
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
    ELSE elementId(x) END,
  source_a: CASE WHEN first_a.source_file IS NOT NULL THEN first_a.source_file + ' row ' + first_a.source_row
                 WHEN type(first_a) = 'USED_IP' THEN 'api_usage from ' + left(toString(first_a.first_seen), 10)
                 ELSE a.source_file + ' row ' + a.source_row END,
  source_b: CASE WHEN first_b.source_file IS NOT NULL THEN first_b.source_file + ' row ' + first_b.source_row
                 WHEN type(first_b) = 'USED_IP' THEN 'api_usage from ' + left(toString(first_b.first_seen), 10)
                 ELSE b.source_file + ' row ' + b.source_row END}) AS found
WITH found, size([f IN found WHERE f.hub AND NOT $show_hubs]) AS hidden
UNWIND [f IN found WHERE $show_hubs OR NOT f.hub] +
       CASE WHEN hidden > 0 THEN [{kind: '(hubs hidden)', accounts_sharing: hidden,
         value: 'identifiers shared by more accounts than the hub threshold; set show_hubs to true to list them'}]
       ELSE [] END AS row
RETURN row.kind AS kind, row.value AS value, row.accounts_sharing AS accounts_sharing,
       row.weight AS weight, row.hub AS hub, row.source_a AS source_a, row.source_b AS source_b,
       row.shared AS shared
ORDER BY hub IS NULL, weight DESC, accounts_sharing ASC;
