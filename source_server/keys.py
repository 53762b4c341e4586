"""The server's Ed25519 command-signing key: loaded from a file, generated once in development."""

from __future__ import annotations

import os

from protocols import SigningKey
from source_server.config import Settings


def load_signing_key(settings: Settings) -> SigningKey:
    """Load the key at ``settings.key_path``; in development create it (mode 0600) when missing."""
    path = settings.key_path
    if path.exists():
        return SigningKey.from_pem(settings.signing_kid, path.read_bytes())
    if settings.env == "production":
        raise FileNotFoundError(f"signing key {path} is missing; create it with `nguon keys generate`")
    key = SigningKey.generate(settings.signing_kid)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_pem())
    return key
