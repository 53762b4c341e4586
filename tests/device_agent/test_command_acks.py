"""The acks each command type gets are the ones PROTOCOL.md §4.4 lists, as the reference agent sends them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import protocols
from protocols import SigningKey, Target
from tests.device_agent.support import Watcher, agent_config, cmd_topic, command, running

pytestmark = pytest.mark.broker
KEY = SigningKey.generate("k1")
DOC = (Path(protocols.__file__).parent / "PROTOCOL.md").read_text()


def documented_acks(type_: str) -> list[str]:
    """The statuses §4.4's table gives a command type, in order."""
    row = re.search(rf"^\| `{type_}` \| (.*) \|$", DOC, flags=re.M)
    assert row is not None, f"§4.4 has no row for {type_}"
    return re.findall(r"`(\w+)`", row.group(1).split(";")[0])


async def test_stop_set_volume_and_reboot_get_the_acks_the_document_lists(broker_url: str) -> None:
    assert documented_acks("set_volume") == documented_acks("stop") == documented_acks("reboot") == ["received", "done"]
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY, reboot_downtime_s=0.2)) as agent:
        me = Target(devices=(agent.device_id,))
        vol, env = command(KEY, "set_volume", {"volume": 55}, target=me)
        await w.publish(cmd_topic(agent.device_id), env)
        stop, env = command(KEY, "stop", {}, target=me)  # nothing plays: still done, with a reason
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "done" in w.statuses(vol) and "done" in w.statuses(stop))
        assert w.statuses(vol) == documented_acks("set_volume") and agent.telemetry().volume == 55
        assert [(a.status.value, a.reason) for a in w.acks_of(stop)] == [
            ("received", None),
            ("done", "nothing_to_stop"),
        ]
        before = agent.session
        reboot, env = command(KEY, "reboot", {"delay_s": 0}, target=me)
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "done" in w.statuses(reboot))
        await agent.wait_connected()
        await w.wait_for(lambda: agent.session > before, timeout=10)
    assert w.statuses(reboot) == documented_acks("reboot")
    assert {a.session for a in w.acks_of(reboot)} == {before}  # made on the connection before the restart
