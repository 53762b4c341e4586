"""JSON Schemas of every message, generated from the models (written to ``protocols/schemas/``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from protocols.models import (
    Ack,
    CommandEnvelope,
    CommandPayload,
    PlayBody,
    RebootBody,
    ServerState,
    SetVolumeBody,
    StateMessage,
    StopBody,
    Telemetry,
)

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "state": StateMessage,
    "telemetry": Telemetry,
    "ack": Ack,
    "command-envelope": CommandEnvelope,
    "command-payload": CommandPayload,
    "body-play": PlayBody,
    "body-stop": StopBody,
    "body-set_volume": SetVolumeBody,
    "body-reboot": RebootBody,
    "server-state": ServerState,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """File stem → JSON Schema (draft 2020-12) of each message of protocol v1."""
    out: dict[str, dict[str, Any]] = {}
    for name, model in SCHEMA_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://nguon.invalid/protocol/v1/{name}.json"
        out[name] = schema
    return out
