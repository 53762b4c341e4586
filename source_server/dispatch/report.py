"""Delivery reports: what each targeted device said about a command, and who was never reached."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from source_server.db import utcnow
from source_server.dispatch.acks import PENDING
from source_server.dispatch.models import Command, Delivery
from source_server.dispatch.schemas import DELIVERY_STATES, DeliveryPage, DeliveryRead, Report

NOT_REACHED = "not_reached"


def shown_status(status: str, expired: bool) -> str:
    """The state a report shows: a device still silent after the command expired is ``not_reached``."""
    return NOT_REACHED if status == PENDING and expired else status


def delivery_page(
    db: Session,
    *,
    command: Command,
    status: str | None = None,
    communes: set[str] | None = None,
    page: int = 1,
    page_size: int = 100,
    now: datetime | None = None,
) -> DeliveryPage:
    """Deliveries of a command, filtered by shown status and communes, ordered by commune then device."""
    expired = command.expires_at <= (now or utcnow())
    if status is not None and status not in DELIVERY_STATES:
        raise ValueError(f"unknown delivery status {status!r}")
    query = select(Delivery).where(Delivery.command_id == command.id)
    if status is not None:
        if status in (PENDING, NOT_REACHED) and (status == NOT_REACHED) != expired:
            query = query.where(false())
        query = query.where(Delivery.status == (PENDING if status == NOT_REACHED else status))
    if communes is not None:
        query = query.where(Delivery.commune_code.in_(communes))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(Delivery.commune_code, Delivery.device_id).limit(page_size).offset((page - 1) * page_size)
    )
    items = []
    for row in rows:
        item = DeliveryRead.model_validate(row)
        items.append(item.model_copy(update={"status": shown_status(row.status, expired)}))
    return DeliveryPage(items=items, total=total, page=page, page_size=page_size)


def delivery_report(
    db: Session,
    *,
    command_id: str,
    communes: set[str] | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = 100,
    now: datetime | None = None,
) -> Report | None:
    """Counts per shown status and commune plus a page of devices; None for an unknown command."""
    command = db.get(Command, command_id)
    if command is None:
        return None
    expired = command.expires_at <= (now or utcnow())
    query = (
        select(Delivery.commune_code, Delivery.status, func.count(), Delivery.device_kind)
        .where(Delivery.command_id == command_id)
        .group_by(Delivery.commune_code, Delivery.status, Delivery.device_kind)
    )
    if communes is not None:
        query = query.where(Delivery.commune_code.in_(communes))
    counts: dict[str, int] = dict.fromkeys(DELIVERY_STATES, 0)
    by_commune: dict[str, dict[str, int]] = defaultdict(dict)
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    for commune, raw, n, kind in db.execute(query):
        shown = shown_status(raw, expired)
        counts[shown] = counts.get(shown, 0) + n
        for per in (by_commune[commune or ""], by_kind[kind or ""]):
            per[shown] = per.get(shown, 0) + n
    devices = delivery_page(
        db, command=command, status=status, communes=communes, page=page, page_size=page_size, now=now
    )
    return Report(
        command_id=command_id,
        expired=expired,
        total=sum(counts.values()),
        counts=counts,
        by_commune=dict(by_commune),
        by_kind=dict(by_kind),
        devices=devices,
    )
