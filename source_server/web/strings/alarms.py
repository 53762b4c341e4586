"""UI strings of the alarms page (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {}
