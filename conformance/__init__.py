"""``nguon conformance``: a kit that plays the server against one device under test and judges it by PROTOCOL.md.

Depends on ``protocols`` only (plus aiomqtt and the standard library): no database, no server.
"""

from __future__ import annotations

from conformance.report import ClauseResult, Report, Verdict
from conformance.runner import Options, run_conformance

__all__ = ["ClauseResult", "Options", "Report", "Verdict", "run_conformance"]
