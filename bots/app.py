"""``create_app(settings)``: the composition root. Everything is wired here, once.

Tests build the app with their own settings and clock; nothing is read from module globals.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from jinja2 import TemplateError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse
from telegram.error import TelegramError
from twilio.request_validator import RequestValidator

from bots.alerts import ALERTS_INTERVAL_S, AlertDelivery
from bots.clock import system_clock
from bots.database import open_database
from bots.deciders import Deciders
from bots.jobs import start_scheduler
from bots.metrics import Metrics
from bots.ops_routes import ops_router
from bots.outbox import OUTBOX_INTERVAL_S, STATUS_PATH, build_outbox_worker
from bots.secret_key import resolve_secret_key
from bots.settings import ConfigurationError, Settings
from bots.slack_commands import SlackCommands
from bots.slack_routes import SlackContext, slack_endpoints
from bots.slack_socket import SlackSocketMode
from bots.telegram_bot import OnUpdate, TelegramRuntime, update_pipeline
from bots.telegram_routes import TelegramWebhookContext, telegram_endpoint
from bots.twilio_routes import (
    TwilioSignatureCheck,
    TwilioWebhookContext,
    messaging_endpoint,
    status_endpoint,
)
from channels.errors import ForgedRequest, MalformedRequest, NotConfigured
from channels.slack import UnsignedSlackRequest, slack_verifier
from channels.twilio_messaging import DeliveryReport
from replies.abuse import label_everything_ok
from replies.ports import Clock, StoreUnavailable
from replies.pseudonyms import Pseudonymizer
from replies.responder import Responder, ResponderConfig
from replies.sealing import RecipientBox
from replies.templates import ReplyTemplates
from replies.types import Channel, Decision, Inbound
from storage.alert_repository import AlertRepository
from storage.engine import is_sqlite
from storage.outbox_repository import OutboxRepository
from storage.replies_repository import SqlReplyStore
from storage.sqlite_checkpoint import WalCheckpointer

log = logging.getLogger("antirelous")

MAX_BODY_BYTES = 64 * 1024
MESSAGING_CHANNELS = (Channel.SMS, Channel.WHATSAPP)


def _check_templates(templates: ReplyTemplates, locale: str) -> None:
    for channel in MESSAGING_CHANNELS:
        try:
            templates.render(locale, channel)
        except TemplateError as error:  # refuse to start rather than fail on the first message
            raise ConfigurationError(
                f"template {locale}/{channel}.j2 cannot be rendered ({error}); "
                "run `antirelous templates check`"
            ) from error


def build_responder(settings: Settings, store: SqlReplyStore) -> Responder:
    """The responder on ``store``, configured from ``settings``."""
    templates = ReplyTemplates(settings.templates_dir, settings.info_url)
    _check_templates(templates, settings.locale)
    config = ResponderConfig(
        locale=settings.locale,
        reply_window=settings.reply_window,
        reply_countries=settings.reply_calling_codes,
        daily_budget_micro=settings.daily_budget_micro,
        pricing=settings.pricing,
        reply_delay=settings.reply_delay_range,
    )
    key = resolve_secret_key(settings)
    return Responder(
        store=store,
        templates=templates,
        classifier=label_everything_ok,
        pseudonyms=Pseudonymizer(key),
        config=config,
        seal=RecipientBox(key).seal,
    )


def _log_channels(settings: Settings, dev: bool) -> None:
    delay = settings.reply_delay_range
    if delay is None:
        log.info("replies ride inline, in the webhook's answer")
    elif missing_account := settings.twilio_sending_missing():
        log.warning("outbox: delayed replies are logged, not sent: set %s", missing_account)
    else:
        log.info("outbox: replies go out %s to %s after each message", delay.low, delay.high)
    if not settings.telegram_polling:  # polling says so once it has started
        if missing_telegram := settings.telegram_webhook_missing():
            log.warning("telegram: not live, set %s", missing_telegram)
        else:
            log.info("telegram: live at %s/webhooks/telegram", settings.public_url)
    missing = settings.twilio_missing()
    for channel in MESSAGING_CHANNELS:
        if dev:
            log.warning("%s: live in dev mode, unsigned requests accepted", channel)
        elif missing:
            log.warning("%s: not live, set %s", channel, missing)
        else:
            log.info("%s: live at %s/webhooks/twilio/%s", channel, settings.public_url, channel)


async def _start_telegram(telegram: TelegramRuntime, on_update: OnUpdate) -> None:
    """Start the bot; if the Bot API cannot be reached, go on without it (webhook answers still
    carry inline replies, and the outbox retries its sends until the bot is up)."""
    try:
        await telegram.start(on_update)
    except TelegramError as error:
        log.error("telegram: cannot reach the Bot API (%s); replies through it will wait", error)
        return
    if telegram.polling:
        log.warning("telegram: polling (no ANTIRELOUS_PUBLIC_URL): run one process only")


async def _start_socket_mode(socket_mode: SlackSocketMode) -> None:
    """Connect to Slack; if it cannot be reached, go on (the HTTP routes still work)."""
    try:
        await anyio.to_thread.run_sync(socket_mode.start)
    except (SlackClientError, OSError) as error:
        log.error("slack: Socket Mode could not connect (%s)", error)


def _install_error_handlers(app: FastAPI, metrics: Metrics) -> None:
    def reject(request: Request, status: int, detail: str) -> JSONResponse:
        metrics.rejected.labels(request.url.path, str(status)).inc()
        return JSONResponse({"detail": detail}, status_code=status)

    @app.exception_handler(MalformedRequest)
    async def malformed(request: Request, error: MalformedRequest) -> JSONResponse:
        return reject(request, 400, str(error))

    @app.exception_handler(ForgedRequest)
    async def forged(request: Request, error: ForgedRequest) -> JSONResponse:
        return reject(request, 403, str(error))

    @app.exception_handler(NotConfigured)
    async def not_configured(request: Request, error: NotConfigured) -> JSONResponse:
        return reject(request, 503, str(error))

    @app.exception_handler(UnsignedSlackRequest)
    async def unsigned_slack(request: Request, error: UnsignedSlackRequest) -> JSONResponse:
        return reject(request, 401, str(error))

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, error: StoreUnavailable) -> JSONResponse:
        log.warning("database unavailable (%s) on %s", error, request.url.path)
        return reject(request, 503, "database unavailable, retry later")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return reject(request, 500, "internal error")


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
    worker = build_outbox_worker(
        settings, outbox, resolve_secret_key(settings), clock, telegram.sender if telegram else None
    )
    metrics = Metrics()
    # Decisions block on the database, so they run on threads of their own: as many as can
    # usefully write at once (one on SQLite, the pool size on PostgreSQL).
    deciders: Deciders[Inbound, Decision] = Deciders(
        responder.handle, store.concurrency, "antirelous-decide"
    )

    async def database_ready() -> bool:
        def ping() -> bool:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return True
            except SQLAlchemyError:
                return False

        return await anyio.to_thread.run_sync(ping)

    on_update = update_pipeline(deciders.run, clock) if telegram else None
    alerts = AlertRepository(engine)
    slack_token = settings.slack_bot_token
    alert_delivery = AlertDelivery(
        alerts,
        WebClient(slack_token.get_secret_value(), base_url=settings.slack_api_url)
        if slack_token
        else None,
        settings.slack_alert_channel,
        clock,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _log_channels(settings, dev)
        deciders.start()
        if checkpointer:
            checkpointer.start()
        if telegram and on_update:
            await _start_telegram(telegram, on_update)
        if socket_mode:
            await _start_socket_mode(socket_mode)
        jobs = {
            "outbox": (worker.run_once, OUTBOX_INTERVAL_S),
            "alerts": (alert_delivery.run_once, ALERTS_INTERVAL_S),
        }
        scheduler = start_scheduler(jobs) if run_jobs else None
        yield
        if scheduler:
            scheduler.shutdown(wait=True)
        if telegram:
            await telegram.stop()
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
    _install_error_handlers(app, metrics)
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
    return app
