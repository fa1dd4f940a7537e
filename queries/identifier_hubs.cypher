// name: identifier_hubs
// answers: Which identifiers are shared by so many accounts that they are hubs (public mail
//          domains, campus and carrier NATs, coworking addresses, common user agents), which the
//          resolver deliberately ignores?
// parameters: min_accounts (e.g. 100), limit (e.g. 20)
// returns: kind, identifier, accounts
MATCH (x)<-[:HAS_EMAIL|AT_DOMAIN|HAS_PHONE|PAYS_WITH|SIGNED_UP_FROM|USES_AGENT]-(a:Account)
WITH x, count(DISTINCT a) AS accounts
WHERE accounts >= toInteger($min_accounts)
RETURN labels(x)[0] AS kind,
       coalesce(x.address, x.e164, x.fingerprint, x.key, x.name, x.cidr, x.user_agent) AS identifier,
       accounts
ORDER BY accounts DESC
LIMIT toInteger($limit);
