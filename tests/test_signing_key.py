"""The server's public key is easy to get right: a public API route (JSON and PEM) and a `keys show` that
never makes a key up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI
from typer.testing import CliRunner

from protocols import Keyring, SigningKey, Target, open_envelope, sign_command
from protocols.examples import example_play_payload
from source_server.api import api_router
from source_server.cli import app as cli
from source_server.config import Settings, get_settings
from source_server.keys import SigningKeyMissing, find_signing_key, load_signing_key


@dataclass
class KeyRuntime:
    """The one part of the runtime the route reads."""

    signer: SigningKey


@pytest.fixture
def signer() -> SigningKey:
    return SigningKey.generate("k7")


@pytest.fixture
async def client(signer: SigningKey) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(api_router)
    app.state.runtime = KeyRuntime(signer)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def test_the_public_key_is_served_without_a_login_as_json_and_pem(
    client: httpx.AsyncClient, signer: SigningKey
) -> None:
    got = await client.get("/api/v1/keys")  # no Authorization header
    assert got.status_code == 200
    doc = got.json()
    assert doc["kid"] == "k7" and doc["alg"] == "Ed25519" and doc["public_key"] == signer.public_b64()
    # what a device is provisioned with verifies what the server signs
    envelope = sign_command(example_play_payload().model_copy(update={"target": Target(group="g")}), signer)
    assert open_envelope(envelope.model_dump_json(), Keyring({doc["kid"]: doc["public_key"]})).id
    for pem in (
        (await client.get("/api/v1/keys?format=pem")),
        (await client.get("/api/v1/keys", headers={"Accept": "application/x-pem-file"})),
    ):
        assert pem.status_code == 200 and pem.headers["content-type"].startswith("application/x-pem-file")
        key = serialization.load_pem_public_key(pem.text.encode())
        assert isinstance(key, Ed25519PublicKey)
        assert key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == signer.public_raw()
        assert pem.text == doc["pem"]
    assert (await client.get("/api/v1/keys?format=der")).status_code == 422


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """``get_settings`` is cached per process: read the environment this test sets, and leave no trace."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_keys_show_says_where_it_looked_and_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NGUON_SIGNING_KEY_PATH", "NGUON_SIGNING_KID", "NGUON_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NGUON_DATA_DIR", str(tmp_path / "data"))
    expected = tmp_path / "data" / "keys" / "k1.pem"
    settings = Settings(data_dir=tmp_path / "data")
    # the failure guarded against: loading the key the way the server starts makes one up in development...
    made = load_signing_key(settings)
    assert expected.exists()
    expected.unlink()
    with pytest.raises(SigningKeyMissing) as missing:  # ...while looking it up never does
        find_signing_key(settings)
    assert missing.value.path == expected
    shown = CliRunner().invoke(cli, ["keys", "show"])
    assert shown.exit_code == 1 and str(expected) in shown.output and not expected.exists()
    expected.parent.mkdir(parents=True, exist_ok=True)
    expected.write_bytes(made.private_pem())
    shown = CliRunner().invoke(cli, ["keys", "show"])
    assert shown.exit_code == 0 and f"k1={made.public_b64()}" in shown.output and str(expected) in shown.output
    assert "BEGIN PUBLIC KEY" in CliRunner().invoke(cli, ["keys", "show", "--pem"]).output
