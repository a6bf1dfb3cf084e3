"""The real responder on a real database, for tests that need no HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Engine

from replies.abuse import label_everything_ok
from replies.pseudonyms import Pseudonymizer
from replies.responder import Responder
from replies.responder_config import Pricing, ResponderConfig
from replies.templates import ReplyTemplates
from replies.types import Channel, Inbound
from storage.replies_repository import SqlReplyStore
from tests.support.twilio import OUR_NUMBER, new_sid

PRICING = Pricing(sms_segment_micro=160_000, whatsapp_reply_micro=30_000, sms_inbound_micro=0)
KEY = b"integration-test-key-0123456789"


def make_responder(
    engine: Engine,
    *,
    budget_eur: float = 20.0,
    window_days: int = 30,
    store: SqlReplyStore | None = None,
) -> Responder:
    config = ResponderConfig(
        locale="fr",
        reply_window=timedelta(days=window_days),
        reply_countries=None,
        daily_budget_micro=int(budget_eur * 1_000_000),
        pricing=PRICING,
    )
    return Responder(
        store or SqlReplyStore(engine),
        ReplyTemplates(),
        label_everything_ok,
        Pseudonymizer(KEY),
        config,
    )


def inbound(
    sender: str,
    at: datetime,
    body: str = "Salut",
    channel: Channel = Channel.SMS,
    sid: str | None = None,
) -> Inbound:
    return Inbound(
        channel=channel,
        provider_id=sid or new_sid(),
        sender_address=sender,
        receiver=OUR_NUMBER,
        body=body,
        media_count=0,
        segments=1,
        received_at=at,
    )


def later(message: Inbound, delta: timedelta) -> Inbound:
    """The same sender writing again, ``delta`` later, with a new message id."""
    return replace(message, provider_id=new_sid(), received_at=message.received_at + delta)
