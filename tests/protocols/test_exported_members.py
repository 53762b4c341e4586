"""The public names of protocols/ are exactly its __all__, and it imports nothing of the server side."""

from __future__ import annotations

import ast
from pathlib import Path

import protocols


def test_all_lists_every_public_name_once() -> None:
    public = {name for name in dir(protocols) if not name.startswith("_")}
    modules = {"exceptions", "models", "priority", "signing", "topics", "jsonschema", "examples", "annotations"}
    assert sorted(protocols.__all__) == sorted(public - modules)
    assert len(protocols.__all__) == len(set(protocols.__all__))


def test_protocols_imports_no_server_agent_or_simulator_code() -> None:
    forbidden = ("source_server", "device_agent", "simulators")
    for path in Path(protocols.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
