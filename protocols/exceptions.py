"""Errors of the wire contract.

ProtocolError
 ├── TopicError            a topic that is not ours or is malformed
 ├── PayloadError          a payload that is not valid JSON or not a valid message
 └── CommandRejected       a command a device must not act on; ``reason`` is one of RejectReason
"""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Why a device refuses a command; sent back in the ``rejected`` ack."""

    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REPLAY = "replay"
    NOT_FOR_ME = "not_for_me"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNSUPPORTED_TYPE = "unsupported_type"
    LIFETIME_TOO_LONG = "lifetime_too_long"
    UNSUPPORTED_CONTENT = "unsupported_content"
    """A ``play`` of content the device cannot render (a content type or a stream it has no renderer for)."""

    @property
    def unverified(self) -> bool:
        """Failed before the signature was proven: the ack proves nothing about the command id it names."""
        return self in _UNVERIFIED


_UNVERIFIED = frozenset({RejectReason.MALFORMED, RejectReason.UNKNOWN_KEY, RejectReason.BAD_SIGNATURE})
UNKNOWN_COMMAND_ID = "unknown"
"""The ``command_id`` of a refusal whose envelope names no readable, valid id."""


class ProtocolError(Exception):
    """Base of every wire-contract error."""


class TopicError(ProtocolError):
    """A topic outside ``nguon/v1/`` or with a malformed part."""

    def __init__(self, topic: str, reason: str) -> None:
        super().__init__(f"bad topic {topic!r}: {reason}")
        self.topic = topic
        self.reason = reason


class PayloadError(ProtocolError):
    """A payload that cannot be parsed into the expected message."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"bad {kind} payload: {reason}")
        self.kind = kind
        self.reason = reason


class CommandRejected(ProtocolError):
    """A command that fails verification; the device acks ``rejected`` with ``reason``."""

    def __init__(self, reason: RejectReason, detail: str = "", command_id: str | None = None) -> None:
        super().__init__(f"command {command_id or '?'} rejected: {reason.value}" + (f" ({detail})" if detail else ""))
        self.reason = reason
        self.detail = detail
        self.command_id = command_id
