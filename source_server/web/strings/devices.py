"""UI strings of the device page (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {}
