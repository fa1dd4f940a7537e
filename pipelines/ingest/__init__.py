"""Ingestion: read each landing file, validate it against its contract, quarantine bad rows."""
