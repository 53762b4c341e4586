"""Ed25519 signing and verification of command envelopes, with key ids, expiry and replay protection.

The server signs the exact UTF-8 bytes of a :class:`CommandPayload`'s JSON; the envelope carries those
bytes base64url-encoded, so a verifier never has to re-serialise JSON to check a signature.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from protocols.exceptions import CommandRejected, RejectReason
from protocols.models import (
    MAX_COMMAND_PAYLOAD,
    PROTOCOL_VERSION,
    CommandEnvelope,
    CommandPayload,
    CommandType,
    PlayBody,
)

MAX_LIFETIME = timedelta(days=7)
"""Longest ``exp - iat`` a device accepts; bounds how long it must remember command ids."""
CLOCK_SKEW = timedelta(seconds=300)
"""How far ahead of the device clock an ``iat`` may be before the command is not yet valid."""


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Inverse of :func:`b64url`; accepts missing padding."""
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


@dataclass(frozen=True)
class SigningKey:
    """A server signing key and the id devices know it by."""

    kid: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, kid: str) -> SigningKey:
        """A fresh random key."""
        return cls(kid=kid, private=Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, kid: str, pem: bytes) -> SigningKey:
        """Load a PKCS#8 PEM private key."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        return cls(kid=kid, private=key)

    def private_pem(self) -> bytes:
        """PKCS#8 PEM of the private key (keep it secret)."""
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_raw(self) -> bytes:
        """The 32-byte raw public key."""
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def public_b64(self) -> str:
        """The raw public key, base64url: what a device is provisioned with."""
        return b64url(self.public_raw())

    def public_pem(self) -> str:
        """The public key as a PEM SubjectPublicKeyInfo (``-----BEGIN PUBLIC KEY-----``), for tools that want one."""
        public = self.private.public_key()
        return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign_command(payload: CommandPayload, key: SigningKey) -> CommandEnvelope:
    """Sign ``payload`` with ``key`` and wrap it in an envelope."""
    raw = payload.model_dump_json(exclude_none=True).encode()
    return CommandEnvelope(kid=key.kid, payload=b64url(raw), sig=b64url(key.private.sign(raw)))


class Keyring:
    """The public keys a device trusts, by key id (several during a key rotation)."""

    def __init__(self, keys: Mapping[str, bytes | str] | None = None) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        for kid, value in (keys or {}).items():
            self.add(kid, value)

    def add(self, kid: str, public: bytes | str) -> None:
        """Trust a key: 32 raw bytes or their base64url text."""
        raw = unb64url(public) if isinstance(public, str) else public
        self._keys[kid] = Ed25519PublicKey.from_public_bytes(raw)

    def get(self, kid: str) -> Ed25519PublicKey | None:
        """The key with this id, if trusted."""
        return self._keys.get(kid)

    def __len__(self) -> int:
        return len(self._keys)


def open_envelope(raw: bytes | str, keyring: Keyring) -> CommandPayload:
    """Check the envelope's signature and return its payload; no time or target checks here."""
    if len(raw) > MAX_COMMAND_PAYLOAD:
        raise CommandRejected(RejectReason.MALFORMED, f"envelope over {MAX_COMMAND_PAYLOAD} bytes")
    try:
        envelope = CommandEnvelope.model_validate(json.loads(raw))
        signed = unb64url(envelope.payload)
        signature = unb64url(envelope.sig)
        if len(signature) != 64 or not signed:
            raise ValueError("an Ed25519 signature is 64 bytes over a non-empty payload")
    except (ValueError, ValidationError, TypeError) as exc:
        raise CommandRejected(RejectReason.MALFORMED, f"not a command envelope: {type(exc).__name__}") from None
    key = keyring.get(envelope.kid)
    if key is None:
        raise CommandRejected(RejectReason.UNKNOWN_KEY, f"key id {envelope.kid!r} is not trusted")
    try:
        key.verify(signature, signed)
    except InvalidSignature:
        raise CommandRejected(RejectReason.BAD_SIGNATURE) from None
    try:
        return CommandPayload.model_validate_json(signed)
    except ValidationError as exc:
        raise CommandRejected(RejectReason.MALFORMED, str(exc.errors()[0]["msg"])) from None


