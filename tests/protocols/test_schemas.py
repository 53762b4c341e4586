"""The JSON Schemas shipped to vendors are the ones the models produce, and they say what PROTOCOL.md says."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

import protocols
from protocols import CommandPayload, json_schemas
from protocols.jsonschema import SCHEMA_MODELS

SCHEMA_DIR = Path(protocols.__file__).parent / "schemas"


def test_committed_schemas_match_the_models() -> None:
    generated = json_schemas()
    on_disk = {p.stem: json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json")}
    assert on_disk == generated, "run `nguon protocol schemas` and commit protocols/schemas/"


def test_state_schema_requires_online_and_session() -> None:
    schema = json_schemas()["state"]
    assert set(schema["required"]) == {"online", "session"}


def _validator(name: str, schema: dict[str, Any] | None = None) -> Draft202012Validator:
    return Draft202012Validator(schema or json_schemas()[name], format_checker=Draft202012Validator.FORMAT_CHECKER)


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as it was shipped before: every object closed to unknown fields."""
    out = copy.deepcopy(schema)
    for obj in [out, *out.get("$defs", {}).values()]:
        if obj.get("type") == "object":
            obj["additionalProperties"] = False
    return out


NEWER = {
    "command-payload": {
        "v": 1, "id": "c-1", "type": "play", "iat": "2026-11-23T00:00:00Z", "exp": "2026-11-23T01:00:00Z",
        "target": {"area": ["64", "23561"]}, "priority": "normal", "origin": "province", "body": {},
        "trace": "a field of protocol v1.3",
    },
    "command-envelope": {"kid": "k1", "alg": "Ed25519", "payload": "e30", "sig": "AAAA", "chain": ["k0"]},
    "body-play": {
        "media": {"url": "http://x/a.mp3", "sha256": "0" * 64, "size": 1, "duration_ms": 1, "codec": "mp3"},
        "title": "t", "fade_in_ms": 200,
    },
    "body-stop": {"command_id": "c-1", "fade_out_ms": 500},
    "body-set_volume": {"volume": 50, "ramp_ms": 100},
    "body-reboot": {"delay_s": 5, "reason": "firmware"},
    "server-state": {"online": True, "at": "2026-11-23T00:00:00Z", "version": "9.9", "replicas": 3},
    "state": {"online": True, "session": 1, "battery_pct": 80},
    "telemetry": {"session": 1, "at": "2026-11-23T00:00:00Z", "battery_pct": 80},
    "ack": {"command_id": "c-1", "status": "done", "at": "2026-11-23T00:00:00Z", "evidence": {"sha256": "ab" * 32}},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(NEWER))
def test_a_message_with_unknown_fields_validates_as_section_4_3_says(name: str) -> None:
    message = NEWER[name]
    assert set(NEWER) == set(json_schemas())
    # the failure a vendor met: schemas closed to unknown fields refused every newer message
    assert list(_validator(name, _closed(json_schemas()[name])).iter_errors(message))
    assert not list(_validator(name).iter_errors(message)), name
    # ...and the models (what the reference agent and the server parse with) accept it too
    SCHEMA_MODELS[name].model_validate(message)


@pytest.mark.parametrize(
    "target",
    [{}, {"area": ["64"], "group": "flood"}, {"area": ["64"], "polygon": [[1, 2]]}, {"polygon": [[1, 2]]}],
)
def test_a_target_is_exactly_one_known_key_in_the_schema_and_the_model(target: dict[str, Any]) -> None:
    payload = {**NEWER["command-payload"], "target": target}
    assert list(_validator("command-payload").iter_errors(payload))
    with pytest.raises(ValidationError):
        CommandPayload.model_validate(payload)
    assert not list(_validator("command-payload").iter_errors({**payload, "target": {"group": "flood"}}))
