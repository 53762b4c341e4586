"""Broker launchers: a private Mosquitto child process (the embedded default), amqtt (fallback), or an external one.

With ``NGUON_MQTT_URL`` unset the server runs its own broker. ``NGUON_EMBEDDED_BROKER`` chooses it: ``auto``
(default) takes the Debian ``mosquitto`` binary when installed, else amqtt with a warning; ``mosquitto`` or
``amqtt`` force one. The private Mosquitto is production's broker with production's rules (logins and ACL
generated from the registry, keepalive, Wills, per-filter retained delivery); amqtt lacks all of these.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import logging
import os
import pwd
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from source_server.config import Settings
    from source_server.fleet.mosquitto import Regenerated
    from source_server.fleet.mosquitto_sync import RegistrySync

log = logging.getLogger(__name__)

AMQTT_WARNING = (
    "MQTT broker: amqtt, the fallback embedded broker. It has no passwords and no ACL (any client may publish "
    "any device's state or acks), does not enforce keepalive (a frozen device is never dropped and its Will "
    "never sent), gives every new subscription all retained messages whatever its filter, and cannot carry "
    "more than ~5,000 devices. Install Mosquitto (apt-get install mosquitto; scripts/setup.sh does) for a "
    "broker that behaves as production's, or set NGUON_MQTT_URL."
)
"""What a server on amqtt is told at start: why this broker is not to be trusted."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the OS says is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class BrokerLauncher(Protocol):
    """Something that makes a broker reachable at ``url`` between ``start`` and ``stop``.

    ``username``, ``password`` and ``client_id`` are what the server logs in with.
    """

    url: str
    kind: str
    username: str | None
    password: str | None
    client_id: str | None

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class BrokerStartError(RuntimeError):
    """The broker could not be started; ``log_tail`` is the end of its log."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message + (f"\n{log_tail}" if log_tail else ""))
        self.log_tail = log_tail


class ExternalBroker:
    """A broker someone else runs (Mosquitto in production): nothing to start."""

    kind = "external"

    def __init__(
        self, url: str, *, username: str | None = None, password: str | None = None, client_id: str | None = None
    ) -> None:
        self.url = url
        self.username, self.password, self.client_id = username, password, client_id

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class EmbeddedBroker:
    """amqtt in this process's event loop, on ``127.0.0.1:<port>`` (0 asks the OS for a free port).

    The fallback where Mosquitto cannot be installed: see ``AMQTT_WARNING`` for what it lacks.
    """

    kind = "amqtt"
    username: str | None = None
    password: str | None = None

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, client_id: str | None = None, warn: bool = True
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.url = f"mqtt://{host}:{self.port}"
        self.client_id = client_id
        self.warn = warn
        self._broker: object | None = None

    async def start(self) -> None:
        from amqtt.broker import Broker

        if self.warn:
            log.warning(AMQTT_WARNING)
        # Quiet by default: amqtt's packet and event loggers are very chatty.
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 0}},
            "timeout_disconnect_delay": 0,
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        broker = Broker(config)
        await broker.start()
        self._broker = broker
        log.info("embedded MQTT broker (amqtt) listening on %s", self.url)

    async def stop(self) -> None:
        broker, self._broker = self._broker, None
        if broker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(broker.shutdown(), 10)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the private Mosquitto


def mosquitto_binary() -> str | None:
    """Path of the ``mosquitto`` binary (Debian installs it in /usr/sbin, often not on a user's PATH), or None."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None


MOSQUITTO_LIMITS = (
    "max_connections -1",
    "max_keepalive 300",
    "max_packet_size 262144",
    "max_inflight_messages 20",
    "max_queued_messages 100000",
    "max_queued_bytes 67108864",
    "queue_qos0_messages false",
    "retain_available true",
    "set_tcp_nodelay true",
    "persistent_client_expiration 14d",
)
"""Production's limits (deploy/mosquitto/nguon.conf), sized for a province of 25,000 devices."""

SERVER_SECRET = "server-password"
"""File (mode 0600) in the broker directory holding the server's own MQTT password, random per data dir."""


def _read_or_create_secret(path: Path) -> str:
    """The password stored in ``path``, created (random, mode 0600) when absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        text = path.read_text().strip()
        if text:
            return text
    password = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    os.chmod(path, 0o600)
    return password


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when the server dies (``PR_SET_PDEATHSIG``).

    ``prctl`` is looked up here, before the fork: the child of a threaded process must not load libraries.
    """
    prctl: Callable[..., int] | None = None
    with contextlib.suppress(OSError, AttributeError):
        prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec() -> None:
        if prctl is not None:
            prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the server died before prctl took effect
            os._exit(1)
        # Each device is a socket: lift the open-file limit to the hard limit (production sets 65536).
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    return preexec


class MosquittoBroker:
    """A private Mosquitto child process on ``127.0.0.1:<free port>``, configured as production is.

    Files live in ``<data_dir>/mosquitto/``: the generated ``mosquitto.conf``, ``passwd`` and ``acl`` (from the
    registry, see ``fleet.mosquitto_sync``), the server's password (``server-password``, 0600), the persistence
    file (retained presence and queued commands survive a restart) and ``mosquitto.log``. The server logs in as
    ``server_username`` (also its client id: ``use_username_as_clientid``). The child is started in its own
    session (a Ctrl-C in the terminal reaches the server, which stops it) and dies with the server
    (``PR_SET_PDEATHSIG``); call ``launch`` from a long-lived thread, since Linux ties that signal to the thread
    that forked.

    ``test_listener`` adds a second, anonymous listener without ACL (``test_url``) for test suites whose
    clients publish without logins; the default listener keeps every rule.
    """

    kind = "mosquitto"

    def __init__(
        self,
        data_dir: Path,
        *,
        server_username: str = "nguon-server",
        host: str = "127.0.0.1",
        port: int = 0,
        binary: str | None = None,
        registry: sessionmaker[Session] | None = None,
        test_listener: bool = False,
    ) -> None:
        found = binary or mosquitto_binary()
        if found is None:
            raise BrokerStartError("mosquitto is not installed (apt-get install mosquitto)")
        self.binary = found
        self.dir = (data_dir / "mosquitto").absolute()  # the child may not share our working directory
        self.host = host
        self.port = port or free_port(host)
        self.url = f"mqtt://{host}:{self.port}"
        self.test_port = free_port(host) if test_listener else None
        self.test_url = f"mqtt://{host}:{self.test_port}" if self.test_port else None
        self.username: str | None = server_username
        self.client_id: str | None = server_username
        self.password: str | None = _read_or_create_secret(self.dir / SERVER_SECRET)
        self.config_path = self.dir / "mosquitto.conf"
        self.passwd_path = self.dir / "passwd"
        self.acl_path = self.dir / "acl"
        self.log_path = self.dir / "mosquitto.log"
        self.registry = registry
        self.proc: subprocess.Popen[bytes] | None = None
        self._sync: RegistrySync | None = None
        self._watch: asyncio.Task[None] | None = None

    @property
    def server_username(self) -> str:
        assert self.username is not None
        return self.username

    def config_text(self) -> str:
        """The generated ``mosquitto.conf``: the security lines of ``fleet.mosquitto``, production's limits.

        With ``test_listener`` the logins become per listener (``per_listener_settings true``): the first
        listener keeps every rule, the second lets anonymous clients in without ACL.
        """
        from source_server.fleet.mosquitto import listener_security_lines, security_config_lines

        security = security_config_lines(passwd_path=self.passwd_path, acl_path=self.acl_path)
        lines = [
            "# Generated by nguon for its private broker; edits are overwritten at each start.",
            f"user {pwd.getpwuid(os.getuid()).pw_name}",
        ]
        if self.test_port is None:
            # Listener options (use_username_as_clientid) after the listener line: written before the first one,
            # Mosquitto 2.0.11 opens an implicit default listener on port 1883 for them.
            lines += [*security, f"listener {self.port} {self.host}", *listener_security_lines()]
        else:
            per_listener = [line for line in security if not line.startswith("per_listener_settings")]
            lines += ["per_listener_settings true", f"listener {self.port} {self.host}", *per_listener]
            lines += listener_security_lines()
            lines += [f"listener {self.test_port} {self.host}", "allow_anonymous true"]
        lines += [
            "persistence true",
            f"persistence_location {self.dir}/",
            "persistence_file mosquitto.db",
            "autosave_interval 30",
            *MOSQUITTO_LIMITS,
            f"log_dest file {self.log_path}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "connection_messages false",
            "log_timestamp_format %Y-%m-%dT%H:%M:%S",
        ]
        return "\n".join(lines) + "\n"

    def write_registry(self, db: Session) -> Regenerated:
        """Write ``passwd`` and ``acl`` from the registry (atomically, 0600), with the server's own login."""
        from source_server.fleet import mosquitto
        from source_server.fleet.credentials import hash_password

        assert self.password is not None
        return mosquitto.regenerate(
            db,
            passwd_path=self.passwd_path,
            acl_path=self.acl_path,
            server_username=self.server_username,
            server_password_hash=hash_password(self.password),
            mode=0o600,
        )

    def _write_server_only(self) -> None:
        """Files with the server's login alone, for a launch without a registry."""
        from protocols.topics import ROOT
        from source_server.fleet.credentials import hash_password
        from source_server.fleet.mosquitto import DEVICE_PATTERNS, write_atomic

        assert self.password is not None
        name = self.server_username
        write_atomic(self.passwd_path, f"{name}:{hash_password(self.password)}\n", 0o600)
        acl = ["# Generated by nguon; no registry.", *DEVICE_PATTERNS, "", f"user {name}", f"topic readwrite {ROOT}/#"]
        write_atomic(self.acl_path, "\n".join(acl) + "\n", 0o600)

    def reload(self) -> bool:
        """SIGHUP the child so it re-reads ``passwd`` and ``acl``; False when it is not running."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return False
        proc.send_signal(signal.SIGHUP)
        return True

    def launch(self, timeout: float = 10.0) -> None:
        """Write the config (and login files when missing), start the child, wait until it accepts connections."""
        self._spawn()
        deadline = time.monotonic() + timeout
        while not self._ready(deadline):
            time.sleep(0.02)

    def _spawn(self) -> None:
        from source_server.fleet.mosquitto import write_atomic

        self.dir.mkdir(parents=True, exist_ok=True)
        if not (self.passwd_path.exists() and self.acl_path.exists()):
            self._write_server_only()
        write_atomic(self.config_path, self.config_text(), 0o600)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                [self.binary, "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
                preexec_fn=_die_with_parent(os.getpid()),  # only prctl and setrlimit: safe beside threads
            )
        atexit.register(self.terminate)

    def _ready(self, deadline: float) -> bool:
        """True once the child accepts connections; BrokerStartError when it exited or ``deadline`` passed."""
        proc = self.proc
        assert proc is not None
        if self._accepting():
            log.info("private Mosquitto (pid %d) listening on %s; log in %s", proc.pid, self.url, self.log_path)
            return True
        if proc.poll() is not None or time.monotonic() > deadline:
            code = proc.poll()
            self.terminate()
            raise BrokerStartError(
                f"mosquitto did not start on port {self.port} (exit code {code}); see {self.log_path}",
                self.log_tail(),
            )
        return False

    def _accepting(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the broker's log (start errors)."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def terminate(self, grace_s: float = 5.0) -> None:
        """Stop the child: SIGTERM (Mosquitto saves its persistence file), SIGKILL after ``grace_s``."""
        proc, self.proc = self.proc, None
        atexit.unregister(self.terminate)
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                log.warning("mosquitto (pid %d) ignored SIGTERM for %.0f s; killing it", proc.pid, grace_s)
                proc.kill()
                proc.wait()

    async def start(self) -> None:
        """Write the login files from the registry, launch, and keep the files in step with later commits."""
        if self.registry is not None:
            from source_server.fleet.mosquitto_sync import RegistrySync

            self._sync = RegistrySync(sessions=self.registry, broker=self)
            await self._sync.start()
        try:
            await self._launch_async()
        except BaseException:
            await self.stop()
            raise
        self._watch = asyncio.create_task(self._supervise(), name="mosquitto-supervisor")

    async def _launch_async(self, timeout: float = 10.0) -> None:
        self._spawn()  # in the loop's own (long-lived) thread: PR_SET_PDEATHSIG follows the forking thread
        deadline = time.monotonic() + timeout
        while not self._ready(deadline):
            await asyncio.sleep(0.02)

    async def _supervise(self, every_s: float = 0.5) -> None:
        """Start the child again, on the same port, when it exits while the server runs (a crash, an OOM kill):
        the server's client and the devices reconnect, retained presence comes back from the persistence file."""
        delay = 1.0
        while True:
            await asyncio.sleep(every_s)
            proc = self.proc
            if proc is not None and proc.poll() is None:
                continue
            code = proc.poll() if proc is not None else None
            log.error("private Mosquitto exited (code %s); starting it again on port %d\n%s", code, self.port,
                      self.log_tail(5))  # fmt: skip
            self.terminate()
            try:
                await self._launch_async()
                delay = 1.0
            except BrokerStartError as exc:
                log.error("%s; next try in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def stop(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        if self._sync is not None:
            await self._sync.stop()
            self._sync = None
        await asyncio.to_thread(self.terminate)

    async def sync_registry(self) -> None:
        """Rewrite the login files and reload now (commits also do it on their own, a moment later)."""
        if self._sync is not None:
            await self._sync.sync()


def broker_for(settings: Settings, *, registry: sessionmaker[Session] | None = None) -> BrokerLauncher:
    """The broker a server with ``settings`` uses: ``NGUON_MQTT_URL``, else the embedded one it chooses."""
    if settings.mqtt_url:
        return ExternalBroker(
            settings.mqtt_url,
            username=settings.mqtt_username,
            password=settings.mqtt_password,
            client_id=settings.mqtt_client_id,
        )
    choice = settings.embedded_broker
    binary = mosquitto_binary()
    if choice == "mosquitto" or (choice == "auto" and binary is not None):
        return MosquittoBroker(
            settings.data_dir,
            server_username=settings.mqtt_client_id or "nguon-server",
            port=settings.embedded_broker_port,
            registry=registry,
        )
    return EmbeddedBroker(port=settings.embedded_broker_port, client_id=settings.mqtt_client_id)
