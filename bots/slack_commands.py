"""What the operators can do from Slack: ``/pause``, ``/resume`` and ``/antirelous …``.

Every command is a short database operation, answered within Slack's three seconds. Only
``SLACK_ADMIN_USERS`` may change anything; anyone in the channel may read ``status`` and
``help``. Each change goes into the audit log as ``slack:<user id>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine

from bots.settings import micro_eur
from replies.controls import parse_channels, parse_pause
from replies.numbers import typed_number
from replies.ports import Clock
from replies.pseudonyms import REF_LENGTH, Pseudonymizer, public_ref
from replies.types import NUMBER_CHANNELS, Channel
from storage.alert_repository import AlertRepository
from storage.control_repository import ControlRepository
from storage.outbox_repository import OutboxRepository
from storage.stats import collect_stats, counts_since

COMMANDS = ("/pause", "/resume", "/antirelous")
CHANGES = frozenset({"pause", "resume", "block", "unblock", "budget"})
#: What only admins may do: change anything, or read a threat's text.
ADMIN_ONLY = CHANGES | {"show_threat"}
_REF = re.compile(rf"[a-z2-7]{{{REF_LENGTH},32}}")

HELP = """\
*/pause [CHANNEL|all] [DURATION]* stop answering (messages are still stored), e.g. `/pause sms 2h`
*/resume [CHANNEL|all]* answer again
*/antirelous status* each channel, the last hour and today, spend and budget, the outbox
*/antirelous block REF|NUMBER*, *unblock REF|NUMBER* a sender, by the ref alerts show or a number \
(hashed at once, never stored or repeated)
*/antirelous budget EUR* today's spending cap
Channels: sms, whatsapp, telegram, voice. Only admins may change anything."""


@dataclass(frozen=True, slots=True)
class SlackAnswer:
    """What a command answers: only to its user (ephemeral), or to the whole channel."""

    text: str
    ephemeral: bool = True
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "response_type": "ephemeral" if self.ephemeral else "in_channel",
            "text": self.text,
        }
        if self.blocks:
            body["blocks"] = self.blocks
        return body


class CommandError(ValueError):
    """The command cannot be done; the message says why and is shown to its user."""


def pause_buttons(channel: str = "all") -> dict[str, Any]:
    """The Pause and Resume buttons (``/slack/interactions`` handles their clicks)."""
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Pause"},
                "style": "danger",
                "action_id": "pause",
                "value": channel,
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Resume"},
                "action_id": "resume",
                "value": channel,
            },
        ],
    }


class SlackCommands:
    """Runs one command for one Slack user."""

    def __init__(
        self,
        engine: Engine,
        alerts: AlertRepository,
        pseudonyms: Pseudonymizer,
        clock: Clock,
        admins: frozenset[str],
        default_budget_micro: int,
    ) -> None:
        self._engine = engine
        self._control = ControlRepository(engine)
        self._alerts = alerts
        self._outbox = OutboxRepository(engine)
        self._pseudonyms = pseudonyms
        self._clock = clock
        self._admins = admins
        self._default_budget_micro = default_budget_micro

    def run(self, command: str, text: str, user: str) -> SlackAnswer:
        """Answer ``command text`` typed by ``user``."""
        words = text.split()
        if command == "/antirelous":
            action, args = (words[0].lower(), words[1:]) if words else ("help", [])
        elif command in ("/pause", "/resume", "/show_threat"):  # the last: a button only
            action, args = command[1:], words
        else:
            return SlackAnswer(f"unknown command {command}")
        if action in ADMIN_ONLY and user not in self._admins:
            return SlackAnswer("Only the admins listed in SLACK_ADMIN_USERS may do that.")
        handler = getattr(self, f"_{action}", None)
        if handler is None or action not in ADMIN_ONLY | {"status", "help"}:
            return SlackAnswer(HELP)
        try:
            answer: SlackAnswer = handler(args, f"slack:{user}")
        except CommandError as error:
            return SlackAnswer(str(error))
        return answer

    def run_interaction(self, payload: dict[str, Any]) -> SlackAnswer | None:
        """A button click (``block_actions``): the answer for its ``response_url``, if any."""
        actions = payload.get("actions") or []
        if payload.get("type") != "block_actions" or not actions:
            return None
        action = actions[0]
        user = str((payload.get("user") or {}).get("id", ""))
        return self.run(f"/{action.get('action_id', '')}", str(action.get("value", "")), user)

    def _pause(self, args: list[str], actor: str) -> SlackAnswer:
        try:
            channels, duration = parse_pause(args)
        except ValueError as error:
            raise CommandError(str(error)) from None
        now = self._clock()
        until = now + duration if duration else None
        self._control.pause(channels, now=now, by=actor, until=until)
        end = f" until {until:%H:%M} UTC" if until else " until resumed"
        names = ", ".join(c.value for c in channels)
        return SlackAnswer(
            f"<@{actor.removeprefix('slack:')}> paused {names}{end}.", ephemeral=False
        )

    def _resume(self, args: list[str], actor: str) -> SlackAnswer:
        try:
            channels = parse_channels(args[0] if args else "all")
        except ValueError as error:
            raise CommandError(str(error)) from None
        lifted = self._control.resume(channels, now=self._clock(), by=actor)
        if not lifted:
            return SlackAnswer("Nothing was paused.")
        names = ", ".join(c.value for c in lifted)
        return SlackAnswer(f"<@{actor.removeprefix('slack:')}> resumed {names}.", ephemeral=False)

    def _senders(self, args: list[str]) -> tuple[list[str], str]:
        """The senders a REF or a typed number names, and how to name them back safely."""
        number = typed_number(" ".join(args))  # people type numbers with spaces
        if number is None and len(args) != 1:
            raise CommandError("give one ref (from an alert) or one number")
        if number is not None:
            senders = [self._pseudonyms.sender(channel, number) for channel in NUMBER_CHANNELS]
            return senders, f"the number typed (as {public_ref(senders[0])} on SMS)"
        ref = args[0].lower()
        if not _REF.fullmatch(ref):
            raise CommandError(f"a ref is {REF_LENGTH} or more characters of a-z and 2-7")
        sender = self._control.sender_for_ref(ref)
        if sender is None:
            raise CommandError(f"no single sender has the ref {ref}")
        return [sender], public_ref(sender)

    def _block(self, args: list[str], actor: str) -> SlackAnswer:
        senders, label = self._senders(args)
        self._control.block(senders, now=self._clock(), by=actor, label=label)
        return SlackAnswer(f"Blocked {label}: stored, counted, never answered.", ephemeral=False)

    def _unblock(self, args: list[str], actor: str) -> SlackAnswer:
        senders, label = self._senders(args)
        lifted = self._control.unblock(senders, now=self._clock(), by=actor, label=label)
        return SlackAnswer(f"Unblocked {label}." if lifted else f"{label} was not blocked.")

    def _budget(self, args: list[str], actor: str) -> SlackAnswer:
        try:
            amount = Decimal(args[0].replace(",", ".")) if len(args) == 1 else Decimal(-1)
        except InvalidOperation:
            amount = Decimal(-1)
        if amount < 0 or amount > 100_000:
            raise CommandError("give today's cap in euros, e.g. `/antirelous budget 15`")
        now = self._clock()
        self._control.set_budget(now.date(), micro_eur(amount), now=now, by=actor)
        return SlackAnswer(f"Today's budget is now {amount:.2f} EUR.", ephemeral=False)

    def _show_threat(self, args: list[str], _actor: str) -> SlackAnswer:
        text = self._alerts.revealed_text(int(args[0])) if args and args[0].isdigit() else None
        if text is None:
            raise CommandError("that alert has no message to show (erased, or not a threat)")
        shown = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return SlackAnswer(f"The message, for your eyes only:\n> {shown}")

    def _help(self, _args: list[str], _actor: str) -> SlackAnswer:
        return SlackAnswer(HELP)

    def _status(self, _args: list[str], _actor: str) -> SlackAnswer:
        now = self._clock()
        pauses = self._control.pauses(now)
        figures = collect_stats(self._engine, now.date(), self._default_budget_micro, pauses)
        hour_in, hour_out = counts_since(self._engine, now - timedelta(hours=1))
        depth, next_due = self._outbox.depth()
        lines = []
        for channel in Channel:
            pause = pauses.get(channel)
            if pause is None:
                lines.append(f"*{channel.value}*: live")
            else:
                until = f" until {pause.until:%H:%M} UTC" if pause.until else ""
                lines.append(
                    f"*{channel.value}*: paused by {pause.paused_by} since "
                    f"{pause.paused_at:%H:%M} UTC{until}"
                )
        today = figures["today"]
        lines.append(f"Last hour: {hour_in} messages, {hour_out} replies.")
        lines.append(
            f"Today: {today['inbound']} messages, {today['replies']} replies, "
            f"{today['spend_eur']:.2f} of {today['budget_eur']:.2f} EUR."
        )
        due = f", next due {next_due:%H:%M} UTC" if next_due else ""
        lines.append(f"Outbox: {depth} replies waiting{due}.")
        text = "\n".join(lines)
        section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
        return SlackAnswer(text, blocks=[section, pause_buttons()])
