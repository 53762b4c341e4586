"""Simulators: a fleet of device agents in one process (and, elsewhere, the central system and e-boards)."""

from __future__ import annotations

from simulators.fleet import FailingFetcher, Fleet, FleetOptions, SlowFetcher, raise_fd_limit
from simulators.layout import DeviceSpec, generate_layout, read_passwords

__all__ = [
    "DeviceSpec",
    "FailingFetcher",
    "Fleet",
    "FleetOptions",
    "SlowFetcher",
    "generate_layout",
    "raise_fd_limit",
    "read_passwords",
]
