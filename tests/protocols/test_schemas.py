"""The JSON Schemas shipped to vendors are the ones the models produce (they never drift)."""

from __future__ import annotations

import json
from pathlib import Path

import protocols
from protocols import json_schemas

SCHEMA_DIR = Path(protocols.__file__).parent / "schemas"


def test_committed_schemas_match_the_models() -> None:
    generated = json_schemas()
    on_disk = {p.stem: json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json")}
    assert on_disk == generated, "run `nguon protocol schemas` and commit protocols/schemas/"


def test_state_schema_requires_online_and_session() -> None:
    schema = json_schemas()["state"]
    assert set(schema["required"]) == {"online", "session"}
