"""One settings object for the whole server (environment prefix ``NGUON_``): storage, broker, presence, programme,
text to speech and log-in; production refuses missing secrets and unsafe values."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Server settings; embedded defaults need nothing set, production refuses missing secrets."""

    model_config = SettingsConfigDict(env_prefix="NGUON_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("nguon-data")
    database_url: str | None = None
    """SQLAlchemy URL; default: SQLite file ``<data_dir>/nguon.db``."""

    mqtt_url: str | None = None
    """``mqtt://host:port``; unset starts the embedded broker on ``embedded_broker_port`` (0 = free port)."""
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    embedded_broker: Literal["auto", "mosquitto", "amqtt"] = "auto"
    """Which broker runs when ``mqtt_url`` is unset: a private Mosquitto (``auto`` when the binary is installed;
    logins and ACL from the registry, as production) or amqtt (the fallback: no logins, no ACL, see
    ``broker.AMQTT_WARNING``)."""
    embedded_broker_port: int = 0
    mqtt_client_id: str | None = "nguon-server"
    """Stable id with a persistent session, so the broker queues device messages while the server is away.
    Each replica needs its own; unset = random id, clean session. The private Mosquitto also uses it as the
    server's user name (``use_username_as_clientid``)."""
    mqtt_shared_group: str | None = None
    """Consume device messages through ``$share/<group>/...`` (replicas; needs MQTT 5 broker support)."""

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_url: str | None = None
    """Base URL devices use to download media; default ``http://<http_host>:<http_port>``."""

    province_code: str = "64"
    signing_kid: str = "k1"
    signing_key_path: Path | None = None
    """PEM of the Ed25519 command key; default ``<data_dir>/keys/<kid>.pem``, generated in development."""

    heartbeat_s: int = Field(default=30, ge=1)
    inactivity_timeout_s: float = Field(default=90, gt=0)
    """Silence after which an online device is shown ``stale``."""
    reconnect_window_s: float = Field(default=75, ge=0)
    """After the server's link to the broker comes back, a device not yet seen again is ``reconnecting`` (not
    offline) this long: the protocol's 60 s backoff bound (PROTOCOL.md §3) plus a margin."""
    offline_alarm_after_s: float = 600
    flapping_window_s: float = 600
    flapping_threshold: int = 5
    takeover_window_s: float = Field(default=600, gt=0)
    takeover_threshold: int = Field(default=3, ge=1)
    """This many session takeovers of one device within ``takeover_window_s`` open a ``takeover`` alarm."""
    takeover_gap_s: float = Field(default=5, ge=0)
    """A new session this soon after the previous one's Will counts as a takeover (the kicked device's first retry)."""
    presence_flush_s: float = 0.2
    """How often buffered presence changes are written to the database in one batch."""

    command_ttl_s: int = 3600
    programme_horizon_s: int = Field(default=24 * 3600, ge=60, le=6 * 24 * 3600)
    """How far ahead programme items are sent to devices as play commands with an absolute start time."""
    programme_gap_s: float = Field(default=2.0, ge=0, le=600)
    """Silence between two items of one slot occurrence."""
    programme_grace_s: int = Field(default=600, ge=10, le=24 * 3600)
    """A programme item's command stays valid this long after its planned end (late devices, slow downloads);
    an item not sent by its start plus this much is given up as missed."""
    programme_sync_interval_s: float = Field(default=30.0, gt=0)
    """How often the leader re-syncs the programme with what devices hold (changes also wake it at once)."""
    programme_leader_retry_s: float = Field(default=10.0, gt=0)
    """How often a follower tries to become the scheduler leader (and the leader checks its lock)."""
    max_upload_bytes: int = 50 * 1024 * 1024
    max_audio_seconds: int = 3600

    # Text to speech (``audio.tts_setup.build_chain``).
    tts_engines: str = "edge,espeak"
    """Comma-separated engine names, tried in this order: ``edge`` (online neural voices), ``espeak`` (offline)."""
    tts_edge_connect_timeout_s: float = Field(default=3.0, gt=0)
    """How long to wait for the edge-tts service before falling back: short, since in a closed network it never answers."""
    tts_edge_receive_timeout_s: float = Field(default=30.0, gt=0)
    tts_espeak_rate_wpm: int = Field(default=150, ge=80, le=450)
    """Speaking rate of espeak-ng; slower than its 175 default, for horns in the open."""
    tts_max_chars: int = Field(default=20_000, ge=1)
    """Longest text accepted (about 25 minutes of speech)."""
    tts_unavailable_cooldown_s: float = Field(default=60.0, ge=0)
    """An engine found unreachable is skipped this long (and the skip recorded) instead of being waited on again."""

    # Browser sessions and log-in throttling (``accounts.sessions``; its docstring tells the rules).
    session_idle_s: int = Field(default=8 * 3600, gt=0)
    session_absolute_s: int = Field(default=24 * 3600, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    """Failures of one user name from one address that lock that address out for ``login_lockout_s``."""
    login_window_s: int = Field(default=15 * 60, gt=0)
    login_lockout_s: int = Field(default=15 * 60, ge=0)
    login_user_max_failures: int = Field(default=50, ge=1)
    """Failures of one user name from all addresses within the window past which unknown addresses are slowed."""
    login_user_throttle_s: float = Field(default=30.0, ge=0)
    """While slowed: one try per this many seconds for the user name from addresses it never logged in from."""
    login_known_source_days: int = Field(default=90, ge=0)
    """An address the user logged in from successfully within this many days is never slowed."""
    login_failure_delay_s: float = Field(default=0.5, ge=0, le=10)
    """A constant pause after each failed log-in (slows guessing)."""
    trusted_proxies: str = ""
    """Comma-separated addresses or networks of reverse proxies whose ``X-Forwarded-For`` is believed (e.g.
    ``10.0.0.5,192.168.10.0/24``); empty: the TCP peer is the client. (uvicorn with its defaults already applies
    ``X-Forwarded-For`` from 127.0.0.1 before the app sees the request.)"""

    @property
    def tts_engine_names(self) -> list[str]:
        """The configured TTS engine names, in order."""
        return [n.strip().lower() for n in self.tts_engines.split(",") if n.strip()]

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """``trusted_proxies`` parsed."""
        return _networks(self.trusted_proxies)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        try:
            self.trusted_proxy_networks  # noqa: B018 (parsed here so a typo stops the start, not each request)
        except ValueError as exc:
            raise ValueError(f"NGUON_TRUSTED_PROXIES: {exc}") from None
        if self.session_idle_s > self.session_absolute_s:
            raise ValueError("NGUON_SESSION_IDLE_S must not exceed NGUON_SESSION_ABSOLUTE_S")
        if not self.tts_engine_names:
            raise ValueError("NGUON_TTS_ENGINES names no engine (e.g. edge,espeak)")
        return self

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.env == "production":
            everyone = [str(n) for n in self.trusted_proxy_networks if n.prefixlen == 0]
            if everyone:
                raise ValueError(
                    f"production refuses NGUON_TRUSTED_PROXIES={','.join(everyone)}: anyone could then choose the "
                    "address log-in throttling and the audit log see; list the reverse proxies' own addresses"
                )
            missing = []
            if not self.database_url:
                missing.append("NGUON_DATABASE_URL")
            if not self.mqtt_url:
                missing.append("NGUON_MQTT_URL")
            if self.mqtt_url and not (self.mqtt_username and self.mqtt_password):
                missing.append("NGUON_MQTT_USERNAME/NGUON_MQTT_PASSWORD")
            if self.signing_key_path is None or not self.signing_key_path.exists():
                missing.append("NGUON_SIGNING_KEY_PATH (an existing key file)")
            if missing:
                raise ValueError("production needs: " + ", ".join(missing))
        return self

    @property
    def db_url(self) -> str:
        """The database URL in force."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'nguon.db').resolve()}"

    @property
    def key_path(self) -> Path:
        """Where the command signing key lives."""
        return self.signing_key_path or self.data_dir / "keys" / f"{self.signing_kid}.pem"

    @property
    def media_dir(self) -> Path:
        """Content-addressed media directory."""
        return self.data_dir / "media"

    @property
    def base_url(self) -> str:
        """Base URL for links devices follow."""
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own)."""
    return Settings()
