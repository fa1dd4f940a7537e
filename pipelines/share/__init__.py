"""Sharing indicators with industry partners as STIX 2.1 bundles, and taking theirs in."""
