"""The kit against real devices: the reference agent passes every clause; a careless device fails the right ones.

The careless device is the reference agent with four bugs put in: it reads a command without checking the
key id, the signature or the size; it forgets the ids it accepted; it reuses one session number; it takes a play
of content it announced it cannot render. A kit that
only ever says PASS would let such a device through — here it must fail exactly those clauses.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conformance import Options, Report, Verdict, run_conformance

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]

REFERENCE_AGENT = (
    f"{shlex.quote(sys.executable)} -m device_agent --device-id {{device_id}} --area {{area}} --group {{group}} "
    "--broker-url {broker_url} --server-key {server_key} --state-dir {state_dir} --heartbeat 5 --keepalive 30"
)

CARELESS_DEVICE = textwrap.dedent(
    '''
    """The reference agent with the bugs the kit must catch (see the test module's docstring)."""
    import asyncio, json, sys
    from pathlib import Path
    from device_agent import Agent, AgentConfig
    from protocols import CommandPayload, Keyring, ReplayGuard
    from protocols.signing import unb64url

    def careless_opener(raw):
        return CommandPayload.model_validate_json(unb64url(json.loads(raw)["payload"]))

    class Forgetful(ReplayGuard):
        def remember(self, command_id, exp):
            pass

    async def main(path):
        p = json.loads(Path(path).read_text())
        host, port = p["broker_url"].removeprefix("mqtt://").rsplit(":", 1)
        agent = Agent(AgentConfig(
            device_id=p["device_id"], password=p["password"], keyring=Keyring(p["server_keys"]),
            area_path=tuple(p["area_path"]), groups=tuple(p["groups"]), broker_host=host, broker_port=int(port),
            heartbeat_s=p["heartbeat_s"], keepalive_s=30, opener=careless_opener, state_dir=Path(p["state_dir"]),
        ))
        agent.state.replay = Forgetful()
        agent.state.next_session = lambda: 7
        agent.renderers.can_render = lambda body: True
        agent.start()
        await asyncio.Event().wait()

    asyncio.run(main(sys.argv[1]))
    '''
)


def verdicts(report: Report) -> dict[str, Verdict]:
    return {c.id: c.verdict for c in report.clauses}


async def test_the_reference_agent_passes_every_clause(tmp_path: Path) -> None:
    report = await run_conformance(Options(device_cmd=REFERENCE_AGENT, workdir=tmp_path))
    text = report.to_text()
    seen = verdicts(report)
    assert len(seen) == 25, text
    wrong = {cid: v for cid, v in seen.items() if v is not Verdict.PASS}
    assert not wrong, text
    assert report.duration_s < 120, text


def test_the_kit_fails_a_device_that_skips_signatures_forgets_ids_and_reuses_its_session(tmp_path: Path) -> None:
    script = tmp_path / "careless_device.py"
    script.write_text(CARELESS_DEVICE)
    root = Path(__file__).resolve().parents[2]
    command = (
        f"cd {shlex.quote(str(root))} && {shlex.quote(sys.executable)} {shlex.quote(str(script))} {{provisioning}}"
    )
    run = subprocess.run(
        [sys.executable, "-m", "conformance", "--json", "--quiet", "--workdir", str(tmp_path / "run"),
         "--device-cmd", command],
        cwd=root, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(root)},  # the script imports this tree, not whichever is installed
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    verdict = {c["id"]: c["verdict"] for c in report["clauses"]}
    failed = {cid for cid, v in verdict.items() if v == "FAIL"}
    expected = {
        "reject.tampered_payload", "reject.bad_signature", "reject.unknown_kid", "reject.oversized",
        "replay.accepted_id", "presence.session", "reject.unsupported_content",
    }  # fmt: skip
    assert failed == expected, run.stdout
    assert report["ok"] is False
    bad_sig = next(c for c in report["clauses"] if c["id"] == "reject.bad_signature")
    assert any("the device acted on it" in line for line in bad_sig["evidence"]), run.stdout
    assert verdict["play.valid"] == verdict["reject.expired"] == verdict["presence.will"] == "PASS", run.stdout
