"""Which Telegram updates are messages to answer, and what is kept of them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from channels.errors import MalformedRequest
from channels.telegram import (
    Ignored,
    LeaveChat,
    PrivateMessage,
    parse_reply_address,
    parse_update,
    send_message_call,
)
from replies.types import Channel
from tests.support.telegram import PHOTO, STICKER, VOICE, message, update

NOW = datetime(2026, 11, 28, 21, 30, tzinfo=UTC)


def _private(data: dict[str, Any]) -> PrivateMessage:
    event = parse_update(data, NOW)
    assert isinstance(event, PrivateMessage)
    return event


def test_a_private_message_keeps_only_what_is_allowed() -> None:
    event = _private(update(update_id=777, **message(42, "Salut toi")))
    inbound = event.inbound
    assert (inbound.channel, inbound.provider_id, inbound.body) == (
        Channel.TELEGRAM,
        "777",
        "Salut toi",
    )
    assert (inbound.sender_address, inbound.language, inbound.reply_to) == ("tg:42", "fr", "42")
    assert "Jean" not in repr(inbound) and "jeand" not in repr(inbound)
    assert not inbound.edited and event.business_connection_id is None


def test_start_is_a_message_like_any_other() -> None:
    assert _private(update(**message(42, "/start"))).inbound.body == "/start"


@pytest.mark.parametrize(
    "media", [{"sticker": STICKER}, {"photo": PHOTO}, {"voice": VOICE}], ids=str
)
def test_a_sticker_photo_or_voice_note_counts_as_media(media: dict[str, Any]) -> None:
    inbound = _private(update(**message(42, None, **media))).inbound
    assert (inbound.body, inbound.media_count) == ("", 1)


def test_a_caption_is_the_body() -> None:
    inbound = _private(update(**message(42, None, photo=PHOTO, caption="Regarde"))).inbound
    assert inbound.body == "Regarde"


def test_an_edited_message_is_marked_as_such() -> None:
    assert _private(update("edited_message", **message(42, "Oups"))).inbound.edited


def test_a_business_message_replies_through_its_connection() -> None:
    data = update("business_message", **message(42, "Salut", business_connection_id="bc-7"))
    event = _private(data)
    assert event.business_connection_id == "bc-7"
    assert parse_reply_address(event.inbound.reply_to or "") == (42, "bc-7")
    assert send_message_call(42, "bc-7", "x")["business_connection_id"] == "bc-7"


def test_what_the_business_account_itself_sends_is_ignored() -> None:
    own = message(42, "Je réponds moi-même", business_connection_id="bc-7")
    own["from"] = own["from"] | {"id": 99}
    assert isinstance(parse_update(update("business_message", **own), NOW), Ignored)


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
def test_a_message_in_a_group_or_channel_makes_the_bot_leave(chat_type: str) -> None:
    event = parse_update(update(**message(42, "Salut", chat_type=chat_type)), NOW)
    assert isinstance(event, LeaveChat) and event.chat_id < 0


def test_being_added_to_a_group_makes_the_bot_leave() -> None:
    added: dict[str, Any] = {
        "chat": {"id": -100123, "type": "supergroup", "title": "Les potes"},
        "from": {"id": 42, "is_bot": False, "first_name": "Jean"},
        "date": 1_795_900_000,
        "old_chat_member": {"status": "left", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
        "new_chat_member": {
            "status": "member",
            "user": {"id": 1, "is_bot": True, "first_name": "B"},
        },
    }
    assert parse_update(update("my_chat_member", **added), NOW) == LeaveChat(-100123)


@pytest.mark.parametrize("data", [[], {"message": {}}, {"update_id": "7"}, "x"])
def test_what_is_not_an_update_is_malformed(data: Any) -> None:
    with pytest.raises(MalformedRequest):
        parse_update(data, NOW)
