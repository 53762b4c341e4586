"""One ``Settings``: the TTS and log-in numbers keep their environment names and pass the production check."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from source_server.audio.tts_edge import EdgeTtsEngine
from source_server.audio.tts_espeak import EspeakNgEngine
from source_server.audio.tts_setup import build_chain
from source_server.broker import free_port
from source_server.config import Settings

ENV_NAMES = {
    "NGUON_TTS_ENGINES": ("tts_engines", "espeak", "espeak"),
    "NGUON_TTS_EDGE_CONNECT_TIMEOUT_S": ("tts_edge_connect_timeout_s", "1.5", 1.5),
    "NGUON_TTS_EDGE_RECEIVE_TIMEOUT_S": ("tts_edge_receive_timeout_s", "12", 12.0),
    "NGUON_TTS_ESPEAK_RATE_WPM": ("tts_espeak_rate_wpm", "140", 140),
    "NGUON_TTS_MAX_CHARS": ("tts_max_chars", "5000", 5000),
    "NGUON_TTS_UNAVAILABLE_COOLDOWN_S": ("tts_unavailable_cooldown_s", "5", 5.0),
    "NGUON_SESSION_IDLE_S": ("session_idle_s", "600", 600),
    "NGUON_SESSION_ABSOLUTE_S": ("session_absolute_s", "43200", 43200),
    "NGUON_LOGIN_MAX_FAILURES": ("login_max_failures", "3", 3),
    "NGUON_LOGIN_WINDOW_S": ("login_window_s", "120", 120),
    "NGUON_LOGIN_LOCKOUT_S": ("login_lockout_s", "60", 60),
    "NGUON_LOGIN_USER_MAX_FAILURES": ("login_user_max_failures", "20", 20),
    "NGUON_LOGIN_USER_THROTTLE_S": ("login_user_throttle_s", "10", 10.0),
    "NGUON_LOGIN_KNOWN_SOURCE_DAYS": ("login_known_source_days", "30", 30),
    "NGUON_LOGIN_FAILURE_DELAY_S": ("login_failure_delay_s", "0.2", 0.2),
    "NGUON_TRUSTED_PROXIES": ("trusted_proxies", "10.0.0.5,192.168.10.0/24", "10.0.0.5,192.168.10.0/24"),
}


@pytest.fixture
def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Everything production needs, from the environment (a key file that exists)."""
    key = tmp_path / "k1.pem"
    key.write_text("not read here")
    env = {
        "NGUON_ENV": "production",
        "NGUON_DATABASE_URL": "postgresql+psycopg://nguon:secret@127.0.0.1/nguon",
        "NGUON_MQTT_URL": f"mqtt://127.0.0.1:{free_port()}",  # parsed, never connected
        "NGUON_MQTT_USERNAME": "nguon-server",
        "NGUON_MQTT_PASSWORD": "long-random",
        "NGUON_SIGNING_KEY_PATH": str(key),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {}


@pytest.mark.parametrize("env_name", sorted(ENV_NAMES))
def test_the_tts_and_login_environment_names_keep_working(env_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    field, raw, expected = ENV_NAMES[env_name]
    monkeypatch.setenv(env_name, raw)
    assert getattr(Settings(), field) == expected


def test_the_one_settings_builds_the_tts_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NGUON_TTS_ESPEAK_RATE_WPM", "170")
    monkeypatch.setenv("NGUON_TTS_EDGE_CONNECT_TIMEOUT_S", "0.5")
    settings = Settings(tts_engines=" Edge ,espeak", tts_max_chars=123)
    assert settings.tts_engine_names == ["edge", "espeak"]
    chain = build_chain(settings)
    edge, espeak = chain.engines
    assert isinstance(edge, EdgeTtsEngine) and edge.connect_timeout_s == 0.5
    assert isinstance(espeak, EspeakNgEngine) and espeak.rate_wpm == 170
    assert chain.max_chars == 123


def test_production_passes_with_its_secrets_and_sane_values(production: dict[str, object]) -> None:
    settings = Settings(trusted_proxies="10.0.0.5")
    assert settings.env == "production" and [str(n) for n in settings.trusted_proxy_networks] == ["10.0.0.5/32"]


@pytest.mark.parametrize("everyone", ["0.0.0.0/0", "10.0.0.5, ::/0"])
def test_production_refuses_to_believe_every_address_as_a_proxy(production: dict[str, object], everyone: str) -> None:
    # the failure guarded against: outside production a catch-all is taken as written...
    assert Settings(env="development", trusted_proxies=everyone).trusted_proxy_networks
    # ...while production refuses it: anyone could pick the address throttling counts against
    with pytest.raises(ValidationError, match="production refuses NGUON_TRUSTED_PROXIES"):
        Settings(trusted_proxies=everyone)


def test_production_still_names_every_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NGUON_DATABASE_URL", "NGUON_MQTT_URL", "NGUON_MQTT_USERNAME", "NGUON_MQTT_PASSWORD",
                 "NGUON_SIGNING_KEY_PATH"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NGUON_ENV", "production")
    monkeypatch.setenv("NGUON_LOGIN_MAX_FAILURES", "7")
    with pytest.raises(ValidationError, match="production needs: NGUON_DATABASE_URL, NGUON_MQTT_URL"):
        Settings()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"trusted_proxies": "10.0.0.0/8, proxy.local"}, "NGUON_TRUSTED_PROXIES: 'proxy.local' does not appear"),
        ({"session_idle_s": 7200, "session_absolute_s": 3600}, "NGUON_SESSION_IDLE_S must not exceed"),
        ({"tts_engines": " , "}, "NGUON_TTS_ENGINES names no engine"),
        ({"login_max_failures": 0}, "login_max_failures"),
        ({"tts_espeak_rate_wpm": 5}, "tts_espeak_rate_wpm"),
    ],
)
def test_bad_values_stop_the_start_with_their_name(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**values)  # type: ignore[arg-type]
