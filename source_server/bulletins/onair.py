"""On air now: an emergency bulletin goes to its devices at once (interrupting what plays), and stops with one
action. Programme items are sent ahead by ``scheduling``; this module sends what cannot wait.

Every command carries the bulletin's id, so the proof of play of a bulletin is the deliveries of its commands.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import Capability, CommandType, Priority, SigningKey, StopBody, Target
from source_server.accounts.service import Principal
from source_server.bulletins import service
from source_server.bulletins.exceptions import BulletinErrorCode as Code
from source_server.bulletins.exceptions import InvalidBulletin, NotPermitted, TransitionRefused
from source_server.bulletins.models import Bulletin
from source_server.bulletins.reach import MAX_DEVICES, bulletin_reach, device_ids
from source_server.bulletins.speech import Studio, ensure_speech
from source_server.bulletins.workflow import EMERGENCY_SENDERS, Action, State
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.content import play_body
from source_server.dispatch.exceptions import TargetError
from source_server.dispatch.models import Command
from source_server.dispatch.service import create_command, get_media
from source_server.fleet import service as fleet
from source_server.fleet.models import DeviceGroup

EMERGENCY_TTL = timedelta(hours=1)
"""How long a device that was offline still gets an emergency when it comes back (unless valid_until is sooner)."""


def _targets(db: Session, bulletin: Bulletin) -> list[Target]:
    """One fan-out topic per targeted area or group; single devices listed (chunked)."""
    if bulletin.target_type == "group":
        return [Target(group=code) for code in bulletin.target_codes]
    reach = bulletin_reach(db, bulletin)
    targets = [Target(area=path) for path in reach.areas]
    ids = sorted(reach.devices) if reach.devices else []
    targets += [Target(devices=tuple(ids[i : i + MAX_DEVICES])) for i in range(0, len(ids), MAX_DEVICES)]
    return targets


def broadcast_now(
    db: Session, *, settings: Settings, signer: SigningKey, bulletin: Bulletin, actor: str, source_ip: str | None
) -> list[Command]:
    """Sign and queue the play of an approved emergency bulletin's audio rendition to all its targets now; it goes
    on air."""
    if bulletin.priority != Priority.EMERGENCY.value:
        raise InvalidBulletin(Code.NOT_EMERGENCY, "priority", "only an emergency bulletin plays at once")
    if bulletin.state != State.APPROVED.value:
        raise TransitionRefused(Action.GO_ON_AIR.value, bulletin.state)
    audio = bulletin.rendition(Capability.AUDIO)  # loudspeakers play the audio rendition
    media = get_media(db, sha256=audio.media_sha256) if audio and audio.media_sha256 else None
    if media is None:
        raise InvalidBulletin(Code.NO_AUDIO, "audio", "the bulletin has no audio to play")
    now = utcnow()
    exp = now + EMERGENCY_TTL
    if bulletin.valid_until is not None:
        exp = min(exp, bulletin.valid_until)
    if exp <= now + timedelta(seconds=10):
        raise InvalidBulletin(Code.VALIDITY_ENDED, "valid_until", "the bulletin's validity has ended")
    body = play_body(settings=settings, media=media, title=bulletin.title)
    commands = []
    targets = _targets(db, bulletin)
    for target in targets:
        try:
            commands.append(
                create_command(
                    db,
                    settings=settings,
                    signer=signer,
                    type=CommandType.PLAY,
                    body=body,
                    target=target,
                    priority=Priority.EMERGENCY,
                    origin=bulletin.origin,
                    title=bulletin.title,
                    actor=actor,
                    source_ip=source_ip,
                    exp=exp,
                    media_sha256=media.sha256,
                    now=now,
                    bulletin_id=bulletin.id,
                )
            )
        except TargetError as exc:
            if len(targets) == 1:
                raise InvalidBulletin(Code.TARGET_REFUSED, "target_codes", exc.reason) from None
    if not commands:
        raise InvalidBulletin(Code.TARGET_NO_DEVICE, "target_codes", "the target reaches no device")
    service.mark(db, bulletin=bulletin, action=Action.GO_ON_AIR, actor=actor)
    return commands


def live_commands(db: Session, *, bulletin_id: int) -> list[Command]:
    """The bulletin's play commands that have not expired."""
    return list(
        db.scalars(
            select(Command).where(
                Command.bulletin_id == bulletin_id,
                Command.type == CommandType.PLAY.value,
                Command.expires_at > utcnow(),
            )
        )
    )


def stop(
    db: Session,
    *,
    settings: Settings,
    signer: SigningKey,
    principal: Principal,
    bulletin_id: int,
    source_ip: str | None = None,
) -> list[Command]:
    """Stop an emergency on air everywhere with one action: a signed stop per play command; the bulletin is done."""
    bulletin = service.get(db, principal=principal, bulletin_id=bulletin_id)
    if not principal.can(EMERGENCY_SENDERS, fleet.area_path(db, bulletin.owner_area)):
        raise NotPermitted("stop", bulletin.owner_area)
    if bulletin.state != State.ON_AIR.value:
        raise TransitionRefused("stop", bulletin.state)
    now = utcnow()
    stops = []
    for play in live_commands(db, bulletin_id=bulletin.id):
        stops.append(
            create_command(
                db,
                settings=settings,
                signer=signer,
                type=CommandType.STOP,
                body=StopBody(command_id=play.id),
                target=Target.model_validate(play.target),
                priority=Priority.EMERGENCY,
                origin=bulletin.origin,
                title=f"stop: {bulletin.title}"[:200],
                actor=principal.username,
                source_ip=source_ip,
                exp=max(play.expires_at, now + timedelta(minutes=5)),
                now=now,
                bulletin_id=bulletin.id,
            )
        )
    service.mark(db, bulletin=bulletin, action=Action.FINISH, actor=principal.username, reason="stopped")
    return stops


def reached_devices(db: Session, *, bulletin: Bulletin) -> int:
    """How many registered devices the bulletin's target covers now and can play it (audio: not the boards that
    render no audio), for the confirmation before sending."""
    if bulletin.target_type == "group":
        ids = set(db.scalars(select(DeviceGroup.device_id).where(DeviceGroup.group.in_(bulletin.target_codes))))
    else:
        ids = device_ids(db, bulletin_reach(db, bulletin))
    return fleet.count_rendering(db, device_ids=ids, capability=Capability.AUDIO)


async def send_now(
    studio: Studio,
    *,
    signer: SigningKey,
    principal: Principal,
    bulletin_id: int,
    reason: str = "",
    source_ip: str | None = None,
) -> None:
    """An authorised person puts an emergency on air now: speech made if needed, approved by this act (logged),
    one signed emergency play per targeted area; refused steps change nothing. The commit wakes the dispatcher."""
    await ensure_speech(
        studio, principal=principal, bulletin_id=bulletin_id, for_action=Action.SEND_DIRECT, source_ip=source_ip
    )
    with studio.sessions.begin() as db:
        bulletin = service.send_direct(
            db, principal=principal, bulletin_id=bulletin_id, reason=reason, source_ip=source_ip
        )
        broadcast_now(
            db, settings=studio.settings, signer=signer, bulletin=bulletin, actor=principal.username,
            source_ip=source_ip,
        )  # fmt: skip
