"""``antirelous simulate``: replay an attack scenario against a running server.

The point is to see, before an attack does, what the service would pay and whom it would
still answer. Because a replay sends real signed webhooks, and a server wired to a real
Twilio account answers them with real paid SMS, it refuses any non-loopback URL unless the
operator says ``--yes-spend-real-money``; and its senders come from the numbers reserved for
fiction, so that no reply can ever reach a person.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from bots.fiction_numbers import DEFAULT_RECEIVER
from bots.loopback import is_loopback_host
from bots.progress import ProgressBar
from bots.replay import Target, replay
from bots.scenarios import SCENARIOS
from bots.settings import Settings
from bots.simulate_report import ServerSide, build_report, format_report
from bots.simulate_server import ServerView
from replies.numbers import calling_code, typed_number

#: The senders are French fiction numbers; by default the server answers only senders of
#: its receiving number's own country.
SENDERS_CALLING_CODE = 33
DEFAULT_SPEED = 60.0  # an hour of attack in a minute; 2017's four hours in four minutes


@dataclass(frozen=True, slots=True)
class SimulateOptions:
    """The command's arguments."""

    scenario: str
    url: str
    speed: float = DEFAULT_SPEED
    minutes: float | None = None
    concurrency: int = 32
    seed: int = 2017
    to: str = DEFAULT_RECEIVER
    settle_s: float = 5.0
    json: bool = False
    spend_real_money: bool = False
    progress: bool = True


def refusal(options: SimulateOptions) -> str | None:
    """Why the replay must not start, or ``None``. Checked before anything is sent."""
    parts = urlsplit(options.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--url must be an http(s) URL, like http://127.0.0.1:8000, not {options.url!r}"
    if not is_loopback_host(parts.hostname) and not options.spend_real_money:
        return (
            f"refusing to replay an attack against {parts.hostname}: it is not this machine. "
            "A server wired to a real Twilio account answers with real, paid SMS. "
            "Use a loopback URL (127.0.0.1, ::1, localhost), or add --yes-spend-real-money."
        )
    if options.speed <= 0 or options.concurrency < 1:
        return "--speed must be above 0 and --concurrency at least 1"
    if options.minutes is not None and options.minutes <= 0:
        return "--minutes must be above 0"
    to = typed_number(options.to)
    if to is None or calling_code(to) != SENDERS_CALLING_CODE:
        return (
            "--to must be a French number (+33…): the senders are French numbers reserved "
            "for fiction, and the server answers only its receiving number's country"
        )
    return None


def _target(options: SimulateOptions, settings: Settings) -> Target:
    base = options.url.rstrip("/")
    token = settings.twilio_auth_token
    return Target(
        base_url=base,
        public_url=settings.public_url or base,
        auth_token=token.get_secret_value() if token is not None else None,
        receiver=typed_number(options.to) or options.to,
        account_sid=settings.twilio_account_sid or "AC" + "0" * 32,
    )


def run_simulation(options: SimulateOptions, settings: Settings) -> int:
    """Replay, then print the report; the exit status is 2 when the replay is refused."""
    reason = refusal(options)
    if reason is not None:
        print(reason, file=sys.stderr)
        return 2
    target = _target(options, settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    if target.auth_token is None:
        print(
            "no TWILIO_AUTH_TOKEN: sending unsigned webhooks, which only `serve --dev` accepts",
            file=sys.stderr,
        )
    scenario = SCENARIOS[options.scenario](options.seed, frozenset({target.receiver}))
    events = scenario.first(None if options.minutes is None else options.minutes * 60)
    server = ServerView(settings)
    try:
        before = server.snapshot()
        bar = ProgressBar(len(events)) if options.progress else None
        result = asyncio.run(
            replay(
                events, target, speed=options.speed, concurrency=options.concurrency, progress=bar
            )
        )
        if bar is not None:
            bar.close()
        # The server's jobs (spike detector, alerts, outbox) run every few seconds.
        time.sleep(options.settle_s)
        side = ServerSide(before, server.snapshot(), server.alerts_since(result.started_at))
    finally:
        server.close()
    report = build_report(
        scenario=options.scenario,
        seed=options.seed,
        speed=options.speed,
        minutes=options.minutes,
        events=events,
        result=result,
        server=side,
        reply_price_eur=settings.sms_segment_eur,
        inline_configured=settings.reply_delay_range is None,
    )
    print(json.dumps(report) if options.json else format_report(report))
    return 0
