"""One conformance run: start the broker (or use one), the proxy and the media server, provision and launch the
device, judge every clause in a fixed order, and clean up whatever happens."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from conformance import plays, presence, rejections
from conformance.broker import PrivateMosquitto
from conformance.kit import Kit
from conformance.media import MediaServer, corrupted, make_tone
from conformance.observer import Observer
from conformance.provision import Provisioning, new_provisioning
from conformance.proxy import LinkProxy
from conformance.report import ClauseResult, Report, Verdict

Echo = Callable[[str], None]


@dataclass
class Options:
    """How to run the kit (the CLI's options)."""

    device_cmd: str | None = None
    """Shell command that starts the device, with ``{provisioning}``, ``{device_id}``... placeholders."""
    broker_url: str | None = None
    """An existing broker (``mqtt://host:port``); None starts a private Mosquitto."""
    kit_username: str | None = None
    kit_password: str | None = None
    device_id: str | None = None
    device_password: str | None = None
    host: str = "127.0.0.1"
    """Where the proxy and the media server listen."""
    advertise: str | None = None
    """The address the device is given for them (``host`` when None; set it when ``host`` is 0.0.0.0)."""
    workdir: Path | None = None
    connect_timeout_s: float = 60.0


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    if parts.scheme not in ("mqtt", "tcp"):
        raise ValueError(f"the kit speaks plain MQTT on loopback: {url!r} (use mqtt://host:port)")
    return parts.hostname or "127.0.0.1", parts.port or 1883


class _Device:
    """The device process the kit launched (its own process group, so it is stopped by its id)."""

    def __init__(self, command: str, prov: Provisioning, prov_path: Path, log: Path) -> None:
        env = dict(os.environ, NGUON_DEVICE_ID=prov.device_id, NGUON_DEVICE_PASSWORD=prov.password,
                   NGUON_MQTT_URL=prov.broker_url, NGUON_CONFORMANCE_PROVISIONING=str(prov_path))  # fmt: skip
        self.command = prov.device_command(command, prov_path)
        self.log, self.env = log, env
        self._launch()

    def _launch(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                ["/bin/sh", "-c", self.command], stdout=out, stderr=subprocess.STDOUT, env=self.env,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    async def restart(self) -> None:
        """Kill the device like a power cut (SIGKILL to its process group) and launch it again."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        await asyncio.to_thread(self.proc.wait, 5)
        self._launch()

    def stop(self) -> int | None:
        """SIGTERM the device's process group, SIGKILL after 5 s; its exit code."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        return self.proc.returncode


async def run_conformance(opts: Options, echo: Echo | None = None) -> Report:
    """Run every clause against the device under test and return the report."""
    say = echo or (lambda _: None)
    started = time.monotonic()
    workdir = opts.workdir or Path(tempfile.mkdtemp(prefix="nguon-conformance-"))
    workdir.mkdir(parents=True, exist_ok=True)
    public = opts.advertise or opts.host
    proxy = LinkProxy("127.0.0.1", 0, host=opts.host)
    await proxy.start()
    prov, key = new_provisioning(broker_url=f"mqtt://{public}:{proxy.port}", state_dir=workdir / "device-state",
                                 device_id=opts.device_id, password=opts.device_password)  # fmt: skip
    report = Report(device_id=prov.device_id)
    broker: PrivateMosquitto | None = None
    media = MediaServer(host=opts.host, public_host=public)
    observer: Observer | None = None
    device: _Device | None = None
    try:
        if opts.broker_url:
            proxy.upstream_host, proxy.upstream_port = _host_port(opts.broker_url)
            user, password = opts.kit_username, opts.kit_password
            report.setup["broker"] = f"{opts.broker_url} (given)"
            if not (opts.device_id and opts.device_password):
                say("note: a broker that requires logins needs --device-id and --device-password of a login it knows")
        else:
            broker = PrivateMosquitto(workdir, prov)
            await broker.start()
            proxy.upstream_port = broker.port
            user, password = broker.kit_user, broker.kit_password
            report.setup["broker"] = f"private Mosquitto on 127.0.0.1:{broker.port} (logins and ACL required)"
        report.setup["device connects to"] = f"{prov.broker_url} (the kit's link proxy)"
        fresh = make_tone("fresh", 1.0, 550)
        tones = {"short": make_tone("short", 2.0, 440), "long": make_tone("long", 6.0, 660), "fresh": fresh,
                 "longer": make_tone("longer", 12.0, 330),
                 "fresh_wrong": corrupted(fresh, f"wrong-{fresh.name}")}  # fmt: skip
        await media.start()
        report.setup["media"] = f"{media.url('')} ({tones['short'].content_type})"
        observer = Observer(host=proxy.upstream_host, port=proxy.upstream_port, username=user, password=password,
                            device_id=prov.device_id)  # fmt: skip
        await observer.start()
        prov_path = prov.write(workdir / "provisioning.json")
        report.setup["provisioning"] = str(prov_path)
        if opts.device_cmd:
            device = _Device(opts.device_cmd, prov, prov_path, workdir / "device.log")
            report.setup["device log"] = str(device.log)
            say(f"launched the device: {device.command}")
        else:
            say(f"provisioning ({prov_path}):\n{prov.to_json()}\nwaiting {opts.connect_timeout_s:.0f} s for the device")
        kit = Kit(prov=prov, key=key, observer=observer, proxy=proxy, media=media, tones=tones)
        await _clauses(kit, report, opts, say, device.restart if device is not None else None)
    finally:
        if device is not None:
            code = device.stop()
            report.setup["device exit"] = (
                "still running at the end (stopped by the kit)" if code in (-15, 143) else str(code)
            )
        if observer is not None:
            await observer.close()
        await proxy.close()
        await media.close()
        if broker is not None:
            broker.stop()
        report.duration_s = time.monotonic() - started
    return report


async def _clauses(kit: Kit, report: Report, opts: Options, say: Echo, restart: plays.Restart | None) -> None:
    async def judge(clause_id: str, step: Callable[[], ClauseResult | Awaitable[ClauseResult]]) -> None:
        try:
            outcome = step()
            result = await outcome if inspect.isawaitable(outcome) else outcome
        except Exception as exc:  # a failure of the kit itself is reported, never a silent pass
            result = ClauseResult(clause_id, "the kit could not judge this clause", "").skipped(
                f"kit error: {type(exc).__name__}: {exc}"
            )
        report.add(result)
        say(f"{result.verdict.value:4}  {result.id}")

    conn = await kit.await_connection(0, opts.connect_timeout_s)
    await judge("connect.identity", lambda: presence.identity(kit, conn))
    if conn is None:
        return
    steps: list[tuple[str, Callable[[], ClauseResult | Awaitable[ClauseResult]]]] = [
        ("presence.online", lambda: presence.online(kit, conn)),
        ("play.valid", lambda: plays.play_valid(kit)),
        ("replay.accepted_id", lambda: plays.replay(kit)),
        ("reject.tampered_payload", lambda: rejections.tampered(kit)),
        ("reject.bad_signature", lambda: rejections.bad_signature(kit)),
        ("reject.unknown_kid", lambda: rejections.unknown_kid(kit)),
        ("reject.expired", lambda: rejections.expired(kit)),
        ("reject.not_yet_valid", lambda: rejections.not_yet_valid(kit)),
        ("reject.other_device", lambda: rejections.other_device(kit)),
        ("reject.other_commune", lambda: rejections.other_commune(kit)),
        ("reject.unknown_type", lambda: rejections.unknown_type(kit)),
        ("reject.unsupported_content", lambda: rejections.unsupported_content(kit)),
        ("subscribe.fanout", lambda: rejections.fanout(kit)),
        ("reject.oversized", lambda: rejections.oversized(kit)),
        ("accept.unknown_field_envelope", lambda: rejections.unknown_field(kit, where="envelope")),
        ("accept.unknown_field_payload", lambda: rejections.unknown_field(kit, where="payload")),
        ("accept.unknown_field_body", lambda: rejections.unknown_field(kit, where="body")),
        ("play.hash_mismatch", lambda: plays.hash_mismatch(kit)),
        ("play.preemption", lambda: plays.preemption(kit)),
        ("presence.will", lambda: presence.will(kit)),  # the first cut
        ("play.start_at_offline", lambda: plays.start_at_offline(kit)),  # the second cut
        ("play.interrupted_by_restart", lambda: plays.interrupted_by_restart(kit, restart)),
        ("presence.session", lambda: presence.sessions(kit)),  # judged over every connection above
        ("presence.heartbeat", lambda: presence.heartbeat(kit)),
    ]
    for clause_id, step in steps:
        await judge(clause_id, step)
    _sweep(kit, report)


def _sweep(kit: Kit, report: Report) -> None:
    """A command the device had to refuse must not have been acted on later in the run either."""
    for cid, clause_id in kit.acted_on_forbidden.items():
        late = set(kit.statuses(cid)) & rejections.ACTING
        result = report.get(clause_id)
        if late and result is not None and result.verdict is not Verdict.FAIL:
            result.failed(f"later in the run the device acted on {cid}: {sorted(late)}")


__all__ = ["Options", "run_conformance"]
