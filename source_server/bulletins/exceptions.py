"""Errors of the bulletins domain; each carries its data as attributes.

BulletinError
 ├── BulletinNotFound        no such bulletin in the caller's areas (.bulletin_id)
 ├── JingleNotFound          no such jingle in the caller's areas (.jingle_id)
 ├── InvalidBulletin         a field is wrong (.code, .field, .message, .params); nothing was changed
 ├── TransitionRefused       the workflow does not allow .action from .state
 └── NotPermitted            the caller's roles do not allow .action here (.action, .area, .own)

``.code`` (a ``BulletinErrorCode``) and ``.params`` are what a page words; ``.message`` is the English sentence
for the API and the logs, free to be reworded.
"""

from __future__ import annotations

from enum import StrEnum


class BulletinErrorCode(StrEnum):
    """Why a bulletin (or jingle) field was refused: stable codes that pages turn into their own words."""

    TARGET_TYPE = "target_type"
    TARGET_NONE = "target_none"
    TARGET_DEVICE_OUTSIDE = "target_device_outside"
    TARGET_GROUP_PROVINCE_ONLY = "target_group_province_only"
    TARGET_UNKNOWN = "target_unknown"
    TARGET_MERGED = "target_merged"
    TARGET_OUTSIDE = "target_outside"
    TARGET_REFUSED = "target_refused"
    TARGET_NO_DEVICE = "target_no_device"
    TITLE_EMPTY = "title_empty"
    TITLE_LONG = "title_long"
    TEXT_LONG = "text_long"
    TEXT_GARBLED = "text_garbled"
    TEXT_UNSPEAKABLE = "text_unspeakable"
    CONTENT_NEEDED = "content_needed"
    PRIORITY_UNKNOWN = "priority_unknown"
    NOT_EMERGENCY = "not_emergency"
    CATEGORY_UNKNOWN = "category_unknown"
    UNTIL_BEFORE_FROM = "until_before_from"
    UNTIL_PAST = "until_past"
    VALIDITY_ENDED = "validity_ended"
    OWNER_UNKNOWN = "owner_unknown"
    READ_ONLY = "read_only"
    CHANGED_MEANWHILE = "changed_meanwhile"
    VERSION_CHANGED = "version_changed"
    REASON_MISSING = "reason_missing"
    NO_AUDIO = "no_audio"
    AUDIO_REJECTED = "audio_rejected"
    STATE_FILTER_UNKNOWN = "state_filter_unknown"
    COMMAND_NOT_PLAY = "command_not_play"
    AUDIO_SOURCE_MISSING = "audio_source_missing"
    TTS_FAILED = "tts_failed"
    SPEECH_TOO_LONG = "speech_too_long"
    FILE_MISSING = "file_missing"
    JINGLE_BY_HASH = "jingle_by_hash"
    JINGLE_BROKEN = "jingle_broken"
    JINGLE_OUTSIDE = "jingle_outside"
    JINGLE_INACTIVE = "jingle_inactive"
    JINGLE_WRONG_KIND = "jingle_wrong_kind"
    JINGLE_MISSING = "jingle_missing"
    JINGLE_NAME_EMPTY = "jingle_name_empty"
    JINGLE_NAME_LONG = "jingle_name_long"
    JINGLE_KIND_UNKNOWN = "jingle_kind_unknown"
    JINGLE_AREA_UNKNOWN = "jingle_area_unknown"
    JINGLE_AREA_OUTSIDE = "jingle_area_outside"
    MEDIA_UNKNOWN = "media_unknown"
    MEDIA_WRONG_TYPE = "media_wrong_type"
    RENDITION_KIND_UNKNOWN = "rendition_kind_unknown"
    RENDITION_AUDIO_MADE = "rendition_audio_made"
    DURATION_INVALID = "duration_invalid"
    DURATION_MISSING = "duration_missing"
    STREAM_URL_INVALID = "stream_url_invalid"
    STREAM_TYPE_MISSING = "stream_type_missing"


class BulletinError(Exception):
    """Base of the bulletins domain's errors."""


class BulletinNotFound(BulletinError):
    """No such bulletin, or not in the caller's areas (the two are not told apart)."""

    def __init__(self, bulletin_id: int) -> None:
        super().__init__(f"no bulletin {bulletin_id} in your areas")
        self.bulletin_id = bulletin_id


class JingleNotFound(BulletinError):
    """No such jingle, or not in the caller's areas (the two are not told apart)."""

    def __init__(self, jingle_id: int) -> None:
        super().__init__(f"no jingle {jingle_id} in your areas")
        self.jingle_id = jingle_id


class InvalidBulletin(BulletinError):
    """A field is missing or wrong: ``code`` says why, ``params`` hold the figures and names the words need."""

    def __init__(self, code: BulletinErrorCode, field: str, message: str, /, **params: object) -> None:
        super().__init__(f"{field}: {message}")
        self.code = code
        self.field = field
        self.message = message
        self.params = params


class TransitionRefused(BulletinError):
    """The workflow does not allow this step from the bulletin's current state."""

    def __init__(self, action: str, state: str) -> None:
        super().__init__(f"cannot {action} a bulletin that is {state}")
        self.action = action
        self.state = state


class NotPermitted(BulletinError):
    """The caller holds no role that allows this step in the bulletin's area."""

    def __init__(self, action: str, area: str, why: str = "", *, own: bool = False) -> None:
        super().__init__(f"not permitted to {action} in area {area}" + (f": {why}" if why else ""))
        self.action = action
        self.area = area
        self.why = why
        self.own = own
        """True when the refusal is the four-eyes rule: the author may not approve their own bulletin."""
