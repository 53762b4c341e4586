"""Clauses of PROTOCOL.md §2 and §4.3: what a device accepts, rejects (and why), ignores, and never acts on."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from conformance.kit import Kit, b64url, new_id, now
from conformance.media import Media
from conformance.report import ClauseResult
from protocols import Capability, SigningKey, area_cmd_topic, group_cmd_topic

ACTING = {"received", "downloaded", "started", "done", "preempted", "failed", "expired"}
"""Statuses that say the device took a command as valid."""
UNVERIFIED = "unknown"
"""R2: the ``command_id`` of a rejection when the claimed id is unreadable."""


def _volume(kit: Kit, cid: str, **kw: object) -> dict[str, object]:
    return kit.payload("set_volume", {"volume": 42}, cid=cid, **kw)  # type: ignore[arg-type]


async def _expect_rejection(
    kit: Kit, r: ClauseResult, raw: bytes, cid: str, reasons: set[str], *, unverified: bool = False, topic: str | None = None
) -> ClauseResult:  # fmt: skip
    """Send ``raw``; PASS when the device acks ``rejected`` with one of ``reasons`` and never acts on it."""
    kit.acted_on_forbidden[cid] = r.id
    ids = {cid, UNVERIFIED} if unverified else {cid}
    sent = await kit.send(raw, topic)
    r.saw(f"sent {len(raw)} bytes on {topic or kit.cmd_topic}, id {cid}")
    await kit.wait_any_ack(ids, 3.0, sent)
    await asyncio.sleep(0.5)  # anything more it says about it
    seen = sorted((s for c in ids for s in kit.acks(c, sent)), key=lambda s: s.at)
    r.evidence += kit.describe(seen, sent)
    statuses = [s.ack.status.value for s in seen if s.ack]
    if set(statuses) & ACTING:
        return r.failed(
            f"the device acted on it ({', '.join(statuses)}); §4.3: MUST NOT act on a command failing a check"
        )
    rejected = [s.ack for s in seen if s.ack and s.ack.status == "rejected"]
    want = " or ".join(sorted(reasons))
    if not rejected and unverified and kit.refusals_acked:
        return r.passed("no ack: allowed, acks of unverified copies are rate limited (R2) and an earlier one was acked")
    if not rejected:
        return r.failed(f"no ack within 3 s; §4.3: ack rejected with reason {want}")
    if unverified:
        kit.refusals_acked += 1
    if rejected[0].reason not in reasons:
        return r.failed(f"rejected with reason {rejected[0].reason!r}, expected {want}")
    return r.passed()


async def tampered(kit: Kit) -> ClauseResult:
    """§4.1/§4.3: the payload changed after signing (signature of the original) → ``bad_signature``."""
    r = ClauseResult("reject.tampered_payload", "tampered payload is refused", "§4.1, §4.3")
    cid = new_id("tamper")
    env = json.loads(kit.sign(_volume(kit, cid)))
    payload = json.loads(_unb64(env["payload"]))
    payload["body"]["volume"] = 99
    env["payload"] = b64url(json.dumps(payload, separators=(",", ":")).encode())
    r.saw("signed set_volume 42, then changed the payload to volume 99 (signature kept)")
    r.note = "R2: an unverified copy is acked rejected with the claimed id (or 'unknown'), rate limited"
    return await _expect_rejection(kit, r, json.dumps(env).encode(), cid, {"bad_signature"}, unverified=True)


async def bad_signature(kit: Kit) -> ClauseResult:
    """§4.3: a trusted kid but a signature by another key → ``bad_signature``."""
    r = ClauseResult("reject.bad_signature", "signature by another key under a trusted kid", "§4.3")
    cid = new_id("badsig")
    impostor = SigningKey.generate(kit.key.kid)
    r.note = "R2: an unverified copy is acked rejected with the claimed id (or 'unknown'), rate limited"
    return await _expect_rejection(
        kit, r, kit.sign(_volume(kit, cid), impostor), cid, {"bad_signature"}, unverified=True
    )


async def unknown_kid(kit: Kit) -> ClauseResult:
    """§4.3: a kid the device was not provisioned with → ``unknown_key``."""
    r = ClauseResult("reject.unknown_kid", "signed with a key id the device does not trust", "§4.3")
    cid = new_id("kid")
    stranger = SigningKey.generate(f"{kit.key.kid}-stranger")
    r.note = "R2: an unverified copy is acked rejected with the claimed id (or 'unknown'), rate limited"
    return await _expect_rejection(kit, r, kit.sign(_volume(kit, cid), stranger), cid, {"unknown_key"}, unverified=True)


async def expired(kit: Kit) -> ClauseResult:
    """§4.3: now > exp → ``expired``."""
    r = ClauseResult("reject.expired", "expired command", "§4.3")
    cid = new_id("expired")
    body = _volume(kit, cid, iat=kit.device_now() - timedelta(hours=2), lifetime=timedelta(hours=1))
    r.saw(f"iat {body['iat']}, exp {body['exp']}")
    return await _expect_rejection(kit, r, kit.sign(body), cid, {"expired"})


async def not_yet_valid(kit: Kit) -> ClauseResult:
    """§4.3: iat more than 5 min ahead of the device clock → ``not_yet_valid``."""
    r = ClauseResult("reject.not_yet_valid", "command issued in the future (iat +1 h)", "§4.3")
    cid = new_id("future")
    body = _volume(kit, cid, iat=kit.device_now() + timedelta(hours=1), lifetime=timedelta(hours=1))
    r.saw(f"iat {body['iat']}, exp {body['exp']}")
    return await _expect_rejection(kit, r, kit.sign(body), cid, {"not_yet_valid"})


async def other_device(kit: Kit) -> ClauseResult:
    """§4.3: a command for another device, sent on this device's topic → ``not_for_me``."""
    r = ClauseResult("reject.other_device", "target is another device", "§4.3")
    cid = new_id("other")
    body = _volume(kit, cid, target={"devices": [f"{kit.prov.device_id}-other"]})
    r.saw(f"target {body['target']}")
    return await _expect_rejection(kit, r, kit.sign(body), cid, {"not_for_me"})


