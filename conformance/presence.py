"""Clauses of PROTOCOL.md §1 and §3: who connects, the Will, the retained online state, heartbeats, sessions."""

from __future__ import annotations

import itertools
import time

from conformance.kit import Connection, Kit
from conformance.observer import Seen
from conformance.report import ClauseResult
from protocols import device_topic


def identity(kit: Kit, conn: Connection | None) -> ClauseResult:
    """§1: client id = username = device id, a password, clean session, keepalive 30 to 60 s."""
    r = ClauseResult("connect.identity", "connects with client id = username = device id", "§1 Transport")
    if conn is None:
        return r.failed("the device never connected to the kit's proxy")
    c = conn.link.connect
    if c is None:
        return r.failed(f"the first packet is not a readable CONNECT: {conn.link.connect_error}")
    r.saw(c.describe())
    dev = kit.prov.device_id
    if c.client_id != dev:
        r.failed(f"client id {c.client_id!r}, expected the device id {dev!r}")
    if c.username != dev:
        r.failed(f"username {c.username!r}, expected the device id {dev!r}")
    if not c.has_password:
        r.failed("no password (§1: the device credential)")
    if not c.clean:
        r.failed("clean session flag not set (§1: clean session)")
    if not 30 <= c.keepalive_s <= 60:
        r.failed(f"keepalive {c.keepalive_s} s is outside 30 to 60 s (§1)")
    return r.passed()


async def online(kit: Kit, conn: Connection | None) -> ClauseResult:
    """§3.3: right after CONNACK a retained ``online: true`` with the same session as the Will."""
    r = ClauseResult("presence.online", "retained online state right after connecting", "§3.3 Presence")
    if conn is None:
        return r.skipped("no connection")
    if conn.online is None or conn.online.state is None:
        bad = [s.error for s in kit.observer.of("state", conn.link.opened) if s.error]
        return r.failed(f"no valid online state within 10 s of connecting{'; invalid: ' + bad[0] if bad else ''}")
    st = conn.online.state
    r.saw(f"online state {conn.online.raw.decode(errors='replace')} +{conn.online.at - conn.link.opened:.3f} s")
    will = kit.will_state(conn.link)
    if will is not None and will.session != st.session:
        r.failed(f"online session {st.session} differs from the Will's session {will.session}")
    if conn.online.at - conn.link.opened > 5:
        r.failed("online state came more than 5 s after the connection opened")
    retained = await kit.observer.retained_state()
    if retained is None or not retained.retain:
        r.failed("a new subscriber gets no retained state (publish it with retain)")
    elif retained.state is None or not retained.state.online or retained.state.session != st.session:
        r.failed(f"retained state is {retained.raw!r}, expected online with session {st.session}")
    else:
        r.saw(f"a new subscriber gets it retained: {retained.raw.decode()}")
    if st.heartbeat_s is None:
        r.note = "no heartbeat_s in the online state (§3.4: SHOULD say which)"
    return r.passed()


