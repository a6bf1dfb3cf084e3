"""Telegram updates as the Bot API sends them, built by small factories."""

from __future__ import annotations

import itertools
from typing import Any

_update_ids = itertools.count(100_000)
_message_ids = itertools.count(1)
DATE = 1_795_900_000


def user(user_id: int, language: str | None = "fr", **extra: Any) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "Jean", "username": "jeand"}
    if language:
        person["language_code"] = language
    return person | extra


def message(
    user_id: int, text: str | None = "Salut", *, chat_type: str = "private", **extra: Any
) -> dict[str, Any]:
    chat_id = user_id if chat_type == "private" else -1_000_000_000 - user_id
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": DATE,
        "chat": {"id": chat_id, "type": chat_type},
        "from": user(user_id),
    }
    if text is not None:
        body["text"] = text
    return body | extra


def update(kind: str = "message", update_id: int | None = None, **payload: Any) -> dict[str, Any]:
    """An update carrying ``payload`` (a message dict) under ``kind``."""
    return {"update_id": update_id or next(_update_ids), kind: payload}


STICKER = {
    "file_id": "CAACAgIAAx",
    "file_unique_id": "AgAD",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}
PHOTO = [{"file_id": "AgACAgQAAx", "file_unique_id": "AQAD", "width": 90, "height": 90}]
VOICE = {"file_id": "AwACAgQAAx", "file_unique_id": "AgAD", "duration": 3}
