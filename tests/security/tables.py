"""What the matrix needs to know about the routes: who may use each, and a valid request about one commune.

Reads (GET) need nothing here unless only some roles may use them: their path parameters are filled from
``PATH_PARAMS`` (an object of the commune under test), their query filters from ``QUERY_FILTERS``. Every
state-changing route needs a ``Write`` entry (who may, and a valid request aimed at one commune), every
websocket one a ``WEBSOCKETS`` entry, and the few routes open to anyone an entry in ``PUBLIC`` saying why.
A route added later without one of these makes ``test_every_route_is_classified`` fail and say so.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from source_server.accounts.service import ADMIN_ROLES, BROADCAST_ROLES, OPERATE_ROLES, Role
from source_server.audio.dictionary.service import EDIT_ROLES as DICTIONARY_ROLES
from source_server.bulletins.workflow import COMMUNE_APPROVERS, EMERGENCY_SENDERS, WRITE_ROLES
from source_server.fleet.models import Device
from source_server.scheduling.access import PROGRAMME_ROLES
from tests.security import abbreviations, programme, programme_pages
from tests.security.world import PASSWORD, THIRD_COMMUNE, Side, World

PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "the API description: route shapes, no data",
    ("GET", "/docs"): "Swagger UI page (static HTML that loads /openapi.json)",
    ("GET", "/docs/oauth2-redirect"): "Swagger UI's OAuth2 helper page (static HTML)",
    ("GET", "/redoc"): "ReDoc page (static HTML that loads /openapi.json)",
    ("GET", "/"): "redirects to the operator UI, which asks for a log-in",
    ("GET", "/login"): "the log-in form must be reachable before logging in",
    ("POST", "/login"): "log-in itself (guarded by its own form token, lockout and audit)",
    ("GET", "/media/{sha256}.mp3"): "devices download media without a user; the name is the hash of the bytes",
    ("GET", "/media/{sha256}.{ext}"): "devices download media of any stored type without a user; the name is the hash",
    ("GET", "/metrics"): "Prometheus scrape: process and MQTT counters, no device or person data",
    ("GET", "/healthz"): "liveness probe for systemd and compose: ok, broker connected, version",
    ("GET", "/api/v1/keys"): "the server's public command-signing key: not secret, devices and vendors need it",
    ("MOUNT", "/static"): "the UI's CSS, JavaScript and images",
}

WEBSOCKETS: dict[str, str] = {
    "/api/v1/presence/ws": "live presence and alarm events, filtered to the caller's areas (test_websocket_*)",
}

# How a path parameter names an object of one commune.
PATH_PARAMS: dict[str, Callable[[Side, World], str]] = {
    "device_id": lambda s, w: s.devices[0],
    "code": lambda s, w: s.commune,
    "alarm_id": lambda s, w: str(s.alarm_id),
    "command_id": lambda s, w: s.command_id,
    "token_id": lambda s, w: str(s.token_id),
    "bulletin_id": lambda s, w: str(s.bulletin_id),
    "username": lambda s, w: s.clerk,
    "area_code": lambda s, w: s.commune,
    "slot_id": lambda s, w: str(s.slot_id),
    "item_id": lambda s, w: str(s.item_id),
    "day": lambda s, w: programme.DAY.isoformat(),
    "jingle_id": lambda s, w: str(s.jingle_id),
}
# Query parameters that filter by something of one commune (a commune-A caller asking for B's).
QUERY_FILTERS: dict[str, Callable[[Side, World], str]] = {
    "commune": lambda s, w: s.commune,
    "village": lambda s, w: s.village,
    "area": lambda s, w: s.commune,
    "device_id": lambda s, w: s.devices[0],
    "q": lambda s, w: s.devices[0],
    "owner_area": lambda s, w: s.commune,
}


@dataclass(frozen=True)
class Write:
    """A route's rule (a state-changing one, or a read only some roles may use): who may, and a valid request."""

    roles: frozenset[Role] | None
    """Roles that may, on the object's area; None: any signed-in user, on their own things only."""
    request: Callable[[Side, World], dict[str, Any]] | None = None
    """httpx arguments (json, data, files, params) of a valid request about commune ``side``."""
    refusals: frozenset[int] = frozenset({403, 404})
    """Statuses that count as refusing a caller of the other commune."""
    why: str = ""
    """Why the rule is what it is, where that is not obvious."""
    province_only: bool = False
    """Only a grant on the province itself will do (commune grants of the allowed roles are refused too)."""
    cross_area: bool = True
    """The request names an area or an area's object (False: nothing of a commune to aim at)."""
    spans_communes: bool = False
    """The request also names a third commune: only a province grant can be allowed it."""
    ready: Callable[[World, str], dict[str, str]] | None = None
    """For the allowed-role run: put a fresh object in the state the step needs; returns path parameters."""
    actor: str = "a-viewer"
    """For the allowed-role run of a route any user may use (``roles`` None): who calls it."""
    path: dict[str, str] = field(default_factory=dict)
    """Path parameters that name no object but a choice (a workflow step), with the value to test."""


