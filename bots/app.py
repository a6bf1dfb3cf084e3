"""``create_app(settings)``: the composition root. Everything is wired here, once.

Tests build the app with their own settings and clock; nothing is read from module globals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from slack_sdk import WebClient
from twilio.request_validator import RequestValidator

from bots.alerts import ALERTS_INTERVAL_S, AlertDelivery
from bots.clock import system_clock
from bots.database import open_database
from bots.deciders import Deciders
from bots.error_handlers import install_error_handlers
from bots.jobs import Job, Jobs, ProcessTicks
from bots.metrics import Metrics
from bots.ops_routes import ops_router
from bots.outbox import OUTBOX_INTERVAL_S, STATUS_PATH, build_outbox_worker
from bots.responder_wiring import MESSAGING_CHANNELS, build_responder
from bots.secret_key import resolve_secret_key
from bots.settings import Settings
from bots.slack_commands import SlackCommands
from bots.slack_routes import SlackContext, slack_endpoints
from bots.slack_socket import SlackSocketMode
from bots.spike_trigger import SpikeTrigger
from bots.spike_watch import SPIKES_INTERVAL_S, build_spike_watch
from bots.startup import (
    claim_telegram_polling,
    log_channels,
    start_socket_mode,
    start_telegram,
)
from bots.telegram_bot import TelegramRuntime, update_pipeline
from bots.telegram_routes import TelegramWebhookContext, telegram_endpoint
from bots.twilio_routes import (
    TwilioSignatureCheck,
    TwilioWebhookContext,
    messaging_endpoint,
    status_endpoint,
    voice_endpoint,
)
from channels.slack import slack_verifier
from channels.twilio_messaging import DeliveryReport
from replies.ports import Clock
from replies.pseudonyms import Pseudonymizer
from replies.types import Decision, Inbound
from storage.alert_repository import AlertRepository
from storage.engine import database_answers, is_sqlite
from storage.job_ticks import JobTicks
from storage.outbox_repository import OutboxRepository
from storage.replies_repository import SqlReplyStore
from storage.sqlite_checkpoint import WalCheckpointer

MAX_BODY_BYTES = 64 * 1024


def create_app(
    settings: Settings, *, clock: Clock = system_clock, dev: bool = False, run_jobs: bool = True
) -> FastAPI:
    """The whole service as an ASGI app. Opens (and on SQLite migrates) the database.

    ``run_jobs=False`` leaves the scheduled jobs (the outbox) to the caller: tests run them
    by hand, with their own clock.
    """
    engine = open_database(settings)
    sqlite = is_sqlite(settings.database_url)
    store = SqlReplyStore(engine, checkpoints_elsewhere=sqlite)
    checkpointer = WalCheckpointer(engine, store.writer_lock) if sqlite else None
    responder = build_responder(settings, store)
    outbox = OutboxRepository(engine, store.writer_lock)
    telegram = TelegramRuntime(settings) if settings.telegram_bot_token else None
    polling_lock = claim_telegram_polling(engine) if telegram and telegram.polling else None
    worker = build_outbox_worker(
        settings,
        outbox,
        store,
        resolve_secret_key(settings),
        clock,
        telegram.sender if telegram else None,
    )
    metrics = Metrics()
    # Decisions block on the database, so they run on threads of their own: as many as can
    # usefully write at once (one on SQLite, the pool size on PostgreSQL).
    spike_trigger = SpikeTrigger()

    def decide(inbound: Inbound) -> Decision:
        spike_trigger.note(inbound.channel)
        return responder.handle(inbound)

    deciders: Deciders[Inbound, Decision] = Deciders(decide, store.concurrency, "antirelous-decide")

    async def database_ready() -> bool:
        return await anyio.to_thread.run_sync(database_answers, engine)

    on_update = update_pipeline(deciders.run, clock) if telegram else None
    alerts = AlertRepository(engine, store.writer_lock)
    slack_token = settings.slack_bot_token
    alert_delivery = AlertDelivery(
        alerts,
        WebClient(slack_token.get_secret_value(), base_url=settings.slack_api_url)
        if slack_token
        else None,
        settings.slack_alert_channel,
        clock,
    )
    spike_watch = build_spike_watch(settings, engine, alerts, clock, store.writer_lock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log_channels(settings, dev)
        deciders.start()
        if checkpointer:
            checkpointer.start()
        if telegram and on_update:
            await start_telegram(telegram, on_update)
        if socket_mode:
            await start_socket_mode(socket_mode)
        jobs = Jobs(
            {
                "outbox": Job(worker.run_once, OUTBOX_INTERVAL_S),
                "alerts": Job(alert_delivery.run_once, ALERTS_INTERVAL_S),
                "spikes": Job(spike_watch.run_once, SPIKES_INTERVAL_S),
            },
            ProcessTicks() if sqlite else JobTicks(engine, store.writer_lock),
        )
        if run_jobs:
            jobs.start()
            spike_trigger.connect(lambda: jobs.run_soon("spikes"))
        yield
        spike_trigger.connect(None)
        if run_jobs:
            jobs.shutdown()
        if telegram:
            await telegram.stop()
        if polling_lock:
            polling_lock.release()
        if socket_mode:
            await anyio.to_thread.run_sync(socket_mode.stop)
        deciders.shutdown()
        if checkpointer:
            checkpointer.stop()
        store.close()
        engine.dispose()

    app = FastAPI(
        title="antirelous",
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,
        docs_url="/docs" if settings.docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs else None,
    )
    install_error_handlers(app, metrics)
    missing = settings.twilio_missing()
    check = None
    if not dev and missing is None and settings.twilio_auth_token and settings.public_url:
        token = settings.twilio_auth_token.get_secret_value()
        check = TwilioSignatureCheck(RequestValidator(token), settings.public_url)
    twilio = TwilioWebhookContext(
        decide=deciders.run,
        clock=clock,
        metrics=metrics,
        dev=dev,
        check_signature=check,
        missing_setting=missing,
    )
    for channel in MESSAGING_CHANNELS:
        app.add_api_route(
            f"/webhooks/twilio/{channel}",
            messaging_endpoint(channel, twilio),
            methods=["POST"],
            name=f"twilio_{channel}",
        )

    app.add_api_route(
        "/webhooks/twilio/voice",
        voice_endpoint(twilio, settings.locale, settings.voice_audio_url),
        methods=["POST"],
        name="twilio_voice",
    )

    async def record_delivery(report: DeliveryReport) -> bool:
        return await anyio.to_thread.run_sync(
            outbox.record_delivery,
            report.provider_id,
            report.status,
            report.price_micro,
            report.segments,
        )

    app.add_api_route(
        STATUS_PATH,
        status_endpoint(twilio, record_delivery),
        methods=["POST"],
        name="twilio_status",
    )
    secret = settings.telegram_webhook_secret
    telegram_context = TelegramWebhookContext(
        on_update=on_update,
        secret=secret.get_secret_value().encode() if secret else None,
        missing_setting=settings.telegram_webhook_missing(),
        dev=dev,
    )
    app.add_api_route(
        "/webhooks/telegram", telegram_endpoint(telegram_context), methods=["POST"], name="telegram"
    )
    slack_secret = settings.slack_signing_secret
    slack = SlackContext(
        commands=SlackCommands(
            engine,
            alerts,
            Pseudonymizer(resolve_secret_key(settings)),
            clock,
            settings.slack_admins,
            settings.daily_budget_micro,
        ),
        verifier=slack_verifier(slack_secret.get_secret_value(), clock) if slack_secret else None,
    )
    slack_commands, slack_interactions = slack_endpoints(slack)
    app_token = settings.slack_app_token
    socket_mode = (
        SlackSocketMode(app_token.get_secret_value(), settings.slack_api_url, slack.commands)
        if app_token
        else None
    )
    app.add_api_route("/slack/commands", slack_commands, methods=["POST"], name="slack_commands")
    app.add_api_route(
        "/slack/interactions", slack_interactions, methods=["POST"], name="slack_interactions"
    )
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.include_router(ops_router(metrics, database_ready, metrics_token))
    app.state.engine = engine
    app.state.outbox_worker = worker
    app.state.alerts = alerts
    app.state.alert_delivery = alert_delivery
    app.state.spike_watch = spike_watch
    return app
