"""The outbox job: send the replies that are due, once each, through the platform's API.

Each run first gives up on replies a dead process left half-sent, then claims what is due,
checks it may still go (pause, opt-out, budget, age), and sends it. Run by the scheduler of
``antirelous serve`` every few seconds; tests call ``run_once`` with their own clock.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from bots.settings import Settings
from channels.sending import ReplySender, SendOutcome
from channels.telegram import sender_of_reply_address
from channels.twilio_rest import TwilioSender
from replies.delays import DelayRange, send_deadline
from replies.policy import send_time_refusal
from replies.ports import Clock, ReplyStore
from replies.pseudonyms import Pseudonymizer, public_ref
from replies.sealing import RecipientBox
from replies.types import Channel
from storage.outbox_repository import OutboxItem, OutboxRepository

log = logging.getLogger("antirelous.outbox")

OUTBOX_INTERVAL_S = 2.0
STATUS_PATH = "/webhooks/twilio/status"
#: A send that has not settled after this long was interrupted: it becomes ``unknown``.
STALE_SEND = timedelta(minutes=2)
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=15)


class OutboxWorker:
    """Sends due replies; a channel without a sender (no account) has them logged and dropped."""

    def __init__(
        self,
        outbox: OutboxRepository,
        store: ReplyStore,
        senders: Mapping[Channel, ReplySender],
        box: RecipientBox,
        pseudonyms: Pseudonymizer,
        delay: DelayRange | None,
        clock: Clock,
    ) -> None:
        self._outbox = outbox
        self._store = store
        self._senders = senders
        self._box = box
        self._pseudonyms = pseudonyms
        self._delay = delay
        self._clock = clock

    def run_once(self) -> Counter[str]:
        """One pass over what is due; returns how many replies ended how."""
        now = self._clock()
        report: Counter[str] = Counter()
        interrupted = self._outbox.give_up_on_stale_sends(now - STALE_SEND)
        if interrupted:
            log.warning("%d replies were interrupted mid-send: marked unknown", interrupted)
            report["unknown"] += interrupted
        for item in self._outbox.claim_due(now):
            report[self._deliver(item, now)] += 1
        return report

    def _deadline(self, item: OutboxItem) -> datetime:
        return send_deadline(item.channel, item.received_at, item.due_at, self._delay)

    def _deliver(self, item: OutboxItem, now: datetime) -> str:
        address = self._box.open(item.recipient)
        ref = public_ref(item.sender)
        # The SMS that follows a call was claimed on the SMS channel's window, and obeys its
        # pause and blocks as well as the call's.
        by_sms = item.channel is Channel.VOICE
        window_sender = self._pseudonyms.sender(Channel.SMS, address) if by_sms else None
        if now > self._deadline(item):
            self._outbox.drop(item, "expired", window_sender)
            return "dropped"
        sender_address = (
            sender_of_reply_address(address) if item.channel is Channel.TELEGRAM else address
        )
        number = self._pseudonyms.number(sender_address)
        refused = send_time_refusal(
            self._store.sender_facts(item.sender, number, item.channel, now)
        )
        if refused is None and window_sender is not None:
            sms = self._store.sender_facts(window_sender, number, Channel.SMS, now)
            refused = send_time_refusal(sms)
        reason = refused.value if refused else None
        if reason is None and self._outbox.over_budget(item):  # the cap was lowered since
            reason = "budget"
        if reason is not None:
            self._outbox.drop(item, reason, window_sender)
            log.info("%s reply to %s dropped: %s", item.channel, ref, reason)
            return "dropped"
        sender = self._senders.get(item.channel)
        if sender is None:
            log.warning(
                "%s reply to %s not sent, no account to send it with: %r",
                item.channel,
                ref,
                item.body,
            )
            self._outbox.drop(item, "no_account", window_sender)
            return "dropped"
        result = sender.send(item.channel, address, item.receiver, item.body)
        if result.outcome is SendOutcome.SENT and result.provider_id:
            self._outbox.mark_sent(item, result.provider_id, now)
            log.info("%s reply to %s sent", item.channel, ref)
            return "sent"
        if result.outcome is SendOutcome.RETRY:
            error = result.error or "retry"
            return self._retry(item, now, error, result.retry_after_s, window_sender)
        if result.outcome is SendOutcome.FAILED:
            self._outbox.mark_failed(item, result.error or "failed")
            log.warning("%s reply to %s refused: %s", item.channel, ref, result.error)
            return "failed"
        self._outbox.mark_unknown(item, result.error or "unknown")
        log.warning("%s reply to %s may or may not have gone: %s", item.channel, ref, result.error)
        return "unknown"

    def _retry(
        self,
        item: OutboxItem,
        now: datetime,
        error: str,
        after_s: float | None,
        window_sender: str | None,
    ) -> str:
        backoff = min(RETRY_BASE * 2 ** (item.attempts - 1), RETRY_MAX)
        due = now + (timedelta(seconds=after_s) if after_s else backoff)
        if due > self._deadline(item):
            self._outbox.drop(item, "expired", window_sender)
            return "dropped"
        self._outbox.requeue(item, due, error)
        return "retried"


def build_outbox_worker(
    settings: Settings,
    outbox: OutboxRepository,
    store: ReplyStore,
    key: bytes,
    clock: Clock,
    telegram: ReplySender | None = None,
) -> OutboxWorker:
    """The worker the settings describe: through Twilio when an account is set, through the
    Telegram bot when there is one."""
    senders: dict[Channel, ReplySender] = {}
    if telegram is not None:
        senders[Channel.TELEGRAM] = telegram
    if settings.twilio_sending_missing() is None and settings.twilio_auth_token:
        callback = f"{settings.public_url}{STATUS_PATH}" if settings.public_url else None
        twilio = TwilioSender(
            settings.twilio_account_sid or "",
            settings.twilio_auth_token.get_secret_value(),
            settings.twilio_api_url,
            callback,
        )
        # The SMS that follows a call goes out as an SMS from the number that was called.
        senders |= {Channel.SMS: twilio, Channel.WHATSAPP: twilio, Channel.VOICE: twilio}
    return OutboxWorker(
        outbox,
        store,
        senders,
        RecipientBox(key),
        Pseudonymizer(key),
        settings.reply_delay_range,
        clock,
    )
