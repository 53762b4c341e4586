"""``nguon conformance``: judge one device against PROTOCOL.md; exit 1 when a clause fails, 2 when the kit could not run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from conformance.runner import Options, run_conformance

app = typer.Typer(help="Check a device against PROTOCOL.md (the kit plays the server).", add_completion=False)

PLACEHOLDERS = (
    "{provisioning} {device_id} {password} {broker_url} {broker_host} {broker_port} {area} {group} {kid} "
    "{public_key} {server_key} {state_dir} {heartbeat_s}"
)


@app.callback(invoke_without_command=True)
def run(
    device_cmd: Annotated[
        str | None,
        typer.Option(
            "--device-cmd",
            help=f"Shell command that starts the device; placeholders: {PLACEHOLDERS}. "
            "Without it the kit prints the provisioning and waits for the device to connect.",
        ),
    ] = None,
    broker: Annotated[
        str | None, typer.Option(help="Use this broker (mqtt://host:port) instead of a private Mosquitto.")
    ] = None,
    kit_username: Annotated[
        str | None, typer.Option(help="The kit's login on --broker (reads/writes nguon/v1/#).")
    ] = None,
    kit_password: Annotated[str | None, typer.Option(envvar="NGUON_CONFORMANCE_PASSWORD")] = None,
    device_id: Annotated[str | None, typer.Option(help="Device id (default: a fresh conf-dev-xxxxxx).")] = None,
    device_password: Annotated[str | None, typer.Option(help="Device password (default: a fresh one).")] = None,
    host: Annotated[str, typer.Option(help="Address the proxy and media server listen on and give the device.")] = (
        "127.0.0.1"
    ),
    advertise: Annotated[
        str | None, typer.Option(help="Address given to the device for the proxy and media (default: --host).")
    ] = None,
    workdir: Annotated[Path | None, typer.Option(help="Where the provisioning, logs and broker files go.")] = None,
    connect_timeout: Annotated[float, typer.Option(help="Seconds to wait for the device's first connection.")] = 60.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")] = False,
) -> None:
    """Provision the device, send it valid and invalid signed commands, cut its link, and judge what it does."""
    opts = Options(
        device_cmd=device_cmd, broker_url=broker, kit_username=kit_username, kit_password=kit_password,
        device_id=device_id, device_password=device_password, host=host, advertise=advertise, workdir=workdir,
        connect_timeout_s=connect_timeout,
    )  # fmt: skip
    echo = None if quiet else (lambda line: typer.echo(line, err=True))
    try:
        report = asyncio.run(run_conformance(opts, echo))
    except (RuntimeError, ValueError, OSError) as exc:
        typer.echo(f"conformance kit could not run: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(report.to_json() if json_out else report.to_text())
    raise typer.Exit(1 if not report.ok else 2 if report.kit_errors else 0)
