"""Start real brokers for tests, on free ports: a plain private Mosquitto process, the server's own launcher (the
embedded default: ``MosquittoBroker`` with an extra anonymous listener for the tests' clients) or amqtt."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from source_server.broker import EmbeddedBroker, MosquittoBroker, free_port
from source_server.broker import mosquitto_binary as find_mosquitto


def wait_port(host: str, port: int, timeout: float = 10.0) -> None:
    """Block until something accepts TCP connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def mosquitto_binary() -> str:
    """Path of the mosquitto binary; fails (not skips) when it is missing: CI must install it."""
    path = find_mosquitto()
    if path is None:
        raise RuntimeError("mosquitto is not installed (apt-get install mosquitto); .ci/run installs it")
    return path


class MosquittoProcess:
    """A private Mosquitto on a free port with a generated config; restartable (same port) for fault tests."""

    def __init__(
        self,
        extra_config: str = "",
        allow_anonymous: bool = True,
        workdir: Path | None = None,
        persistence: bool = False,
    ) -> None:
        """``persistence``: retained messages (the Wills published while stopping too) survive a restart, as in
        production (``deploy/``); a SIGKILL loses what was not saved yet."""
        self.port = free_port()
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="nguon-mosq-"))
        self.config_path = self.workdir / "mosquitto.conf"
        keep = f"persistence true\npersistence_location {self.workdir}/\n" if persistence else "persistence false\n"
        if persistence and os.geteuid() == 0:
            keep += "user root\n"  # as root Mosquitto drops to its own user, which cannot write a private workdir
        self.config_path.write_text(
            f"listener {self.port} 127.0.0.1\n"
            f"allow_anonymous {'true' if allow_anonymous else 'false'}\n" + keep + "max_keepalive 65535\n"
            "max_queued_messages 100000\n"
            "log_dest none\n" + extra_config
        )
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.workdir / "mosquitto.stderr", "ab") as err:
            self.proc = subprocess.Popen(
                [mosquitto_binary(), "-c", str(self.config_path)], stdout=subprocess.DEVNULL, stderr=err
            )
        try:
            wait_port("127.0.0.1", self.port)
        except TimeoutError:
            self.stop()
            raise

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (Mosquitto publishes its clients' Wills and saves persistence) or, with ``kill``, SIGKILL."""
        if self.proc is not None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def restart(self, down_for: float = 0.0, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        time.sleep(down_for)
        self.start()


class LauncherBroker:
    """The private Mosquitto exactly as the server launches it with ``NGUON_MQTT_URL`` unset (generated config,
    logins and ACL, persistence, production's limits), plus an anonymous listener without ACL for the suite.

    ``url`` is the anonymous listener (most tests publish as plain clients and run the server without a
    login); ``secure_url`` is the listener with every rule, where only the server's user (``broker.username``,
    ``broker.password``) and devices with credentials get in.
    """

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="nguon-embedded-"))
        self.broker = MosquittoBroker(self.workdir, test_listener=True)
        assert self.broker.test_url is not None and self.broker.test_port is not None
        self.url = self.broker.test_url
        self.port = self.broker.test_port
        self.secure_url = self.broker.url

    def start(self) -> None:
        self.broker.launch()

    def stop(self) -> None:
        self.broker.terminate()
        shutil.rmtree(self.workdir, ignore_errors=True)


class EmbeddedBrokerThread:
    """The amqtt fallback broker on its own event loop in a daemon thread (tests keep their own loops)."""

    def __init__(self) -> None:
        self.broker = EmbeddedBroker(warn=False)
        self.url = self.broker.url
        self.port = self.broker.port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="embedded-broker")

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.broker.start(), self._loop).result(15)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.broker.stop(), self._loop).result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


TestBroker = MosquittoProcess | LauncherBroker | EmbeddedBrokerThread


def broker_kind() -> str:
    """Which broker the suite runs against: ``NGUON_TEST_BROKER`` = ``mosquitto`` (default: a plain private
    Mosquitto), ``embedded`` (the server's own launcher, the default when ``NGUON_MQTT_URL`` is unset) or
    ``amqtt`` (the fallback embedded broker)."""
    kind = os.environ.get("NGUON_TEST_BROKER", "mosquitto")
    if kind not in ("mosquitto", "embedded", "amqtt"):
        raise ValueError(f"NGUON_TEST_BROKER={kind!r}: expected mosquitto, embedded or amqtt")
    return kind


def session_broker() -> TestBroker:
    """A new (not yet started) broker of the suite's kind."""
    kind = broker_kind()
    if kind == "embedded":
        return LauncherBroker()
    if kind == "amqtt":
        return EmbeddedBrokerThread()
    return MosquittoProcess()


@contextmanager
def running(broker: TestBroker) -> Iterator[str]:
    """Start a broker, yield its URL, stop it."""
    broker.start()
    try:
        yield broker.url
    finally:
        broker.stop()
