"""The ``nguon`` command: serve, demo, agent, conformance, simulate, users and tokens, keys, protocol tools."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from source_server.config import Settings, get_settings

app = typer.Typer(help="Nguồn: the provincial source system for grassroots broadcast.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="The command-signing key.", no_args_is_help=True)
protocol_app = typer.Typer(help="The device protocol: schemas, examples, verification.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(protocol_app, name="protocol")


def _register_subapps() -> None:
    from conformance.cli import app as conformance_app
    from device_agent.cli import app as agent_app
    from simulators.cli import app as simulate_app
    from source_server.accounts.cli import token_app, user_app

    app.add_typer(agent_app, name="agent")
    app.add_typer(conformance_app, name="conformance")
    app.add_typer(simulate_app, name="simulate")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default NGUON_HTTP_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default NGUON_HTTP_PORT).")] = None,
) -> None:
    """Run the server (API, MQTT client, presence, dispatch) until interrupted."""
    import uvicorn

    from source_server.app import create_app

    base = get_settings()
    settings = base.model_copy(update={k: v for k, v in {"http_host": host, "http_port": port}.items() if v})
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_level="info")


@app.command()
def demo(
    communes: Annotated[int, typer.Option(help="Communes of the simulated province.")] = 6,
    speakers: Annotated[int, typer.Option(help="Speaker clusters per commune.")] = 36,
    eboards: Annotated[int, typer.Option(help="E-boards per commune.")] = 2,
    port: Annotated[int, typer.Option(help="HTTP port; 0 picks a free one.")] = 8000,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the demo keeps its files (default: a fresh temp dir).")
    ] = None,
    duration: Annotated[float, typer.Option(help="Stop after this many seconds (0 = until Ctrl-C).")] = 0,
) -> None:
    """Embedded broker, SQLite, a simulated province and a first broadcast: everything in one process."""
    import asyncio

    from source_server.demo import run_demo

    asyncio.run(
        run_demo(communes=communes, speakers=speakers, eboards=eboards, port=port, data_dir=data_dir, duration=duration)
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to the configured database."""
    from source_server.migrate import upgrade

    settings = get_settings()
    upgrade(settings.db_url)
    typer.echo(f"database at head: {settings.db_url.split('@')[-1]}")


@keys_app.command("generate")
def keys_generate(
    out: Annotated[Path, typer.Option(help="Where to write the PEM private key (mode 0600).")],
    kid: Annotated[str, typer.Option(help="Key id devices will know it by.")] = "k1",
) -> None:
    """Create a new Ed25519 command-signing key; prints the public key to provision on devices."""
    import os

    from protocols import SigningKey

    if out.exists():
        raise typer.BadParameter(f"{out} exists; refusing to overwrite a signing key")
    key = SigningKey.generate(kid)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_pem())
    typer.echo(f"{kid}={key.public_b64()}")


@keys_app.command("show")
def keys_show(
    pem: Annotated[bool, typer.Option("--pem", help="Print the PEM public key instead of kid=base64url.")] = False,
) -> None:
    """Print ``kid=public key`` of the configured signing key (what devices must trust); never creates one."""
    from source_server.keys import SigningKeyMissing, find_signing_key

    settings = get_settings()
    try:
        key = find_signing_key(settings)
    except SigningKeyMissing as exc:
        typer.echo(f"{exc} (NGUON_SIGNING_KEY_PATH, else <NGUON_DATA_DIR>/keys/<NGUON_SIGNING_KID>.pem)", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"signing key {key.kid} from {settings.key_path}", err=True)
    typer.echo(key.public_pem().rstrip() if pem else f"{key.kid}={key.public_b64()}")


@protocol_app.command("schemas")
def protocol_schemas(
    out: Annotated[Path, typer.Option(help="Directory to write into.")] = Path("protocols/schemas"),
) -> None:
    """Write the JSON Schemas of every message."""
    from protocols import json_schemas

    out.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (out / f"{name}.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {len(json_schemas())} schemas to {out}")


@protocol_app.command("examples")
def protocol_examples(
    at: Annotated[
        str | None, typer.Option(help="Issue time (RFC 3339); default now. 2026-11-23T00:00:00Z prints PROTOCOL.md's.")
    ] = None,
    device: Annotated[str, typer.Option(help="Device id in topics and acks.")] = "spk-6423561-001",
    area: Annotated[str, typer.Option(help="That device's area path; the command goes to its commune.")] = (
        "64/23561/2356101"
    ),
) -> None:
    """Print PROTOCOL.md's examples as shell commands, the command signed now with the example key (not expired)."""
    from protocols import ProtocolError
    from protocols.examples import EXAMPLE_KID, example_key, examples

    try:
        now = _rfc3339(at) if at else datetime.now(UTC)
        shown = examples(now, device=device, area=tuple(p for p in area.split("/") if p))
    except (ValueError, ProtocolError) as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(
        f"# signed with the example key {EXAMPLE_KID}={example_key().public_b64()} (trust it on test devices only)"
    )
    typer.echo("# set DEVICE_PASSWORD (the device's), MQTT_USER and MQTT_PASSWORD (a test sender's); add -h/-p")
    for e in shown:
        typer.echo(f"\n# {e.name} ({e.schema}.json)\n{e.command()}")


def _rfc3339(text: str) -> datetime:
    """A time with a zone (``Z`` allowed); ValueError otherwise."""
    when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone (add Z)")
    return when


@protocol_app.command("verify")
def protocol_verify(
    key: Annotated[list[str], typer.Option(help="Trusted key as kid=base64url (repeatable).")],
    device: Annotated[str, typer.Option(help="The verifying device's id.")],
    area: Annotated[str, typer.Option(help="Its area path, e.g. 64/23561/2356101.")],
    group: Annotated[list[str] | None, typer.Option(help="Its groups (repeatable).")] = None,
    at: Annotated[str | None, typer.Option(help="Device clock (RFC 3339); default now.")] = None,
) -> None:
    """Verify a command envelope read from stdin as a device would; exit 1 with the reason if rejected."""
    from protocols import CommandRejected, DeviceIdentity, Keyring, ReplayGuard, verify_command

    keyring = Keyring(dict(k.split("=", 1) for k in key))
    identity = DeviceIdentity(device, tuple(p for p in area.split("/") if p), frozenset(group or ()))
    now = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else datetime.now(UTC)
    try:
        payload = verify_command(
            sys.stdin.read().strip(), keyring=keyring, identity=identity, replay=ReplayGuard(), now=now
        )
    except CommandRejected as exc:
        typer.echo(f"rejected: {exc.reason.value} {exc.detail}".rstrip(), err=True)
        raise typer.Exit(1) from None
    typer.echo(payload.model_dump_json(indent=2, exclude_none=True))


def main() -> None:
    """Console-script entry point."""
    try:
        _register_subapps()
    except ImportError as exc:  # a partial install still serves the core commands
        print(f"warning: some commands unavailable: {exc}", file=sys.stderr)
    app()


__all__ = ["Settings", "app", "main"]


if __name__ == "__main__":
    main()
