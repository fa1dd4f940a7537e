// name: identifier_hubs
// category: Infrastructure
// answers: Which identifiers are hubs, shared by more accounts than the resolver's threshold
//          for their kind, or hub networks and public mail domains (campus and carrier NATs,
//          cloud and proxy exits, coworking addresses, common user agents)? The resolver gives
//          them no weight; this is the one query that lists them on purpose.
// parameters:
//   limit: integer = 20, how many hubs
//   evidence_rules: map = automatic, the resolver's weights and hub thresholds per label
// returns: kind, value, accounts, hub_threshold, why
MATCH (x)<-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|BILLED_TO|SIGNED_UP_FROM|USES_AGENT|DECLARES]-{1,2}(a:Account)
WITH x, count(DISTINCT a) AS accounts, $evidence_rules[labels(x)[0]] AS rule
WHERE accounts > coalesce(rule.max_group, accounts) OR coalesce(x.is_hub, false)
      OR coalesce(x.public_provider, false)
RETURN labels(x)[0] AS kind,
       coalesce(x.address, x.e164, x.fingerprint, x.name, x.user_agent, x.legal_name, x.key) AS value,
       accounts, rule.max_group AS hub_threshold,
       CASE WHEN coalesce(x.is_hub, false) THEN 'hub network (' + coalesce(x.usage_type, '?') + ')'
            WHEN coalesce(x.public_provider, false) THEN 'public mail provider'
            ELSE 'shared by more than ' + rule.max_group + ' accounts' END AS why
ORDER BY accounts DESC
LIMIT toInteger($limit);
