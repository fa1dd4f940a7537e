// name: shared_identifiers
// answers: What do two accounts share directly (email, phone, card, billing identity, IP, user
//          agent, domain), and how many accounts share each thing (a hub shares with many)?
// parameters: account_a (e.g. "acc_0000012"), account_b (e.g. "acc_0000345")
// returns: kind, identifier, accounts_sharing
MATCH (a:Account {account_id: $account_a})-[]->(x)<-[]-(b:Account {account_id: $account_b})
WITH x, labels(x)[0] AS kind
RETURN kind,
  coalesce(x.address, x.e164, x.fingerprint, x.key, x.name, x.cidr) AS identifier,
  COUNT { (x)<-[]-(:Account) } AS accounts_sharing
ORDER BY accounts_sharing ASC;
