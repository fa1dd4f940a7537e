"""Loading the identity graph into Neo4j: batched, parameterised, idempotent."""
