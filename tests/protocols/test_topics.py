"""Topic builders and parsers refuse anything that is not ours."""

from __future__ import annotations

import pytest

from protocols import DeviceChannel, TopicError, area_cmd_topic, device_subscriptions, device_topic, parse_device_topic


def test_device_topics_round_trip() -> None:
    topic = device_topic("spk-00012", DeviceChannel.STATE)
    assert topic == "nguon/v1/dev/spk-00012/state"
    parsed = parse_device_topic(topic)
    assert (parsed.device_id, parsed.channel) == ("spk-00012", DeviceChannel.STATE)


@pytest.mark.parametrize(
    "topic",
    [
        "nguon/v1/dev/spk-1/unknown",
        "nguon/v2/dev/spk-1/state",
        "nguon/v1/dev/spk-1/state/extra",
        "nguon/v1/dev/+/state",
        "nguon/v1/dev/#/state",
        "nguon/v1/area/64/cmd",
        "other/v1/dev/spk-1/ack",
        "",
    ],
)
def test_foreign_or_malformed_topics_are_refused(topic: str) -> None:
    with pytest.raises(TopicError):
        parse_device_topic(topic)


@pytest.mark.parametrize("bad_id", ["a/b", "+", "#", "", "x" * 65, "-leading", "sp ace"])
def test_ids_that_would_break_topics_are_refused(bad_id: str) -> None:
    with pytest.raises(TopicError):
        device_topic(bad_id, "cmd")


def test_a_device_subscribes_to_itself_every_level_of_its_area_and_its_groups() -> None:
    subs = device_subscriptions("spk-1", ("64", "23561", "2356101"), ("flood-zone",))
    assert subs == [
        "nguon/v1/dev/spk-1/cmd",
        "nguon/v1/area/64/cmd",
        "nguon/v1/area/64/23561/cmd",
        "nguon/v1/area/64/23561/2356101/cmd",
        "nguon/v1/grp/flood-zone/cmd",
    ]


def test_area_paths_have_one_to_three_levels() -> None:
    with pytest.raises(TopicError):
        area_cmd_topic(())
    with pytest.raises(TopicError):
        area_cmd_topic(("64", "1", "2", "3"))
