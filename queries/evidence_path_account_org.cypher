// name: evidence_path_account_org
// answers: The shortest chain of evidence from an account to an organisation (through its
//          identifiers, billing identity, domains, declared names and ownership).
// parameters: account_id (e.g. "acc_0000012"), org_id (e.g. "ORG-CN-000042")
// returns: hops, path (list of {node, via})
MATCH (a:Account {account_id: $account_id}), (o:Organisation {org_id: $org_id})
MATCH p = shortestPath((a)-[:HAS_EMAIL|AT_DOMAIN|REGISTERED_BY|WEBSITE_OF|PAYS_WITH|BILLED_TO|NAMES|DECLARES|OWNED_BY*..8]-(o))
RETURN length(p) AS hops,
       [i IN range(0, length(p)) | {
          node: labels(nodes(p)[i])[0] + ' ' + coalesce(nodes(p)[i].account_id,
                nodes(p)[i].address, nodes(p)[i].name, nodes(p)[i].fingerprint,
                nodes(p)[i].key, nodes(p)[i].legal_name, nodes(p)[i].org_id),
          via: CASE WHEN i = 0 THEN null ELSE type(relationships(p)[i - 1]) END}] AS path;
