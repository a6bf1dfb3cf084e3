"""Telegram's Bot API updates: which ones are messages to answer, and what else they ask.

Updates are parsed with python-telegram-bot's own types. Only what DESIGN.md allows is kept:
the user id (as the sender's address, pseudonymised before storage), the text or caption, a
media count, the time, the update id, and the user's language for the reply. Never a name,
a username or a phone number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType

from channels.errors import MalformedRequest
from replies.types import Channel, Inbound

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  (a header name)
#: The updates the bot asks Telegram for (``telegram setup`` registers exactly these).
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "business_connection",
    "business_message",
    "edited_business_message",
    "my_chat_member",
)


@dataclass(frozen=True, slots=True)
class PrivateMessage:
    """A message to the bot, or to a connected business account: store it, maybe answer it.

    ``reply_to`` is ``<chat id>`` or ``<chat id>@<business connection id>``: where the reply
    goes, kept sealed while it waits.
    """

    inbound: Inbound
    chat_id: int
    business_connection_id: str | None


@dataclass(frozen=True, slots=True)
class LeaveChat:
    """The bot was added to a group or a channel: it answers nobody there, and leaves."""

    chat_id: int


@dataclass(frozen=True, slots=True)
class Ignored:
    """An update with nothing to store or do (a business connection change, a bot's post)."""

    reason: str


TelegramEvent = PrivateMessage | LeaveChat | Ignored


def _media_count(message: Message) -> int:
    return 1 if message.effective_attachment is not None else 0


def reply_address(chat_id: int, business_connection_id: str | None) -> str:
    """Where a reply goes, as one string (the form the outbox seals)."""
    return f"{chat_id}@{business_connection_id}" if business_connection_id else str(chat_id)


def sender_of_reply_address(address: str) -> str:
    """The sender address behind a reply address: in a private chat the chat is the user."""
    return f"tg:{address.partition('@')[0]}"


def parse_reply_address(address: str) -> tuple[int, str | None]:
    """The chat id and business connection id of ``reply_address``."""
    chat, _, connection = address.partition("@")
    return int(chat), connection or None


def parse_update(data: Any, received_at: datetime) -> TelegramEvent:
    """What an update means; ``MalformedRequest`` when it is not a Bot API update."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise MalformedRequest("not a Telegram update: no update_id")
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedRequest("not a Telegram update") from error
    member = update.my_chat_member
    if member is not None:
        joined = member.new_chat_member.status in ("member", "administrator")
        if member.chat.type != ChatType.PRIVATE and joined:
            return LeaveChat(member.chat.id)
        return Ignored("membership change")
    if update.business_connection is not None:
        state = "enabled" if update.business_connection.is_enabled else "disabled"
        return Ignored(f"business connection {update.business_connection.id} {state}")
    edited = update.edited_message or update.edited_business_message
    message = update.message or update.business_message or edited
    if message is None:
        return Ignored("no message")
    if message.chat.type != ChatType.PRIVATE:
        return LeaveChat(message.chat.id)
    user = message.from_user
    if user is None or user.is_bot:
        return Ignored("not from a person")
    connection = message.business_connection_id
    if connection and user.id != message.chat.id:
        return Ignored("sent by the business account itself")
    inbound = Inbound(
        channel=Channel.TELEGRAM,
        provider_id=str(update.update_id),
        sender_address=f"tg:{user.id}",
        receiver=f"business:{connection}" if connection else "bot",
        body=message.text or message.caption or "",
        media_count=_media_count(message),
        segments=1,
        received_at=received_at,
        language=user.language_code,
        reply_to=reply_address(message.chat.id, connection),
        edited=edited is not None,
    )
    return PrivateMessage(inbound, message.chat.id, connection)


def send_message_call(
    chat_id: int, business_connection_id: str | None, text: str
) -> dict[str, Any]:
    """The Bot API ``sendMessage`` call for a reply, as a webhook answer may carry it."""
    call: dict[str, Any] = {
        "method": "sendMessage",
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if business_connection_id:
        call["business_connection_id"] = business_connection_id
    return call
