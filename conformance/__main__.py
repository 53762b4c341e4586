"""``python -m conformance``: the same as ``nguon conformance``."""

from __future__ import annotations

from conformance.cli import app

app()
