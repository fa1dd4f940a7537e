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
// Each label's largest identifiers, walked down the accounts_sharing index (counted at load:
// accounts that reach the identifier, as in every other query) and stopped at the limit.
CALL () {
  MATCH (x:Email) WHERE x.accounts_sharing > $evidence_rules.Email.max_group
  RETURN x ORDER BY x.accounts_sharing DESC LIMIT toInteger($limit)
  UNION
  MATCH (x:Phone) WHERE x.accounts_sharing > $evidence_rules.Phone.max_group
  RETURN x ORDER BY x.accounts_sharing DESC LIMIT toInteger($limit)
  UNION
  MATCH (x:PaymentInstrument) WHERE x.accounts_sharing > $evidence_rules.PaymentInstrument.max_group
  RETURN x ORDER BY x.accounts_sharing DESC LIMIT toInteger($limit)
  UNION
  MATCH (x:BillingIdentity) WHERE x.accounts_sharing > $evidence_rules.BillingIdentity.max_group
  RETURN x ORDER BY x.accounts_sharing DESC LIMIT toInteger($limit)
  UNION
  MATCH (x:UserAgent) WHERE x.accounts_sharing > $evidence_rules.UserAgent.max_group
  RETURN x ORDER BY x.accounts_sharing DESC LIMIT toInteger($limit)
  UNION
  MATCH (x:Organisation) WHERE x.accounts_sharing > $evidence_rules.Organisation.max_group
  RETURN x ORDER BY x.accounts_sharing DESC LIMIT toInteger($limit)
  UNION
  MATCH (x:IPAddress) WHERE x.accounts_sharing > 0
    AND (x.is_hub OR x.accounts_sharing > $evidence_rules.IPAddress.max_group)
  RETURN x ORDER BY x.accounts_sharing DESC LIMIT toInteger($limit)
  UNION
  MATCH (x:Domain) WHERE x.accounts_sharing > 0
    AND (x.public_provider OR x.accounts_sharing > $evidence_rules.Domain.max_group)
  RETURN x ORDER BY x.accounts_sharing DESC LIMIT toInteger($limit)
}
WITH x, x.accounts_sharing AS accounts, $evidence_rules[labels(x)[0]] AS rule
RETURN labels(x)[0] AS kind,
       coalesce(x.address, x.e164, x.fingerprint, x.name, x.user_agent, x.legal_name, x.key) AS value,
       accounts, rule.max_group AS hub_threshold,
       CASE WHEN coalesce(x.is_hub, false) THEN 'hub network (' + coalesce(x.usage_type, '?') + ')'
            WHEN coalesce(x.public_provider, false) THEN 'public mail provider'
            ELSE 'shared by more than ' + rule.max_group + ' accounts' END AS why
ORDER BY accounts DESC
LIMIT toInteger($limit);