async def other_commune(kit: Kit) -> ClauseResult:
    """§4.3: a command for another commune of the province → ``not_for_me``."""
    r = ClauseResult("reject.other_commune", "target is another commune", "§4.3")
    cid = new_id("commune")
    province, commune = kit.prov.area_path[:2]
    other = f"{province}{(int(commune[len(province) :]) + 1) % 1000:03d}"
    body = _volume(kit, cid, target={"area": [province, other]})
    r.saw(f"target {body['target']}")
    return await _expect_rejection(kit, r, kit.sign(body), cid, {"not_for_me"})


async def unknown_type(kit: Kit) -> ClauseResult:
    """§4.3: an unknown command type → ``unsupported_type`` (by name, so the server sees who supports what)."""
    r = ClauseResult("reject.unknown_type", "unknown command type", "§4.3, §7")
    cid = new_id("type")
    return await _expect_rejection(kit, r, kit.sign(kit.payload("dance", {"style": "xoe"}, cid=cid)), cid,
                                   {"unsupported_type"})  # fmt: skip


_FOREIGN: list[tuple[Capability | None, Media]] = [
    (Capability.TEXT, Media("frame.txt", "Thông báo: cắt điện từ 8 giờ đến 11 giờ".encode(), 3000,
                            "text/plain; charset=utf-8")),
    (Capability.IMAGE, Media("frame.png", b"\x89PNG\r\n\x1a\n" + bytes(64), 3000, "image/png")),
    (Capability.AUDIO, Media("other.mp3", b"ID3\x04" + bytes(2000), 3000, "audio/mpeg")),
    (Capability.VIDEO, Media("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(2000), 3000, "video/mp4")),
    (None, Media("data.bin", bytes(range(256)), 3000, "application/x-nguon-conformance")),
]  # fmt: skip
"""Content to offer a device that does not announce rendering it, in order of preference; the last one (a type no
capability covers) when it announces everything."""


async def unsupported_content(kit: Kit) -> ClauseResult:
    """§3.1/§4.4: a device that announces its capabilities refuses a play of content it does not render
    (``unsupported_content``), before anything else: no ``received``, no download."""
    r = ClauseResult("reject.unsupported_content", "content it does not announce rendering is refused", "§3.1, §4.4")
    online = [s.state for s in kit.observer.states() if s.state is not None and s.state.online]
    announced = online[-1].capabilities if online else None
    if announced is None:
        return r.skipped("the device announces no capabilities (§3.1): its kind's defaults apply, nothing to judge")
    r.saw(f"announced capabilities: {[c.value for c in announced]}")
    cap, media = next((c, m) for c, m in _FOREIGN if c not in announced)
    cid = new_id("content")
    body = {"media": kit.media.media_ref(media), "title": "conformance: not for this device"}
    r.saw(f"a play of {media.content_type} ({cap.value if cap else 'no capability'}), {media.name}")
    await _expect_rejection(kit, r, kit.sign(kit.payload("play", body, cid=cid)), cid, {"unsupported_content"})
    if kit.media.got(media.name):
        r.failed("it downloaded the content first; §4.4: refused before anything else happens, nothing downloaded")
    return r


async def _expect_accepted(kit: Kit, r: ClauseResult, raw: bytes, cid: str, topic: str | None = None) -> bool:
    sent = await kit.send(raw, topic)
    await kit.wait_status(cid, ACTING | {"rejected"}, 3.0, sent)
    await asyncio.sleep(0.2)
    seen = kit.acks(cid, sent)
    statuses = kit.statuses(cid, sent)
    if "rejected" in statuses or "received" not in statuses:
        r.evidence += kit.describe(seen, sent)
        r.failed(f"{topic or kit.cmd_topic}: expected received, got {statuses or 'no ack within 3 s'}")
        return False
    r.saw(f"{topic or kit.cmd_topic}: {', '.join(statuses)} (+{seen[0].at - sent:.3f} s)")
    return True


async def unknown_field(kit: Kit, *, where: str) -> ClauseResult:
    """§4.3: unknown fields MUST be ignored and the command accepted (``where``: envelope, payload or body)."""
    r = ClauseResult(f"accept.unknown_field_{where}", f"unknown field in the {where} is ignored", "§4.3, §7")
    cid = new_id(f"field-{where}")
    data = _volume(kit, cid)
    if where == "body":
        data["body"] = {"volume": 43, "x_fade_ms": 300}
        extra: object = data["body"]
    elif where == "payload":
        data["x_future"] = extra = {"since": "v1.9"}
    raw = kit.sign(data)
    if where == "envelope":
        envelope = json.loads(raw)
        envelope["x_hint"] = extra = "a field of a later v1"
        raw = json.dumps(envelope).encode()
    r.note = "§4.3: unknown fields anywhere (envelope, payload, body, media) MUST be ignored (forward compatibility)"
    r.saw(f"set_volume with an extra {where} field: {json.dumps(extra)[:160]}")
    await _expect_accepted(kit, r, raw, cid)
    return r.passed()


async def fanout(kit: Kit) -> ClauseResult:
    """§2: the device gets commands on each level of its area and on its group."""
    r = ClauseResult("subscribe.fanout", "receives on every area level and its group", "§2 Topics")
    p = kit.prov
    routes: list[tuple[str, dict[str, object]]] = [
        (area_cmd_topic(p.area_path[: i + 1]), {"area": list(p.area_path[: i + 1])}) for i in range(len(p.area_path))
    ]
    routes += [(group_cmd_topic(g), {"group": g}) for g in p.groups]
    for topic, target in routes:
        cid = new_id("fan")
        await _expect_accepted(kit, r, kit.sign(_volume(kit, cid, target=target)), cid, topic)
    return r.passed()


async def oversized(kit: Kit) -> ClauseResult:
    """§1: a command over 64 KiB is rejected or ignored, never acted on, and the device stays up."""
    r = ClauseResult("reject.oversized", "command over 64 KiB: refused or ignored, no crash", "§1, §4.3")
    cid = new_id("big")
    data = _volume(kit, cid)
    data["x_padding"] = "x" * 70_000
    raw = kit.sign(data)
    kit.acted_on_forbidden[cid] = r.id
    link = kit.proxy.live
    sent = await kit.send(raw)
    r.saw(f"sent a signed set_volume of {len(raw)} bytes (limit 65536)")
    await kit.wait_any_ack({cid, UNVERIFIED}, 3.0, sent)
    seen = kit.acks(cid, sent) + kit.acks(UNVERIFIED, sent)
    r.evidence += kit.describe(seen, sent) or ["no ack (ignored)"]
    if set(kit.statuses(cid, sent)) & ACTING:
        r.failed("the device acted on an oversized command")
    probe = new_id("probe")
    if await _expect_accepted(kit, r, kit.sign(_volume(kit, probe)), probe):
        r.saw("still answers: a normal command right after was received")
    if link is not None and (link.closed is not None or kit.proxy.live is not link):
        r.failed(f"the device's connection dropped {(link.closed or now()) - sent:.1f} s after the oversized command")
    return r.passed()


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
