"""The Neo4j side: the project's own local server (installed from Maven Central, started,
stopped, its class archive), the driver resource every step connects with, and the graph
schema (constraints and indexes) applied to it."""
