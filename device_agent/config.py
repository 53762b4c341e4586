"""How one agent is set up: identity, broker, trust, timing, storage and the simulation knobs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from device_agent.media import Fetcher
from device_agent.player import Player
from device_agent.renderers import Renderer
from protocols import Ack, Capability, CommandPayload, DeviceKind, Keyring

AckHook = Callable[[str, Ack], None]
"""Called with (device_id, ack) each time an ack has been handed to the broker."""


@dataclass
class AgentConfig:
    """Everything an :class:`~device_agent.agent.Agent` needs; defaults suit a simulated speaker."""

    device_id: str
    password: str | None
    keyring: Keyring
    area_path: tuple[str, ...]
    broker_host: str = "127.0.0.1"
    broker_port: int = 1883
    broker_tls: bool = False
    username: str | None = None
    """MQTT user name; the device id when unset."""
    groups: tuple[str, ...] = ()
    kind: DeviceKind = DeviceKind.SPEAKER
    heartbeat_s: float = 30.0
    keepalive_s: int = 60
    cache_dir: Path | None = None
    """Media cache directory; None keeps media in memory."""
    cache_max_bytes: int = 256 * 1024 * 1024
    player: Player | None = None
    """None plays into the null sink."""
    renderers: Sequence[Renderer] | None = None
    """What the device renders content with; None: the defaults of its ``kind`` (``renderers.default_renderers``:
    a speaker plays audio through ``player``, a board shows frames and images in ``frame_dir`` and video)."""
    capabilities: tuple[Capability, ...] | None = None
    """What the device announces in its online state and so accepts (a play of anything else is rejected
    ``unsupported_content``); None: every capability of its renderers."""
    frame_dir: Path | None = None
    """Where a board's frame renderer writes the current frame for its screen; None keeps it in memory."""
    stream_player: str | None = None
    """``ffplay``, ``ffmpeg`` or ``null`` to play live streams with (adds a stream renderer to the defaults);
    None: a speaker playing through ffplay plays streams with it too, other devices none."""
    state_dir: Path | None = None
    """Where the session counter and accepted command ids are kept; None keeps them in memory."""
    firmware: str = "nguon-agent/0.1"
    vendor: str = "nguon"
    model: str = "reference"
    clock_offset_s: float = 0.0
    """Simulated clock skew: the device clock is the host clock plus this."""
    http: httpx.AsyncClient | None = None
    """Shared HTTP client for downloads (one per process); None creates one."""
    fetcher: Fetcher | None = None
    """Overrides the HTTP download (simulators share one fetch per sha256)."""
    volume: int = 80
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    ack_queue_max: int = 1000
    """Acks kept while offline; the oldest are dropped past this."""
    ack_window: int = 8
    """QoS 1 acks sent ahead of their PUBACKs (in order): ``received``, ``downloaded``, ``started`` and the
    ``preempted`` of what an emergency interrupts leave together instead of one broker round trip each."""
    timeout_s: float = 10.0
    on_ack: AckHook | None = field(default=None, repr=False)
    opener: Callable[[bytes], CommandPayload] | None = field(default=None, repr=False)
    """Checks an envelope's signature and returns its payload; None uses ``protocols.open_envelope`` with
    ``keyring``. A simulator shares one memoised opener among its devices (same bytes, same answer)."""
    reboot_downtime_s: float = 1.0
    """How long a simulated reboot keeps the device off the broker."""
    refused_acks_per_minute: int = 3
    """Most ``rejected`` acks of unverified copies (bad signature, unknown key, malformed) sent per minute: a flood
    on the command topic must not become a flood of acks (PROTOCOL.md §4.3)."""
    checkpoint_s: float = 5.0
    """How often the position of the play in progress is saved under ``state_dir`` (what a restart reports)."""

    def __post_init__(self) -> None:
        if not self.area_path or len(self.area_path) > 3:
            raise ValueError("area_path has 1 to 3 levels: province, commune, village")
        if self.heartbeat_s <= 0:
            raise ValueError("heartbeat_s must be positive")
        if self.refused_acks_per_minute < 0 or self.checkpoint_s <= 0:
            raise ValueError("refused_acks_per_minute must be ≥ 0 and checkpoint_s positive")
        if self.ack_window < 1:
            raise ValueError("ack_window must be at least 1")
        if not 0 <= self.volume <= 100:
            raise ValueError("volume must be within 0..100")
