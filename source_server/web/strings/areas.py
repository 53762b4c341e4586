"""UI strings of the areas page (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {}
