"""Benchmarks for issue #2: presence, emergency fan-out and ingest figures (run as ``python -m bench.<name>``)."""
