"""Why a platform request is refused. Messages are safe to return: they echo no sender data."""

from __future__ import annotations


class MalformedRequest(ValueError):
    """The request is not what the platform sends (answered 400)."""


class ForgedRequest(PermissionError):
    """The request's signature is missing or wrong (answered 403, Slack 401)."""


class NotConfigured(RuntimeError):
    """The route's platform lacks a setting (answered 503, naming the setting to set)."""

    def __init__(self, platform: str, setting: str) -> None:
        super().__init__(f"{platform} is not configured: set {setting}")
