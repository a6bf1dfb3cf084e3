"""The ``antirelous`` command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from pydantic import ValidationError
from sqlalchemy import Engine
from telegram.error import TelegramError

from bots.cli_shield import add_shield_commands
from bots.clock import system_clock
from bots.database import open_database
from bots.loopback import is_loopback_host
from bots.secret_key import resolve_secret_key
from bots.settings import ConfigurationError, Settings
from bots.stats_text import format_stats, format_status
from bots.template_check import check_templates
from bots.usage import UsageError
from replies.controls import parse_channels, parse_pause
from replies.numbers import typed_number
from replies.ports import StoreUnavailable
from replies.pseudonyms import Pseudonymizer
from replies.types import Channel
from storage import migrate
from storage.control_repository import ControlRepository
from storage.engine import create_db_engine
from storage.erase import erase_sender
from storage.outbox_repository import OutboxRepository
from storage.stats import collect_stats

log = logging.getLogger("antirelous")

Command = Callable[[argparse.Namespace, Settings], int]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bots.app import create_app
    from bots.process import settle_for_serving

    if args.dev and not is_loopback_host(args.host):
        print("--dev serves loopback only: use --host 127.0.0.1 or ::1", file=sys.stderr)
        return 2
    app = create_app(settings, dev=args.dev)
    settle_for_serving()
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, server_header=False)
    return 0


@contextmanager
def _database(settings: Settings) -> Iterator[Engine]:
    """The configured database, migrated or checked, disposed of afterwards."""
    engine = open_database(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    now = system_clock()
    with _database(settings) as engine:
        paused = ControlRepository(engine).pauses(now)
        figures = collect_stats(engine, now.date(), settings.daily_budget_micro, paused)
    print(json.dumps(figures) if args.json else format_stats(figures))
    return 0


def _cli_actor() -> str:
    """Who runs this command, as the audit log records it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in some containers
        return "cli"


def _pause(args: argparse.Namespace, settings: Settings) -> int:
    words = [w for w in (args.channel, args.duration) if w is not None]
    try:
        channels, duration = parse_pause(words)
    except ValueError as error:
        raise UsageError(str(error)) from None
    now = system_clock()
    until = now + duration if duration else None
    with _database(settings) as engine:
        ControlRepository(engine).pause(channels, now=now, by=_cli_actor(), until=until)
    end = f"until {until:%Y-%m-%d %H:%M} UTC" if until else "until resumed"
    print(f"paused {', '.join(c.value for c in channels)} {end}: messages are stored, not answered")
    return 0


def _resume(args: argparse.Namespace, settings: Settings) -> int:
    try:
        channels = parse_channels(args.channel)
    except ValueError as error:
        raise UsageError(str(error)) from None
    with _database(settings) as engine:
        lifted = ControlRepository(engine).resume(channels, now=system_clock(), by=_cli_actor())
    print(f"resumed {', '.join(c.value for c in lifted)}" if lifted else "nothing was paused")
    return 0


def _status(_args: argparse.Namespace, settings: Settings) -> int:
    now = system_clock()
    with _database(settings) as engine:
        pauses = ControlRepository(engine).pauses(now)
        figures = collect_stats(engine, now.date(), settings.daily_budget_micro, pauses)
        depth, next_due = OutboxRepository(engine).depth()
    print(format_status(pauses, figures))
    when = f", the next due {next_due:%Y-%m-%d %H:%M:%S} UTC" if next_due else ""
    print(f"outbox: {depth} replies waiting{when}")
    return 0


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    engine = create_db_engine(settings.database_url, pool_size=1)
    try:
        migrate.upgrade(engine)
        print(f"database schema at {migrate.current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


def _templates_check(_args: argparse.Namespace, settings: Settings) -> int:
    report = check_templates(settings.templates_dir, settings.info_url)
    for line in report.lines:
        print(line)
    return 0 if report.ok else 1


def _forget(args: argparse.Namespace, settings: Settings) -> int:
    number = typed_number(args.number)
    if number is None:
        print("forget takes an international number, like +33 6 12 34 56 78", file=sys.stderr)
        return 2
    pseudonyms = Pseudonymizer(resolve_secret_key(settings))
    senders = [pseudonyms.sender(channel, number) for channel in Channel]
    with _database(settings) as engine:
        erased = erase_sender(engine, senders, pseudonyms.number(number))
    print(
        f"erased {erased.messages} messages, {erased.replies} replies, "
        f"{erased.windows} reply windows and {erased.opt_outs} opt-outs"
    )
    return 0


def _telegram_setup(_args: argparse.Namespace, settings: Settings) -> int:
    from bots.telegram_setup import setup_telegram

    try:
        done = asyncio.run(setup_telegram(settings))
    except TelegramError as error:
        print(f"the Bot API refused: {error}", file=sys.stderr)
        return 1
    for line in done:
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="antirelous", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the webhooks and the bots")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--dev",
        action="store_true",
        help="accept unsigned webhooks, on a loopback address only (never in production)",
    )
    serve.set_defaults(run=_serve)

    stats = commands.add_parser("stats", help="messages, replies and spend")
    stats.add_argument("--json", action="store_true", help="one JSON object")
    stats.set_defaults(run=_stats)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", help="migrate the schema to this version").set_defaults(
        run=_db_upgrade
    )

    templates = commands.add_parser("templates", help="reply templates").add_subparsers(
        dest="templates_command", required=True, metavar="ACTION"
    )
    templates.add_parser(
        "check", help="render every template; fail on an error or an SMS over one segment"
    ).set_defaults(run=_templates_check)

    pause = commands.add_parser("pause", help="stop answering a channel (messages are stored)")
    pause.add_argument(
        "channel", nargs="?", default="all", help="sms, whatsapp, telegram, voice or all"
    )
    pause.add_argument("duration", nargs="?", help="e.g. 30m, 2h, 1d; none: until resumed")
    pause.set_defaults(run=_pause)

    resume = commands.add_parser("resume", help="answer a paused channel again")
    resume.add_argument(
        "channel", nargs="?", default="all", help="sms, whatsapp, telegram, voice or all"
    )
    resume.set_defaults(run=_resume)

    commands.add_parser(
        "status", help="paused channels, today's figures and the outbox"
    ).set_defaults(run=_status)

    telegram = commands.add_parser("telegram", help="the Telegram bot").add_subparsers(
        dest="telegram_command", required=True, metavar="ACTION"
    )
    telegram.add_parser(
        "setup", help="register the webhook and the bot's descriptions"
    ).set_defaults(run=_telegram_setup)

    forget = commands.add_parser("forget", help="erase everything stored about a number")
    forget.add_argument("number", help="the number in international form, e.g. +33612345678")
    forget.set_defaults(run=_forget)

    add_shield_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status is 0 on success, 1 on a failed check, 2 on bad input."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic tells of every migration check at INFO: noise before each command's output.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = Settings()
        run: Command = args.run
        return run(args, settings)
    except ValidationError as error:
        print(f"invalid settings:\n{error}", file=sys.stderr)
        return 2
    except ConfigurationError as error:
        print(f"cannot start: {error}", file=sys.stderr)
        return 2
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    except StoreUnavailable:
        print("the database is unavailable; try again", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
