"""``nguon simulate``: run a fleet of simulated devices against a broker and report how it went."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import resource
import signal
import time
from pathlib import Path
from typing import Annotated

import typer

from device_agent.cli import load_keyring, read_server_keys
from device_agent.mqtt import parse_broker_url
from protocols import DeviceKind
from simulators.fleet import Fleet, FleetOptions, event_loop_runner, raise_fd_limit, tune_gc_for_simulation
from simulators.layout import generate_layout, read_passwords

app = typer.Typer(help="Simulate a fleet of loudspeaker clusters in one process.", add_completion=False)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_fleet(
    fleet: Fleet, *, duration_s: float, connect_timeout_s: float, quiet: bool = False
) -> dict[str, float]:
    """Start, wait for every connection, then idle for ``duration_s`` (0: until interrupted); returns measurements."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    say = (lambda *_: None) if quiet else typer.echo
    cpu0, wall0 = _cpu_s(), time.monotonic()
    await fleet.start()
    report: dict[str, float] = {"devices": len(fleet.agents)}
    waiter = asyncio.ensure_future(fleet.wait_connected(timeout=connect_timeout_s))
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    waiter.cancel()
    try:
        connect_s = waiter.result()
    except (TimeoutError, asyncio.CancelledError) as exc:
        say(f"not all connected: {exc or 'interrupted'}")
        connect_s = float("nan")
    report["connect_all_s"] = round(connect_s, 2)
    report["connect_cpu_s"] = round(_cpu_s() - cpu0, 2)
    report["connected"] = fleet.connected_count()
    say(f"{report['connected']}/{len(fleet.agents)} connected in {connect_s:.2f} s (CPU {report['connect_cpu_s']} s)")
    cpu1, wall1 = _cpu_s(), time.monotonic()
    if not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration_s or None)
    idle_wall = time.monotonic() - wall1
    report["idle_s"] = round(idle_wall, 1)
    report["idle_cpu_percent"] = round(100 * (_cpu_s() - cpu1) / max(idle_wall, 1e-9), 1)
    report["connected_at_end"] = fleet.connected_count()
    report["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    await fleet.stop()
    report["total_s"] = round(time.monotonic() - wall0, 1)
    return report


@app.callback(invoke_without_command=True)
def simulate(
    count: Annotated[int, typer.Option(min=1, help="How many devices.")] = 200,
    broker_url: Annotated[str, typer.Option(envvar="NGUON_MQTT_URL")] = "mqtt://127.0.0.1:1883",
    server_key: Annotated[list[str] | None, typer.Option(help="Trusted server key kid=base64url (repeatable).")] = None,
    keyring_file: Annotated[Path | None, typer.Option("--keyring", exists=True, dir_okay=False)] = None,
    prefix: Annotated[str, typer.Option(help="Device id prefix.")] = "sim",
    province: Annotated[str, typer.Option()] = "64",
    commune: Annotated[list[str] | None, typer.Option(help="Commune code (repeatable); default: generated.")] = None,
    per_commune: Annotated[int, typer.Option(min=1)] = 36,
    group: Annotated[list[str] | None, typer.Option(help="A group every device joins (repeatable).")] = None,
    kind: Annotated[DeviceKind, typer.Option(help="What the devices are: speaker (audio) or eboard.")] = (
        DeviceKind.SPEAKER
    ),
    password: Annotated[str | None, typer.Option(envvar="NGUON_SIM_PASSWORD", help="Common MQTT password.")] = None,
    passwords_csv: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="CSV device_id,password.")
    ] = None,
    ramp: Annotated[float, typer.Option(min=0, help="Connections started per second (0: all at once).")] = 1000.0,
    heartbeat: Annotated[float, typer.Option(min=1)] = 30.0,
    keepalive: Annotated[int, typer.Option(min=0, max=65535)] = 60,
    flapping: Annotated[float, typer.Option(min=0, max=1, help="Fraction that drops and regains its link.")] = 0.0,
    slow_download: Annotated[float, typer.Option(min=0, max=1)] = 0.0,
    failing_download: Annotated[float, typer.Option(min=0, max=1)] = 0.0,
    skew_ms: Annotated[int, typer.Option(min=0, help="Clock skew range ±ms.")] = 0,
    bad_signature: Annotated[float, typer.Option(min=0, max=1, help="Fraction trusting a wrong key.")] = 0.0,
    duration: Annotated[float, typer.Option(min=0, help="Seconds to stay up after connecting (0: until ^C).")] = 0.0,
    connect_timeout: Annotated[float, typer.Option(min=1)] = 600.0,
    seed: Annotated[int | None, typer.Option()] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the measurements as JSON.")] = False,
) -> None:
    """Connect COUNT simulated devices, keep them alive, print connect time and idle CPU."""
    logging.basicConfig(level=logging.WARNING)
    try:
        keys = read_server_keys(keyring_file, server_key)
        load_keyring(keyring_file, server_key)  # every key must be a valid Ed25519 public key
        address = parse_broker_url(broker_url)
        devices = generate_layout(count, prefix=prefix, province=province, communes=commune,
                                  per_commune=per_commune, groups=tuple(group or ()), kind=kind)  # fmt: skip
        options = FleetOptions(
            broker_host=address.host, broker_port=address.port, broker_tls=address.tls, server_keys=keys,
            heartbeat_s=heartbeat, keepalive_s=keepalive, ramp_per_s=ramp, password=password,
            passwords=read_passwords(passwords_csv) if passwords_csv else {}, flapping_fraction=flapping,
            slow_download_fraction=slow_download, failing_download_fraction=failing_download, clock_skew_ms=skew_ms,
            bad_signature_fraction=bad_signature, seed=seed,
        )  # fmt: skip
    except (ValueError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from None
    limit = raise_fd_limit()
    if count + 100 > limit:
        raise typer.BadParameter(f"{count} devices need about {count + 100} open files; the limit here is {limit}")
    tune_gc_for_simulation()
    report = event_loop_runner()(
        run_fleet(Fleet(devices, options), duration_s=duration, connect_timeout_s=connect_timeout)
    )
    typer.echo(json.dumps(report) if json_out else "  ".join(f"{k}={v}" for k, v in report.items()))
