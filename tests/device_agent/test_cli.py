"""``nguon agent`` as a real process: online on start, a clean offline on SIGTERM, clear errors on bad options."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from device_agent.cli import app, load_keyring
from protocols import SigningKey
from tests.device_agent.support import Watcher, new_id

KEY = SigningKey.generate("k1")


@pytest.mark.broker
async def test_agent_process_goes_online_and_leaves_cleanly(broker_url: str, tmp_path: Path) -> None:
    device = new_id()
    keyring = tmp_path / "keys.json"
    keyring.write_text(json.dumps({KEY.kid: KEY.public_b64()}))
    async with Watcher(broker_url) as w:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from device_agent.cli import app; app()", "--device-id", device,
            "--area", "64/25087/01", "--broker-url", broker_url, "--keyring", str(keyring),
            "--state-dir", str(tmp_path / "state"), "--cache-dir", str(tmp_path / "cache"),
        )  # fmt: skip
        try:
            await w.wait_for(lambda: any(d == device and b'"online":true' in p for d, p, _ in w.states), timeout=10)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 10) == 0
        await w.wait_for(lambda: any(d == device and b'"online":false' in p for d, p, _ in w.states))
    session = int((tmp_path / "state" / "session").read_text())
    assert [json.loads(p)["session"] for d, p, _ in w.states if d == device] == [session, session]


def test_bad_options_are_refused_clearly(tmp_path: Path) -> None:
    runner = CliRunner()
    no_key = runner.invoke(app, ["--device-id", "d1", "--area", "64/1"])
    assert no_key.exit_code == 2 and "no server key" in no_key.output
    bad_url = runner.invoke(app, ["--device-id", "d1", "--area", "64", "--server-key", f"k1={KEY.public_b64()}",
                                  "--broker-url", "http://x"])  # fmt: skip
    assert bad_url.exit_code == 2 and "mqtt://host:port" in bad_url.output
    lines = tmp_path / "keys.txt"
    lines.write_text(f"# server keys\nk1={KEY.public_b64()}\n")
    assert load_keyring(lines).get("k1") is not None


def test_announcing_a_capability_the_device_cannot_render_is_refused_before_connecting() -> None:
    refused = CliRunner().invoke(app, ["--device-id", "d1", "--area", "64/1", "--server-key", f"k1={KEY.public_b64()}",
                                       "--capability", "audio", "--capability", "video"])  # fmt: skip
    assert refused.exit_code == 2 and "without a renderer for them: video" in refused.output
