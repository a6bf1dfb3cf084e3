"""The responder: one inbound message in, one durable decision out.

Everything that must hold across concurrent requests (dedupe, window, budget) is claimed in
the one storage transaction; everything else is decided by the pure policy before it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from replies.abuse import Classifier
from replies.delays import WHATSAPP_REPLY_LIMIT, DelayRange
from replies.evidence import EvidenceReason, EvidenceSealer, SealedEvidence
from replies.numbers import is_mobile
from replies.policy import refusal, send_time_refusal
from replies.ports import MessageRecord, ReplyRecord, ReplyStore, ReplyTransaction
from replies.pseudonyms import Pseudonymizer, public_ref
from replies.responder_config import ResponderConfig
from replies.segments import count_segments
from replies.templates import ReplyTemplates
from replies.types import (
    PAID_CHANNELS,
    Channel,
    Decision,
    Inbound,
    Label,
    Outcome,
    ReplyStatus,
)
from replies.voice import VoiceMode

log = logging.getLogger("antirelous.responder")


def _cannot_seal(address: str) -> bytes:
    raise RuntimeError("no way to seal a recipient was configured")


class _Redelivered(Exception):
    """Unwinds the transaction of a message that was stored before."""


class Responder:
    """Stores, classifies and decides each inbound message in one transaction."""

    def __init__(
        self,
        store: ReplyStore,
        templates: ReplyTemplates,
        classifier: Classifier,
        pseudonyms: Pseudonymizer,
        config: ResponderConfig,
        seal: Callable[[str], bytes] | None = None,
        rng: random.Random | None = None,
        evidence: EvidenceSealer | None = None,
    ) -> None:
        """``seal`` encrypts the address a queued reply goes to (needed with a reply delay);
        ``rng`` draws the delays (a seeded one in tests); ``evidence`` seals threats and
        floods to the operators' key (without it no raw address is kept at all)."""
        if config.reply_delay is not None and seal is None:
            raise ValueError("a reply delay needs a way to seal the recipient's address")
        self._seal = seal or _cannot_seal
        self._rng = rng or random.SystemRandom()
        self._store = store
        self._templates = templates
        self._classify = classifier
        self._pseudonyms = pseudonyms
        self._config = config
        self._evidence = evidence
        # The reply depends on locale and channel only: render and count it once.
        self._replies: dict[tuple[str, Channel], tuple[str, int, int]] = {}
        self._locales: dict[tuple[str, Channel], str] = {}

    def handle(self, inbound: Inbound) -> Decision:
        """Decide ``inbound`` once; a redelivery gets the stored decision, counted once."""
        sender = self._pseudonyms.sender(inbound.channel, inbound.sender_address)
        number = self._pseudonyms.number(inbound.sender_address)
        label = self._classify(inbound.body).label
        try:
            with self._store.transaction() as tx:
                decision = self._decide(tx, inbound, sender, number, label)
        except _Redelivered:
            stored = self._store.stored_decision(inbound.channel, inbound.provider_id)
            if stored is None:  # erased by `forget` in between: decide afresh
                return self.handle(inbound)
            log.debug("%s %s redelivered: %s", inbound.channel, inbound.provider_id, stored.outcome)
            return stored
        # One line per message is noise in a flood (the metrics count them): debug level.
        log.debug(
            "%s %s from %s: %s",
            inbound.channel,
            inbound.provider_id,
            public_ref(sender),
            decision.outcome,
        )
        return decision

    def _decide(
        self, tx: ReplyTransaction, inbound: Inbound, sender: str, number: str, label: Label
    ) -> Decision:
        now = inbound.received_at
        limit = self._config.flood_limit
        facts = tx.sender_facts(
            sender,
            number,
            inbound.channel,
            now,
            recent_since=limit.window_start(now) if limit else None,
            recent_cap=limit.count if limit else 0,
            # Whoever insulted or threatened is never paid a reply within the window.
            abusive_since=now - self._config.reply_window,
        )
        flooding = limit is not None and limit.exceeded_by(facts.recent_messages)
        if limit is not None and flooding and not facts.blocked:
            why = f"{public_ref(sender)}: more than {limit.count} messages in {limit.period}"
            tx.block_automatically(sender, now, now + limit.block_for, why)
            facts = replace(facts, blocked=True)
        outcome = refusal(inbound, label, facts, self._config.reply_countries)
        if outcome is Outcome.OPT_OUT or outcome is Outcome.OPT_IN:
            tx.set_opt_out(number, outcome is Outcome.OPT_OUT, now)
        reply: ReplyRecord | None = None
        if outcome is None:
            outcome, reply = self._reply(tx, inbound, sender, number)
        message = MessageRecord(
            channel=inbound.channel,
            provider_id=inbound.provider_id,
            received_at=now,
            receiver=inbound.receiver,
            sender=sender,
            body=inbound.body,
            media_count=inbound.media_count,
            segments=inbound.segments,
            label=label,
            outcome=outcome,
            inbound_cost_micro=self._config.pricing.inbound_cost(inbound.channel, inbound.segments),
        )
        evidence = self._sealed_evidence(inbound, label, flooding, facts.flood_episode)
        if not tx.record(message, reply, evidence):
            raise _Redelivered
        inline = reply is not None and reply.status is ReplyStatus.INLINE
        return Decision(outcome=outcome, reply=reply.body if inline and reply else None)

    def _reply(
        self, tx: ReplyTransaction, inbound: Inbound, sender: str, number: str
    ) -> tuple[Outcome, ReplyRecord | None]:
        """Claim the window and the budget for a reply, and say how it goes out.

        A call in ``busy-then-sms`` mode is answered by SMS: the SMS channel's pause, block,
        window and price apply, and only a mobile can receive it. A call in ``say`` mode is
        answered in the call itself, whatever the reply delay.
        """
        channel = inbound.channel
        delay = self._config.reply_delay
        if channel is Channel.VOICE and self._config.voice_mode is VoiceMode.BUSY_THEN_SMS:
            channel = Channel.SMS
            sender = self._pseudonyms.sender(Channel.SMS, inbound.sender_address)
            # The same rules the outbox applies to the SMS again when it is due.
            sms = send_time_refusal(
                tx.sender_facts(sender, number, Channel.SMS, inbound.received_at)
            )
            if sms is not None:
                return sms, None
            if not is_mobile(inbound.sender_address):
                return Outcome.NOT_MOBILE, None
            delay = delay or DelayRange(timedelta(), timedelta())  # a call carries no text
        elif channel is Channel.VOICE:
            delay = None
        reply = self._reply_for(inbound, sender, channel)
        outcome = self._claim(tx, inbound, sender, reply)
        if outcome is not Outcome.REPLIED:
            return outcome, None
        if delay is None:
            return Outcome.REPLIED, reply
        return Outcome.QUEUED, self._queued(reply, inbound, delay)

    def _sealed_evidence(
        self, inbound: Inbound, label: Label, flooding: bool, flood_episode: bool
    ) -> SealedEvidence | None:
        """A threat, a flooding sender's message, or any message during a flood, sealed."""
        if self._evidence is None:
            return None
        if label is Label.THREAT:
            reason = EvidenceReason.THREAT
        elif flooding:
            reason = EvidenceReason.FLOODING_SENDER
        elif flood_episode:
            reason = EvidenceReason.FLOOD_EPISODE
        else:
            return None
        return self._evidence.seal_inbound(inbound, reason)

    def _queued(self, reply: ReplyRecord, inbound: Inbound, delay: DelayRange) -> ReplyRecord:
        due = inbound.received_at + delay.draw(self._rng)
        if inbound.channel is Channel.WHATSAPP:
            due = min(due, inbound.received_at + WHATSAPP_REPLY_LIMIT)
        return replace(
            reply,
            status=ReplyStatus.QUEUED,
            due_at=due,
            recipient=self._seal(inbound.reply_to or inbound.sender_address),
        )

    def _locale_for(self, inbound: Inbound) -> str:
        """The sender's own language when a template speaks it, else the configured one."""
        if not inbound.language:
            return self._config.locale
        key = (inbound.language, inbound.channel)
        if key not in self._locales:
            language = inbound.language.split("-")[0].lower()
            known = self._templates.has(language, inbound.channel)
            self._locales[key] = language if known else self._config.locale
        return self._locales[key]

    def _reply_for(self, inbound: Inbound, sender: str, channel: Channel) -> ReplyRecord:
        key = (self._locale_for(inbound), channel)
        if key not in self._replies:
            body = self._templates.render(*key)
            segments = count_segments(body).segments if channel is Channel.SMS else 1
            cost = self._config.pricing.reply_cost(channel, segments)
            self._replies[key] = (body, segments, cost)
        body, segments, cost = self._replies[key]
        return ReplyRecord(
            channel=channel,
            sender=sender,
            created_at=inbound.received_at,
            body=body,
            segments=segments,
            cost_micro=cost,
        )

    def _claim(
        self, tx: ReplyTransaction, inbound: Inbound, sender: str, reply: ReplyRecord
    ) -> Outcome:
        now = inbound.received_at
        if not tx.claim_window(sender, now, now + self._config.reply_window):
            return Outcome.WINDOW_OPEN
        if reply.channel in PAID_CHANNELS and not tx.claim_budget(
            now.date(), reply.cost_micro, self._config.daily_budget_micro
        ):
            tx.release_window(sender)
            return Outcome.BUDGET
        return Outcome.REPLIED
