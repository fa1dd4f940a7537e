// name: ownership_chain
// category: Attribution
// answers: Who owns an organisation, and what does it own? Every stake up to the ultimate
//          owners and down to its holdings (drawn), each with its percentage, relationship type,
//          whether it gives control, and its registry source and source row. At most limit
//          stakes are listed, nearest first; every row says how many were found.
// parameters:
//   org_id: Organisation.org_id, e.g. "ORG-CN-000042"
//   limit: integer = 50, how many stakes to list and draw
// returns: side, owner, owned, percentage, relationship, controls, source, found, chain (path)
MATCH (o:Organisation {org_id: $org_id})
CALL (o) {
  MATCH p = (o)-[:OWNED_BY*1..6]->(:Organisation) RETURN 'owned by' AS side, p
  UNION ALL
  MATCH p = (o)<-[:OWNED_BY*1..6]-(:Organisation) RETURN 'owns' AS side, p
}
WITH side, p, last(relationships(p)) AS stake
ORDER BY length(p), side
WITH collect({side: side, chain: p, stake: stake}) AS found
UNWIND found[..toInteger($limit)] AS row
WITH row, row.stake AS stake, size(found) AS found
RETURN row.side AS side, startNode(stake).legal_name AS owned, endNode(stake).legal_name AS owner,
       stake.percentage AS percentage, stake.relationship AS relationship,
       stake.controls AS controls,
       coalesce(stake.source, '') + CASE WHEN stake.source_file IS NULL THEN ''
         ELSE ' (' + stake.source_file + ' row ' + stake.source_row + ')' END AS source,
       found, row.chain AS chain;
