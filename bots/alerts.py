"""Delivering stored alerts to Slack, with Block Kit and working buttons.

A job of ``antirelous serve`` posts new alerts and updates coalesced ones in place. When Slack
is down the alerts stay pending and go out on a later run. Without Slack configured they go
to the log. A threat alert never shows the message: its "Show" button reveals it, only to the
admin who clicks.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bots.slack_commands import pause_buttons
from replies.ports import Clock
from replies.types import Channel
from storage.alert_repository import AlertRepository, PendingAlert

log = logging.getLogger("antirelous.alerts")

ALERTS_INTERVAL_S = 5.0
THREAT = "threat"


def _channel_of(key: str) -> str:
    """``spike:sms:…`` → ``sms``; a key naming no channel → ``all``."""
    parts = key.split(":")
    name = parts[1] if len(parts) > 1 else ""
    return name if name in {c.value for c in Channel} else "all"


def alert_blocks(alert: PendingAlert) -> list[dict[str, Any]]:
    """The alert as Block Kit: what happened, and the buttons to act on it."""
    times = f" (×{alert.count})" if alert.count > 1 else ""
    section = {"type": "section", "text": {"type": "mrkdwn", "text": alert.text + times}}
    if alert.kind == THREAT:
        show = {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Show"},
                    "action_id": "show_threat",
                    "value": str(alert.id),
                }
            ],
        }
        return [section, show]
    return [section, pause_buttons(_channel_of(alert.key))]


class AlertDelivery:
    """Posts pending alerts to ``channel`` (or logs them when Slack is not configured)."""

    def __init__(
        self, alerts: AlertRepository, client: WebClient | None, channel: str | None, clock: Clock
    ) -> None:
        self._alerts = alerts
        self._client = client if channel else None
        self._channel = channel or ""
        self._clock = clock

    def run_once(self) -> Counter[str]:
        """Deliver what is pending; stop at the first Slack failure and try again next run."""
        report: Counter[str] = Counter()
        claimed = self._alerts.claim_pending(self._clock())
        for index, alert in enumerate(claimed):
            now = self._clock()
            if self._client is None:
                log.warning("alert (%s): %s", alert.kind, alert.text)
                self._alerts.delivered(alert, "log", now, posted=True)
                report["logged"] += 1
                continue
            blocks = alert_blocks(alert)
            try:
                if alert.slack_ts and alert.slack_ts != "log":
                    self._client.chat_update(
                        channel=self._channel, ts=alert.slack_ts, text=alert.text, blocks=blocks
                    )
                    self._alerts.delivered(alert, alert.slack_ts, now, posted=False)
                    report["updated"] += 1
                else:
                    answer = self._client.chat_postMessage(
                        channel=self._channel, text=alert.text, blocks=blocks
                    )
                    self._alerts.delivered(alert, str(answer["ts"]), now, posted=True)
                    report["posted"] += 1
            except (SlackApiError, SlackClientError, OSError) as error:
                log.warning("Slack unavailable (%s): alerts wait for the next run", error)
                self._alerts.release([a.id for a in claimed[index:]])
                report["waiting"] += 1
                break
        return report
