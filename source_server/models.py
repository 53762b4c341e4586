"""Every table, imported in one place for Alembic and ``create_all``."""

from __future__ import annotations

from source_server.accounts.models import ApiToken, AuditEntry, RoleGrant, User, WebSession
from source_server.areas.models import Area
from source_server.audio.dictionary.models import Abbreviation
from source_server.bulletins.models import Bulletin, BulletinDecision, BulletinVersion, Category, Rendition
from source_server.db import Base
from source_server.dispatch.models import Command, Delivery, Media, OutboxMessage
from source_server.fleet.models import Alarm, Device, DeviceAreaChange, DeviceEvent, DeviceGroup, Presence
from source_server.scheduling.models import Programme, ScheduleItem, Slot

__all__ = [
    "Abbreviation",
    "Alarm",
    "ApiToken",
    "Area",
    "AuditEntry",
    "Base",
    "Bulletin",
    "BulletinDecision",
    "BulletinVersion",
    "Category",
    "Command",
    "Delivery",
    "Device",
    "DeviceAreaChange",
    "DeviceEvent",
    "DeviceGroup",
    "Media",
    "OutboxMessage",
    "Presence",
    "Programme",
    "Rendition",
    "RoleGrant",
    "ScheduleItem",
    "Slot",
    "User",
    "WebSession",
]