async def will(kit: Kit) -> ClauseResult:
    """§3.2: the CONNECT carries the offline Will (QoS 1, retained, same session); the broker publishes it."""
    r = ClauseResult("presence.will", "Will: retained online:false with the session", "§3.2 Presence")
    conn = next((c for c in reversed(kit.every_connection()) if c.link.closed is None), None)
    if conn is None or conn.link.connect is None or conn.session is None:
        return r.skipped("no connection with an online state to cut")
    c, session, topic = conn.link.connect, conn.session, device_topic(kit.prov.device_id, "state")
    if c.will_topic is None:
        r.failed("the CONNECT has no Will")
    else:
        r.saw(
            f"Will in CONNECT: topic {c.will_topic}, qos {c.will_qos}, retain {int(c.will_retain)}, {c.will_payload!r}"
        )
        state = kit.will_state(conn.link)
        if c.will_topic != topic:
            r.failed(f"Will topic {c.will_topic}, expected {topic}")
        if c.will_qos != 1 or not c.will_retain:
            r.failed("the Will must be QoS 1 and retained")
        if state is None or state.online or state.session != session:
            r.failed(f'Will payload must be {{"online": false, "session": {session}}}')
    links = len(kit.proxy.links)
    kit.proxy.cut(hold=True)
    cut_at = time.time()
    r.saw(f"kit cut the link (no DISCONNECT) and keeps it down; session {session}")

    def published() -> Seen | None:
        return next((s for s in kit.observer.states(cut_at) if s.state and not s.state.online), None)

    if await kit.observer.wait(published, 5.0) and (got := published()) is not None:
        r.saw(f"broker published {got.raw.decode()} {(got.at - cut_at) * 1000:.1f} ms after the cut")
        if got.state is not None and got.state.session != session:
            r.failed(f"the offline state names session {got.state.session}, not {session}")
        retained = await kit.observer.retained_state()
        if retained and retained.retain and retained.state and not retained.state.online:
            r.saw(f"a new subscriber gets it retained: {retained.raw.decode()}")
        else:
            r.failed(f"the Will is not what a new subscriber gets (got {retained.raw if retained else None!r})")
    elif c.will_topic is not None:
        r.failed("no offline state published within 5 s of the cut")
    kit.proxy.restore()
    back = await kit.await_connection(links, 45.0)
    if back is None:
        r.saw("the device did not reconnect within 45 s of the link coming back")
    else:
        r.saw(f"reconnected {back.link.opened - cut_at:.1f} s after the cut, session {back.session}")
    return r.passed()


def sessions(kit: Kit) -> ClauseResult:
    """§3.1: the session counter strictly grows across reconnects (the kit cut the link twice)."""
    r = ClauseResult("presence.session", "session counter grows across reconnects", "§3.1 Presence")
    seen = [(c.link.opened, c.session) for c in kit.every_connection()]
    r.saw("sessions by connection: " + ", ".join(str(s) for _, s in seen))
    values = [s for _, s in seen if s is not None]
    if len(values) < 3:
        return r.failed(f"only {len(values)} connection(s) announced a session; the kit cut the link twice")
    if any(b <= a for a, b in itertools.pairwise(values)):
        return r.failed("a session is not greater than the one before")
    return r.passed()


def heartbeat(kit: Kit) -> ClauseResult:
    """§3.4: telemetry every ``heartbeat_s`` with the current session, judged over the whole run."""
    r = ClauseResult("presence.heartbeat", "heartbeat telemetry every heartbeat_s", "§3.4 Presence")
    bad = [s for s in kit.observer.of("telemetry") if s.error]
    if bad:
        r.failed(f"{len(bad)} invalid telemetry message(s), first: {bad[0].error}")
    judged = 0
    connections = kit.every_connection()
    for i, conn in enumerate(connections):
        if conn.online is None or conn.online.state is None:
            continue
        hb = conn.online.state.heartbeat_s or 30
        start = conn.link.opened
        end = conn.link.closed or (connections[i + 1].link.opened if i + 1 < len(connections) else None)
        end = end or kit.observer.seen[-1].at
        if end - start < 2 * hb + 2:
            continue
        judged += 1
        tele = [s for s in kit.observer.of("telemetry", start) if s.at <= end and s.message is not None]
        times = [start, *[s.at for s in tele], end]
        gap = max(b - a for a, b in itertools.pairwise(times))
        wrong = [s for s in tele if getattr(s.message, "session", None) != conn.session]
        r.saw(f"session {conn.session}: {len(tele)} telemetry in {end - start:.1f} s, heartbeat_s {hb}, "
              f"longest silence {gap:.1f} s")  # fmt: skip
        if gap > 1.5 * hb + 2:
            r.failed(f"silent for {gap:.1f} s, over 1.5 × heartbeat_s ({hb} s) + 2 s")
        if wrong:
            r.failed(f"telemetry with session {getattr(wrong[0].message, 'session', None)}, not {conn.session}")
    if not judged:
        return r.skipped("no connection lasted two heartbeats (run the device with a shorter heartbeat)")
    return r.passed()
