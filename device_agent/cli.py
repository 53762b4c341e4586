"""``nguon agent``: run one device agent on a real box (or a laptop) until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from device_agent.agent import Agent
from device_agent.config import AgentConfig
from device_agent.mqtt import parse_broker_url
from device_agent.player import make_player
from protocols import Capability, DeviceKind, Keyring

app = typer.Typer(help="Run the reference device agent.", add_completion=False)


def parse_server_key(text: str) -> tuple[str, str]:
    """``kid=base64url-public-key`` → (kid, key); ValueError otherwise."""
    kid, sep, key = text.partition("=")
    if not sep or not kid or not key:
        raise ValueError(f"a server key is kid=base64url (e.g. k1=Abc...), got {text!r}")
    return kid.strip(), key.strip()


def read_server_keys(path: Path | None, keys: list[str] | None = None) -> dict[str, str]:
    """kid → base64url key from a file (JSON ``{"kid": "b64"}`` or ``kid=b64`` lines) plus ``kid=b64`` options."""
    pairs: list[tuple[str, str]] = []
    if path is not None:
        text = path.read_text()
        if text.lstrip().startswith("{"):
            pairs += [(str(k), str(v)) for k, v in json.loads(text).items()]
        else:
            pairs += [parse_server_key(line) for line in text.splitlines() if line.strip() and not line.startswith("#")]
    pairs += [parse_server_key(k) for k in keys or []]
    if not pairs:
        raise ValueError("no server key: give --keyring FILE or --server-key kid=base64url")
    return dict(pairs)


def load_keyring(path: Path | None, keys: list[str] | None = None) -> Keyring:
    """The keyring of :func:`read_server_keys`, each key checked to be a 32-byte Ed25519 public key."""
    keyring = Keyring()
    for kid, key in read_server_keys(path, keys).items():
        try:
            keyring.add(kid, key)
        except ValueError as exc:
            raise ValueError(f"server key {kid!r} is not a 32-byte Ed25519 public key in base64url: {exc}") from None
    return keyring


def run_agent_cli(
    *,
    device_id: str,
    password: str | None,
    broker_url: str,
    area: str,
    groups: list[str],
    keyring: Keyring,
    state_dir: Path | None,
    cache_dir: Path | None,
    cache_max_mb: int = 512,
    player: str = "null",
    heartbeat_s: float = 30.0,
    keepalive_s: int = 60,
    kind: DeviceKind = DeviceKind.SPEAKER,
    capabilities: tuple[Capability, ...] | None = None,
    frame_dir: Path | None = None,
    stream_player: str | None = None,
) -> None:
    """Build the agent from CLI options and run it until SIGINT/SIGTERM, then leave cleanly (offline, DISCONNECT)."""
    address = parse_broker_url(broker_url)
    config = AgentConfig(
        device_id=device_id, password=password, keyring=keyring, area_path=tuple(area.strip("/").split("/")),
        broker_host=address.host, broker_port=address.port, broker_tls=address.tls, groups=tuple(groups),
        kind=kind, heartbeat_s=heartbeat_s, keepalive_s=keepalive_s, cache_dir=cache_dir,
        cache_max_bytes=cache_max_mb * 1024 * 1024, player=make_player(player), state_dir=state_dir,
        capabilities=capabilities, frame_dir=frame_dir, stream_player=stream_player,
    )  # fmt: skip
    asyncio.run(_serve(config))


async def _serve(config: AgentConfig) -> None:
    agent = Agent(config)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, done.set)
    agent.start()
    try:
        await done.wait()
    finally:
        await agent.stop()


@app.callback(invoke_without_command=True)
def run(
    device_id: Annotated[str, typer.Option("--device-id", envvar="NGUON_DEVICE_ID", help="This device's id.")],
    area: Annotated[str, typer.Option(help="Area path province/commune/village, e.g. 64/25087/01.")],
    password: Annotated[
        str | None, typer.Option(envvar="NGUON_DEVICE_PASSWORD", help="MQTT password (prefer the env variable).")
    ] = None,
    broker_url: Annotated[str, typer.Option(envvar="NGUON_MQTT_URL")] = "mqtt://127.0.0.1:1883",
    group: Annotated[list[str] | None, typer.Option(help="A group this device belongs to (repeatable).")] = None,
    keyring_file: Annotated[Path | None, typer.Option("--keyring", exists=True, dir_okay=False)] = None,
    server_key: Annotated[list[str] | None, typer.Option(help="Trusted server key kid=base64url (repeatable).")] = None,
    state_dir: Annotated[Path | None, typer.Option(help="Keeps the session counter and accepted ids.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Media cache directory (default: in memory).")] = None,
    cache_max_mb: Annotated[int, typer.Option(min=1)] = 512,
    player: Annotated[str, typer.Option(help="null, ffplay or aplay.")] = "null",
    heartbeat: Annotated[float, typer.Option(min=1)] = 30.0,
    keepalive: Annotated[int, typer.Option(min=0, max=65535)] = 60,
    kind: Annotated[DeviceKind, typer.Option()] = DeviceKind.SPEAKER,
    capability: Annotated[
        list[Capability] | None,
        typer.Option(help="Announce (and accept) only this (repeatable); default: all its renderers render."),
    ] = None,
    frame_dir: Annotated[
        Path | None, typer.Option(help="E-board: where the current frame is written for the screen to show.")
    ] = None,
    stream_player: Annotated[
        str | None, typer.Option(help="Play live streams with ffplay, ffmpeg (null sink) or null.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Connect, announce presence, and obey signed commands until interrupted."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(message)s")
    try:
        keyring = load_keyring(keyring_file, server_key)
        run_agent_cli(
            device_id=device_id, password=password, broker_url=broker_url, area=area, groups=group or [],
            keyring=keyring, state_dir=state_dir, cache_dir=cache_dir, cache_max_mb=cache_max_mb, player=player,
            heartbeat_s=heartbeat, keepalive_s=keepalive, kind=kind,
            capabilities=tuple(capability) if capability else None, frame_dir=frame_dir, stream_player=stream_player,
        )  # fmt: skip
    except (ValueError, FileNotFoundError) as exc:
        raise typer.BadParameter(str(exc)) from None
