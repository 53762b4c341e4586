"""The server's Ed25519 command-signing key: loaded from a file, generated once in development."""

from __future__ import annotations

import os
from pathlib import Path

from protocols import SigningKey
from source_server.config import Settings


class SigningKeyMissing(FileNotFoundError):
    """No signing key where the settings say it is; ``path`` is where it was looked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no signing key at {path}; create it with `nguon keys generate --out {path}`")
        self.path = path


def find_signing_key(settings: Settings) -> SigningKey:
    """The key at ``settings.key_path``, never created here; SigningKeyMissing when there is none."""
    path = settings.key_path
    if not path.exists():
        raise SigningKeyMissing(path)
    return SigningKey.from_pem(settings.signing_kid, path.read_bytes())


def load_signing_key(settings: Settings) -> SigningKey:
    """Load the key at ``settings.key_path``; in development create it (mode 0600) when missing."""
    path = settings.key_path
    if path.exists() or settings.env == "production":
        return find_signing_key(settings)
    key = SigningKey.generate(settings.signing_kid)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_pem())
    return key


def public_key_document(key: SigningKey) -> dict[str, str]:
    """What devices and vendors are given: the key id, the algorithm, the raw key (base64url) and its PEM."""
    return {"kid": key.kid, "alg": "Ed25519", "public_key": key.public_b64(), "pem": key.public_pem()}
