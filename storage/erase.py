"""``antirelous forget``: erase everything stored about one sender, on every channel."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select

from storage.errors import outages_as_unavailable
from storage.tables import Message, OptOut, ReplyWindow

message_t = Message.__table__  # type: ignore[attr-defined]
window_t = ReplyWindow.__table__  # type: ignore[attr-defined]
opt_out_t = OptOut.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Erased:
    """How many rows of each kind were erased."""

    messages: int
    replies: int
    windows: int
    opt_outs: int


def erase_sender(engine: Engine, senders: Collection[str], number: str) -> Erased:
    """Delete the messages (replies included), windows of ``senders`` and the opt-out of
    ``number``.

    Forgetting an opt-out means the number may get a reply again: that is what was asked.
    """
    with outages_as_unavailable(), engine.begin() as connection:
        replies = connection.execute(
            select(func.count())
            .select_from(message_t)
            .where(message_t.c.sender.in_(senders), message_t.c.reply_status.is_not(None))
        ).scalar_one()
        messages = connection.execute(delete(message_t).where(message_t.c.sender.in_(senders)))
        windows = connection.execute(delete(window_t).where(window_t.c.sender.in_(senders)))
        opt_outs = connection.execute(delete(opt_out_t).where(opt_out_t.c.number == number))
    return Erased(messages.rowcount, int(replies), windows.rowcount, opt_outs.rowcount)