def _csv(text: str) -> dict[str, Any]:
    return {"files": {"file": ("x.csv", text.encode(), "text/csv")}}


def _bulletin(side: Side) -> dict[str, Any]:
    return {
        "title": "Bản tin mới",
        "category_code": "thong-bao",
        "owner_area": side.commune,
        "target_type": "commune",
        "target_codes": [side.commune],
        "text": "Nội dung.",
    }


def _tone_wav(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    """A short 440 Hz tone as WAV bytes (a valid recording for the upload routes)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * n / rate)))
                for n in range(int(seconds * rate))
            )
        )
    return out.getvalue()


def _alarm(world: World, key: str) -> dict[str, str]:
    return {"alarm_id": str(world.new_alarm(key))}


def _stream_receiver(world: World, key: str) -> dict[str, str]:
    """One device of the side announces it plays streams (a stream play needs one)."""
    with world.sessions.begin() as db:
        db.execute(update(Device).where(Device.id == world.sides[key].devices[0]).values(capabilities="audio stream"))
    return {}


def _draft(world: World, key: str) -> dict[str, str]:
    return {"bulletin_id": str(world.new_bulletin(key))}


def _on_air(world: World, key: str) -> dict[str, str]:
    return {"bulletin_id": str(world.new_bulletin(key, on_air=True))}


def _submitted(world: World, key: str) -> dict[str, str]:
    return {"bulletin_id": str(world.new_bulletin(key, submitted=True))}


NEW_PASSWORD = "một-mật-khẩu-mới-2026"
DEVICE_CSV = "id,kind,name,vendor,model,commune_code,village_code,lat,lon,groups,tags\n"
CSV_WHY = "a CSV import answers 422 listing every bad row; a row outside your areas is one (nothing written)"

WRITES: dict[tuple[str, str], Write] = {
    ("POST", "/api/v1/areas"): Write(
        OPERATE_ROLES,
        lambda s, w: {
            "json": {"code": f"{s.commune}-99", "name": "Thôn Mới", "level": "village", "parent_code": s.commune}
        },
    ),
    ("PATCH", "/api/v1/areas/{code}"): Write(OPERATE_ROLES, lambda s, w: {"json": {"name": "Tên đổi"}}),
    ("POST", "/api/v1/areas/import"): Write(
        OPERATE_ROLES,
        lambda s, w: _csv(f"code,name,level,parent_code\n{s.commune}-98,Thôn 98,village,{s.commune}\n"),
        province_only=True,
        why="an area file may name any area of a province: it needs the province's operator",
    ),
    ("POST", "/api/v1/areas/merge"): Write(
        OPERATE_ROLES,
        lambda s, w: {"json": {"from_code": s.commune, "to_code": THIRD_COMMUNE, "reason": "sáp nhập"}},
        spans_communes=True,
    ),
    ("POST", "/api/v1/devices"): Write(
        OPERATE_ROLES,
        lambda s, w: {"json": {"id": f"new-{s.commune}", "kind": "speaker", "commune_code": s.commune}},
    ),
    ("POST", "/api/v1/devices/import"): Write(
        OPERATE_ROLES,
        lambda s, w: _csv(DEVICE_CSV + f"csv-{s.commune},speaker,,,,{s.commune},,,,,\n"),
        refusals=frozenset({403, 422}),
        why=CSV_WHY,
    ),
    ("PATCH", "/api/v1/devices/{device_id}"): Write(OPERATE_ROLES, lambda s, w: {"json": {"name": "Tên đổi"}}),
    ("DELETE", "/api/v1/devices/{device_id}"): Write(OPERATE_ROLES),
    ("POST", "/api/v1/devices/{device_id}/credentials"): Write(OPERATE_ROLES),
    ("POST", "/api/v1/devices/{device_id}/commands"): Write(
        OPERATE_ROLES, lambda s, w: {"json": {"type": "set_volume", "volume": 40}}
    ),
    ("POST", "/api/v1/alarms/{alarm_id}/ack"): Write(
        OPERATE_ROLES, lambda s, w: {"json": {"comment": "Đã kiểm tra"}}, ready=_alarm
    ),
    ("POST", "/api/v1/broadcasts"): Write(
        BROADCAST_ROLES,
        lambda s, w: {
            "data": {"title": "Thông báo", "target_type": "commune", "target": s.commune, "origin": "commune"},
            "files": {"file": ("tone.wav", w.audio, "audio/wav")},
        },
    ),
    ("POST", "/api/v1/broadcasts/stream"): Write(
        BROADCAST_ROLES,
        lambda s, w: {
            "json": {
                "url": "http://stream.example/live.mp3",
                "title": "Tiếp sóng",
                "target_type": "commune",
                "target": s.commune,
                "origin": "commune",
            }
        },
        ready=_stream_receiver,
    ),
    ("POST", "/api/v1/tokens"): Write(
        None,
        lambda s, w: {"json": {"name": "tích hợp", "areas": [s.commune]}},
        refusals=frozenset({422}),
        why="a token's areas must be some of the caller's own: others are a 422 naming them",
    ),
    ("DELETE", "/api/v1/tokens/{token_id}"): Write(None, why="only the owner's tokens: anyone else's is a 404"),
    ("POST", "/logout"): Write(None, cross_area=False, actor="p-viewer", why="ends the caller's session"),
    ("POST", "/api/v1/me/password"): Write(
        None,
        lambda s, w: {"json": {"current": PASSWORD, "new": NEW_PASSWORD}},
        cross_area=False,
        actor="a-commune_editor",
        why="the caller's own password",
    ),
    ("POST", "/ui/account/password"): Write(
        None,
        lambda s, w: {"data": {"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD}},
        cross_area=False,
        why="the caller's own password",
    ),
    ("POST", "/ui/account/tokens"): Write(
        None,
        lambda s, w: {"data": {"name": "tích hợp", "areas": [s.commune]}},
        refusals=frozenset({422}),
        why="a token's areas must be some of the caller's own: others are a 422 naming them",
    ),
    ("POST", "/ui/account/tokens/{token_id}/revoke"): Write(
        None, why="only the owner's tokens: anyone else's is a 404"
    ),
    ("POST", "/ui/users"): Write(
        ADMIN_ROLES,
        lambda s, w: {"data": {"username": f"pg-{s.commune}", "role": "viewer", "area": s.commune}},
        refusals=frozenset({403, 422}),
        why="a grant outside the areas you administer is a 422 naming it",
    ),
    ("POST", "/ui/users/{username}"): Write(
        ADMIN_ROLES, lambda s, w: {"data": {"full_name": "Tên mới", "keep": f"viewer|{s.commune}", "active": "1"}}
    ),
    ("POST", "/ui/users/{username}/password"): Write(ADMIN_ROLES),
    ("POST", "/api/v1/users"): Write(
        ADMIN_ROLES,
        lambda s, w: {"json": {"username": f"new-{s.commune}", "grants": [{"role": "viewer", "area_code": s.commune}]}},
        refusals=frozenset({403, 422}),
        why="a grant outside the areas you administer is a 422 naming it",
    ),
    ("PATCH", "/api/v1/users/{username}"): Write(ADMIN_ROLES, lambda s, w: {"json": {"full_name": "Tên mới"}}),
    ("POST", "/api/v1/users/{username}/password"): Write(ADMIN_ROLES),
    ("PUT", "/api/v1/bulletins/categories"): Write(
        ADMIN_ROLES,
        lambda s, w: {"json": {"code": "thu-nghiem", "name_vi": "Thử nghiệm"}},
        province_only=True,
        cross_area=False,
        why="categories are the province's list: a commune's administrator may not change them",
    ),
    ("POST", "/api/v1/bulletins"): Write(WRITE_ROLES, lambda s, w: {"json": _bulletin(s)}),
    ("POST", "/api/v1/bulletins/reading"): Write(
        None,
        lambda s, w: {"json": {"text": "Ngày 15/3/2026 họp tổ dân phố lúc 19h30."}},
        cross_area=False,
        why="changes nothing: shows how a text will be read aloud (a POST for the body size)",
    ),
    ("POST", "/api/v1/bulletins/speech-preview"): Write(
        WRITE_ROLES,
        lambda s, w: {"json": {"text": "Họp tổ dân phố lúc 19h30."}},
        cross_area=False,
        why="makes speech for a text (stored by hash, attached to nothing): bulletin writers only",
    ),
    ("POST", "/api/v1/bulletins/{bulletin_id}/audio"): Write(
        WRITE_ROLES, lambda s, w: {"files": {"file": ("ghi-am.wav", _tone_wav(), "audio/wav")}}, ready=_draft
    ),
    ("PATCH", "/api/v1/bulletins/{bulletin_id}"): Write(
        WRITE_ROLES, lambda s, w: {"json": {"text": "Nội dung đã sửa."}}, ready=_draft
    ),
    ("POST", "/api/v1/bulletins/{bulletin_id}/submit"): Write(WRITE_ROLES, ready=_draft),
    ("POST", "/api/v1/bulletins/{bulletin_id}/approve"): Write(
        COMMUNE_APPROVERS, lambda s, w: {"json": {"version": 1}}, ready=_submitted
    ),
    ("POST", "/api/v1/bulletins/{bulletin_id}/reject"): Write(
        COMMUNE_APPROVERS, lambda s, w: {"json": {"reason": "Cần sửa lại."}}, ready=_submitted
    ),
    ("POST", "/api/v1/bulletins/{bulletin_id}/send-direct"): Write(
        EMERGENCY_SENDERS, lambda s, w: {"json": {"reason": "Lũ quét."}}, ready=_draft
    ),
    ("POST", "/api/v1/bulletins/{bulletin_id}/stop"): Write(EMERGENCY_SENDERS, ready=_on_air),
    ("POST", "/ui/emergency"): Write(
        EMERGENCY_SENDERS,
        lambda s, w: {
            "data": {"area": s.commune, "title": "Khẩn cấp", "text": "Nội dung khẩn cấp.", "confirmed": "yes"}
        },
        why="the area is in the form: one outside your areas is refused (403), nothing written",
    ),
    ("POST", "/ui/emergency/{bulletin_id:int}/stop"): Write(EMERGENCY_SENDERS, ready=_on_air),
    ("POST", "/api/v1/bulletins/{bulletin_id}/cancel"): Write(
        WRITE_ROLES, lambda s, w: {"json": {"reason": "Không cần nữa."}}, ready=_draft
    ),
    ("POST", "/ui/bulletins/new"): Write(
        WRITE_ROLES, lambda s, w: {"data": {**_bulletin(s), "priority": "normal", "target_scope": "whole"}}
    ),
    ("POST", "/ui/bulletins/{bulletin_id:int}/edit"): Write(
        WRITE_ROLES,
        lambda s, w: {
            "data": {
                **_bulletin(s),
                "title": "Bản tin sửa",
                "priority": "emergency",
                "target_scope": "whole",
                "version": "1",
            }
        },
        ready=_draft,
    ),
    ("POST", "/ui/bulletins/{bulletin_id:int}/{action}"): Write(
        COMMUNE_APPROVERS,
        lambda s, w: {"data": {"version": "1"}},
        path={"action": "approve"},
        ready=_submitted,
        why="one route for every workflow step; approving is tested (the step with the fewest roles)",
    ),
    ("POST", "/ui/alarms/{alarm_id}/ack"): Write(
        OPERATE_ROLES, lambda s, w: {"data": {"comment": "Đã kiểm tra"}}, ready=_alarm
    ),
    ("POST", "/ui/areas/import"): Write(
        OPERATE_ROLES,
        lambda s, w: _csv(f"code,name,level,parent_code\n{s.commune}-97,Thôn 97,village,{s.commune}\n"),
        province_only=True,
        why="an area file may name any area of a province: it needs the province's operator",
    ),
    ("POST", "/ui/areas/merge"): Write(
        OPERATE_ROLES,
        lambda s, w: {"data": {"from_code": s.commune, "to_code": THIRD_COMMUNE, "reason": "sáp nhập"}},
        spans_communes=True,
    ),
}
PROGRAMME = "/api/v1/programmes/{area_code}"
WRITES |= {
    ("POST", f"{PROGRAMME}/slots"): Write(
        PROGRAMME_ROLES, lambda s, w: {"json": {"label": "Buổi chiều", "start_local": "17:00", "duration_s": 1800}}
    ),
    ("PATCH", f"{PROGRAMME}/slots/{{slot_id}}"): Write(PROGRAMME_ROLES, lambda s, w: {"json": {"label": "Sáng sớm"}}),
    ("DELETE", f"{PROGRAMME}/slots/{{slot_id}}"): Write(PROGRAMME_ROLES, ready=programme.fresh_slot),
    ("POST", f"{PROGRAMME}/check"): Write(
        None, programme.placement, why="a dry run that changes nothing: anyone who reads the programme may"
    ),
    ("POST", f"{PROGRAMME}/items"): Write(PROGRAMME_ROLES, programme.placement),
    ("POST", f"{PROGRAMME}/items/at"): Write(PROGRAMME_ROLES, programme.one_off),
    ("PUT", f"{PROGRAMME}/slots/{{slot_id}}/days/{{day}}/order"): Write(PROGRAMME_ROLES, programme.reversed_order),
    ("DELETE", f"{PROGRAMME}/items/{{item_id}}"): Write(PROGRAMME_ROLES, ready=programme.fresh_item),
    ("POST", "/api/v1/programmes/priority-insertions"): Write(
        PROGRAMME_ROLES,
        lambda s, w: {"json": {"bulletin_id": s.priority_bulletin_id}},
        why="the bulletin's own area decides: its writers insert it into the programmes it targets",
    ),
}

# Jingles (issue 4): an area's bulletin writers manage them; everyone who reads the area sees them.
JINGLE_WHY = "the area is in the form: one outside your areas is a 422 saying so (nothing written)"
WRITES |= {
    ("POST", "/api/v1/jingles"): Write(
        WRITE_ROLES,
        lambda s, w: {
            "data": {"name": "Nhạc mở đầu mới", "kind": "intro", "owner_area": s.commune},
            "files": {"file": ("nhac.wav", _tone_wav(), "audio/wav")},
        },
        refusals=frozenset({403, 422}),
        why=JINGLE_WHY,
    ),
    ("PATCH", "/api/v1/jingles/{jingle_id}"): Write(WRITE_ROLES, lambda s, w: {"json": {"name": "Nhạc hiệu đổi tên"}}),
    ("POST", "/ui/jingles"): Write(
        WRITE_ROLES,
        lambda s, w: {
            "data": {"name": "Nhạc kết thúc mới", "kind": "outro", "owner_area": s.commune},
            "files": {"file": ("nhac.wav", _tone_wav(), "audio/wav")},
        },
        refusals=frozenset({403, 422}),
        why=JINGLE_WHY,
    ),
    ("POST", "/ui/jingles/{jingle_id:int}"): Write(
        WRITE_ROLES, lambda s, w: {"data": {"action": "rename", "name": "Nhạc hiệu trang"}}
    ),
}

# Reads that only some roles may use.
READS: dict[tuple[str, str], Write] = {
    ("GET", "/api/v1/users"): Write(ADMIN_ROLES),
    ("GET", "/ui/users"): Write(ADMIN_ROLES),
    ("GET", "/ui/bulletins/new"): Write(WRITE_ROLES),
    ("GET", "/ui/emergency"): Write(EMERGENCY_SENDERS),
    ("GET", "/ui/bulletins/{bulletin_id:int}/edit"): Write(WRITE_ROLES),
    ("GET", "/ui/users/{username}"): Write(ADMIN_ROLES),
    ("GET", "/api/v1/audit"): Write(ADMIN_ROLES),
    ("GET", "/api/v1/audit/export.csv"): Write(ADMIN_ROLES),
    ("GET", "/audit"): Write(ADMIN_ROLES),
    ("GET", "/api/v1/deploy/mosquitto/passwd"): Write(ADMIN_ROLES, province_only=True),
    ("GET", "/api/v1/deploy/mosquitto/acl"): Write(ADMIN_ROLES, province_only=True),
    ("GET", "/ui/bulletins/{bulletin_id:int}/proof/devices"): Write(
        None,
        lambda s, w: {"params": {"commune": s.commune, "state": "pending"}},
        why="a bulletin's devices, filtered to the caller's own commune: any reader of the bulletin may",
    ),
    ("GET", "/ui/bulletins/{bulletin_id:int}/proof/devices.csv"): Write(
        None,
        lambda s, w: {"params": {"commune": s.commune}},
        why="the same list as CSV",
    ),
    ("GET", "/ui/areas/merge"): Write(
        OPERATE_ROLES,
        lambda s, w: {"params": {"from_code": s.commune, "to_code": THIRD_COMMUNE}},
        spans_communes=True,
        why="the merger's preview: operators only; refused before looking at the codes for anyone else",
    ),
}

# The programme pages (issue 4): the same rules as the programme API; the placement form checks and saves, so
# it is for those who may place (a reader checks through the API).
PAGES = "/ui/programme/{area_code}"
WRITES |= {
    ("POST", f"{PAGES}/slots/new"): Write(PROGRAMME_ROLES, programme_pages.new_slot),
    ("POST", f"{PAGES}/slots/{{slot_id}}/edit"): Write(PROGRAMME_ROLES, programme_pages.slot_change),
    ("POST", f"{PAGES}/slots/{{slot_id}}/delete"): Write(PROGRAMME_ROLES, ready=programme.fresh_slot),
    ("POST", f"{PAGES}/place"): Write(PROGRAMME_ROLES, programme_pages.placement),
    ("POST", f"{PAGES}/items/{{item_id}}/move"): Write(PROGRAMME_ROLES, programme_pages.move_up),
    ("POST", f"{PAGES}/items/{{item_id}}/remove"): Write(PROGRAMME_ROLES, ready=programme.fresh_item),
}
READS |= {
    ("GET", f"{PAGES}/slots/new"): Write(PROGRAMME_ROLES),
    ("GET", f"{PAGES}/slots/{{slot_id}}/edit"): Write(PROGRAMME_ROLES),
    ("GET", f"{PAGES}/place"): Write(PROGRAMME_ROLES),
}

# The abbreviation dictionary (issue 4): the province's entries are changed by its administrators, a commune's by
# its staff (editors, approvers) and the province's administrators; reading it is open to every reader of the area.
ABBREVIATIONS = "/api/v1/abbreviations"
PATH_PARAMS["entry_id"] = abbreviations.entry_of
WRITES |= {
    ("POST", ABBREVIATIONS): Write(
        DICTIONARY_ROLES,
        lambda s, w: {"json": {"area_code": s.commune, "abbreviation": "KDC", "reading": "khu dân cư"}},
    ),
    ("PATCH", f"{ABBREVIATIONS}/{{entry_id}}"): Write(
        DICTIONARY_ROLES, lambda s, w: {"json": {"reading": "tổ dân phố"}}
    ),
    ("DELETE", f"{ABBREVIATIONS}/{{entry_id}}"): Write(DICTIONARY_ROLES, ready=abbreviations.fresh_entry),
    ("POST", "/ui/abbreviations"): Write(
        DICTIONARY_ROLES, lambda s, w: {"data": {"area": s.commune, "abbreviation": "KV", "reading": "khu vực"}}
    ),
    ("POST", "/ui/abbreviations/{entry_id}/edit"): Write(
        DICTIONARY_ROLES, lambda s, w: {"data": {"abbreviation": abbreviations.SEEDED, "reading": "tổ dân phố số"}}
    ),
    ("POST", "/ui/abbreviations/{entry_id}/delete"): Write(DICTIONARY_ROLES, ready=abbreviations.fresh_entry),
}
