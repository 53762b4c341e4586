"""UI strings of the province dashboard and the device list (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {}
