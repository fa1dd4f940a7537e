"""What investigators use on the built graph: the Cypher query library and its output, the
`attrib explain` answers, the evidence rules and hub thresholds they share, the run summary and
the Neo4j Browser guide and style."""