@dataclass
class ReplayGuard:
    """Remembers accepted command ids until they expire, so a replayed command is never acted on twice."""

    seen: dict[str, datetime] = field(default_factory=dict)

    def seen_before(self, command_id: str) -> bool:
        """True when this id was accepted already (and has not expired yet)."""
        return command_id in self.seen

    def remember(self, command_id: str, exp: datetime) -> None:
        """Record an accepted id until its expiry."""
        self.seen[command_id] = exp

    def purge(self, now: datetime) -> None:
        """Forget ids whose commands have expired (they are refused as expired anyway)."""
        for cid in [cid for cid, exp in self.seen.items() if exp < now]:
            del self.seen[cid]


@dataclass(frozen=True)
class DeviceIdentity:
    """What a device knows about itself to decide whether a command targets it."""

    device_id: str
    area_path: tuple[str, ...]
    groups: frozenset[str] = frozenset()


def verify_command(
    raw: bytes | str,
    *,
    keyring: Keyring,
    identity: DeviceIdentity,
    replay: ReplayGuard,
    now: datetime | None = None,
    skew: timedelta = CLOCK_SKEW,
    can_render: Callable[[PlayBody], bool] | None = None,
) -> CommandPayload:
    """Everything a device checks before acting, in order; CommandRejected with the reason otherwise.

    Signature, replay, version, time window (lifetime, expiry, not-yet-valid), target, type, and (given
    ``can_render``) whether the device can render a ``play``'s content. On
    success the id is remembered, so calling this twice with the same command raises ``replay`` — which is
    not a rejection to ack: the device re-sends its latest ack for that id (PROTOCOL.md §4.3).
    """
    return check_command(
        open_envelope(raw, keyring), identity=identity, replay=replay, now=now, skew=skew, can_render=can_render
    )


def check_command(
    payload: CommandPayload,
    *,
    identity: DeviceIdentity,
    replay: ReplayGuard,
    now: datetime | None = None,
    skew: timedelta = CLOCK_SKEW,
    can_render: Callable[[PlayBody], bool] | None = None,
) -> CommandPayload:
    """The checks after the signature (replay, version, time window, target, type, content) of an opened envelope.

    Replay comes first: a verified copy of an accepted id is the same command, whatever the clock says now.
    ``can_render`` says whether the device has a renderer for a ``play``'s content (None: not checked); a play it
    cannot render is ``unsupported_content`` and, like every rejection, not remembered as accepted.
    """
    now = now or datetime.now(UTC)
    cid = payload.id
    if replay.seen_before(cid):
        raise CommandRejected(RejectReason.REPLAY, "", cid)
    if payload.v != PROTOCOL_VERSION:
        raise CommandRejected(RejectReason.UNSUPPORTED_VERSION, f"v={payload.v}", cid)
    if payload.exp - payload.iat > MAX_LIFETIME:
        raise CommandRejected(RejectReason.LIFETIME_TOO_LONG, f"over {MAX_LIFETIME}", cid)
    if now > payload.exp:
        raise CommandRejected(RejectReason.EXPIRED, f"expired at {payload.exp.isoformat()}", cid)
    if payload.iat - skew > now:
        raise CommandRejected(RejectReason.NOT_YET_VALID, f"issued at {payload.iat.isoformat()}", cid)
    if not payload.target.covers(identity.device_id, identity.area_path, identity.groups):
        raise CommandRejected(RejectReason.NOT_FOR_ME, "", cid)
    try:
        CommandType(payload.type)
        body = payload.parsed_body()
    except ValueError as exc:
        if payload.type not in CommandType.__members__.values():
            raise CommandRejected(RejectReason.UNSUPPORTED_TYPE, payload.type, cid) from None
        raise CommandRejected(RejectReason.MALFORMED, f"body: {exc}".splitlines()[0], cid) from None
    if can_render is not None and isinstance(body, PlayBody) and not can_render(body):
        what = f"stream {body.content_type}" if body.stream is not None else body.content_type
        raise CommandRejected(RejectReason.UNSUPPORTED_CONTENT, what, cid)
    replay.remember(cid, payload.exp)
    return payload
