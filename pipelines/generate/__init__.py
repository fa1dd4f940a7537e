"""Synthetic-world generator: a fictional API provider's exports plus the ground truth behind them.

Entry point: :func:`pipelines.generate.world.generate_world`. Every company, person, domain, IP
address, phone range and card BIN in a generated world is invented (reserved IP ranges, private
ASNs, made-up names on real public suffixes).
"""

GENERATOR_VERSION = "1.0.0"
