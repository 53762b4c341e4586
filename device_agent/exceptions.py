"""Errors of the device agent.

AgentError
 ├── MqttError                 anything wrong on the MQTT link
 │    ├── ConnectRefused       the broker answered CONNACK with a non-zero code (``code``, e.g. 4 bad credentials)
 │    └── ConnectionLost       the link broke: EOF, socket error, no PINGRESP, missing PUBACK
 ├── MediaError                a download that failed or did not match its reference (``reason`` is sent in the ack)
 └── RenderError               content a renderer cannot show or play (``reason`` is sent in the ack)
"""

from __future__ import annotations

CONNACK_REASONS = {
    1: "unacceptable protocol version",
    2: "client identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
}


class AgentError(Exception):
    """Base of every device agent error."""


class MqttError(AgentError):
    """A failure on the MQTT link."""


class ConnectRefused(MqttError):
    """The broker refused the connection; ``code`` is the CONNACK return code."""

    def __init__(self, code: int, client_id: str) -> None:
        reason = CONNACK_REASONS.get(code, "unknown reason")
        super().__init__(f"broker refused {client_id!r}: {reason} (CONNACK code {code})")
        self.code = code
        self.client_id = client_id
        self.reason = reason


class ConnectionLost(MqttError):
    """The connection to the broker is gone (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"connection lost: {reason}")
        self.reason = reason


class MediaError(AgentError):
    """A media download that failed; ``reason`` is one of hash_mismatch, size_mismatch, download_error."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason + (f": {detail}" if detail else ""))
        self.reason = reason
        self.detail = detail


class RenderError(AgentError):
    """Content no renderer can take (``unsupported_content``) or whose bytes are not what its type says
    (``bad_content``); ``reason`` is sent in the ``failed`` ack."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason + (f": {detail}" if detail else ""))
        self.reason = reason
        self.detail = detail
