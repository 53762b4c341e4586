"""``python -m device_agent``: the same as ``nguon agent`` (so a kit or a box can start it without the server)."""

from __future__ import annotations

from device_agent.cli import app

app(prog_name="python -m device_agent")
