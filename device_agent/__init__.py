"""The reference device agent: a lean asyncio MQTT client, presence, verified commands, media cache and playback.

Depends on ``protocols`` and third-party libraries only; runs on a real box (ffplay/aplay) or simulated (null sink).
"""

from __future__ import annotations

from device_agent.agent import Agent, KillMode
from device_agent.backoff import Backoff
from device_agent.cache import DirCache, MediaCache, MemoryCache
from device_agent.config import AckHook, AgentConfig
from device_agent.exceptions import AgentError, ConnectionLost, ConnectRefused, MediaError, MqttError, RenderError
from device_agent.media import Fetcher, HttpFetcher, SharedFetcher, verify
from device_agent.mqtt import BrokerAddress, MqttClient, Will, parse_broker_url
from device_agent.player import CommandPlayer, NullPlayer, Playable, Player, make_player
from device_agent.renderers import (
    AudioRenderer,
    FrameRenderer,
    Renderer,
    Renderers,
    StreamRenderer,
    VideoRenderer,
    default_renderers,
)

__all__ = [
    "AckHook",
    "Agent",
    "AgentConfig",
    "AgentError",
    "AudioRenderer",
    "Backoff",
    "BrokerAddress",
    "CommandPlayer",
    "ConnectRefused",
    "ConnectionLost",
    "DirCache",
    "Fetcher",
    "FrameRenderer",
    "HttpFetcher",
    "KillMode",
    "MediaCache",
    "MediaError",
    "MemoryCache",
    "MqttClient",
    "MqttError",
    "NullPlayer",
    "Playable",
    "Player",
    "RenderError",
    "Renderer",
    "Renderers",
    "SharedFetcher",
    "StreamRenderer",
    "VideoRenderer",
    "Will",
    "default_renderers",
    "make_player",
    "parse_broker_url",
    "verify",
]
