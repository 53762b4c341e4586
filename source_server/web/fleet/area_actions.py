"""The commune merger as the areas page does it: codes checked against the user's scope, applied and audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from source_server.accounts.service import OPERATE_ROLES, READ_ROLES
from source_server.fleet import service
from source_server.fleet.models import Area
from source_server.fleet.service import MergePlan, RegistryError
from source_server.web.kit.auth import WebContext
from source_server.web.kit.errors import words
from source_server.web.kit.i18n import t


class MergeRefused(Exception):
    """A merger the page refuses, with the text to show and the HTTP status of the answer."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


def check_merge_codes(db: Session, user: WebContext, from_code: str, to_code: str) -> tuple[Area, Area]:
    """Both areas, if the user can see them (else 404) and operate them (else 403); 422 when one is not chosen."""
    lang = user.lang
    if not from_code or not to_code:
        raise MergeRefused(t("areas.merge.missing", lang), 422)
    found: list[Area] = []
    for code in (from_code, to_code):
        area = service.get_area(db, code)
        path = service.area_path(db, code) if area else ()
        if area is None or not user.principal.can(READ_ROLES, path):
            raise MergeRefused(t("areas.merge.unknown", lang).format(code=code[:32]), 404)
        if not user.principal.can(OPERATE_ROLES, path):
            raise MergeRefused(t("areas.merge.forbidden", lang).format(code=code), 403)
        found.append(area)
    return found[0], found[1]


def preview_merge(db: Session, user: WebContext, from_code: str, to_code: str) -> tuple[Area, Area, MergePlan]:
    """The two communes and what the merger would move (nothing is changed)."""
    src, dst = check_merge_codes(db, user, from_code, to_code)
    try:
        plan = service.merge_commune(db, from_code=src.code, to_code=dst.code, apply=False)
    except RegistryError as exc:
        raise MergeRefused(words(exc, user.lang), 422) from None
    return src, dst, plan


def apply_merge(
    db: Session, user: WebContext, from_code: str, to_code: str, *, reason: str, source_ip: str | None
) -> MergePlan:
    """Move every device and village of ``from_code`` into ``to_code``, audited as the API audits it."""
    src, dst = check_merge_codes(db, user, from_code, to_code)
    try:
        plan = service.merge_commune(db, from_code=src.code, to_code=dst.code, apply=True, reason=reason)
    except RegistryError as exc:
        raise MergeRefused(words(exc, user.lang), 422) from None
    service.audit_merger(db, plan, actor=user.username, reason=reason, source_ip=source_ip)
    return plan
