"""The shield's commands: ``classify``, ``simulate``, ``export-evidence``, ``evidence-key``.

Each imports what it needs when it runs, so that ``antirelous --help`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bots.clock import system_clock
from bots.settings import Settings
from bots.usage import UsageError


def _classify(args: argparse.Namespace, _settings: Settings) -> int:
    """Label each text as the webhooks would: to check a word list before a flood, not after."""
    from replies.abuse import build_classifier

    classify = build_classifier()
    texts = args.text or (line.rstrip("\r\n") for line in sys.stdin if line.strip())
    for text in texts:
        result = classify(text)
        one_line = " ".join(text.split())
        print(f"{result.label.value}\t{', '.join(result.evidence) or '-'}\t{one_line}")
    return 0


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from bots.simulate import SimulateOptions, run_simulation

    options = SimulateOptions(
        scenario=args.scenario,
        url=args.url,
        speed=args.speed,
        minutes=args.minutes,
        concurrency=args.concurrency,
        seed=args.seed,
        to=args.to,
        settle_s=args.settle,
        json=args.json,
        spend_real_money=args.yes_spend_real_money,
    )
    return run_simulation(options, settings)


def _add_simulate(commands: Any) -> None:
    from bots.fiction_numbers import DEFAULT_RECEIVER
    from bots.scenarios import SCENARIOS

    simulate = commands.add_parser(
        "simulate", help="replay an attack scenario against a running server"
    )
    simulate.add_argument(
        "scenario", choices=sorted(SCENARIOS), help="2017 (the insult raid), botnet, well-wishers"
    )
    simulate.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
    simulate.add_argument(
        "--speed", type=float, default=60.0, help="compress the timeline K times (default 60)"
    )
    simulate.add_argument("--minutes", type=float, help="replay only the first M scenario minutes")
    simulate.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    simulate.add_argument("--seed", type=int, default=2017, help="the same seed, the same attack")
    simulate.add_argument(
        "--to", default=DEFAULT_RECEIVER, help="the receiving number (French, like the senders)"
    )
    simulate.add_argument(
        "--settle", type=float, default=5.0, help="seconds to let the server's jobs run after"
    )
    simulate.add_argument("--json", action="store_true", help="the report as one JSON object")
    simulate.add_argument(
        "--yes-spend-real-money",
        action="store_true",
        help="allow a non-loopback URL, whose replies may be real paid SMS",
    )
    simulate.set_defaults(run=_simulate)


def _export_evidence(args: argparse.Namespace, settings: Settings) -> int:
    from bots.evidence_export import ExportOptions, export_evidence
    from bots.evidence_keys import EvidenceExportError

    options = ExportOptions(args.private_key, args.since, args.sender_ref, args.out, args.timezone)
    try:
        lines = export_evidence(options, settings, system_clock())
    except EvidenceExportError as error:
        raise UsageError(f"export-evidence: {error}") from None
    print("\n".join(lines))
    return 0


def _evidence_key(args: argparse.Namespace, _settings: Settings) -> int:
    from bots.evidence_keys import EvidenceExportError, write_new_key

    try:
        print("\n".join(write_new_key(args.private_key)))
    except EvidenceExportError as error:
        raise UsageError(f"evidence-key: {error}") from None
    return 0


def _add_evidence(commands: Any) -> None:
    export = commands.add_parser(
        "export-evidence", help="open the sealed evidence with the private key, as JSON and HTML"
    )
    export.add_argument("--private-key", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--since", metavar="WHEN", help="e.g. 2026-11-28, 2026-11-28T21:30, 24h, 7d"
    )
    export.add_argument("--sender-ref", metavar="REF", help="one sender's ref, as alerts show it")
    export.add_argument(
        "--out", type=Path, metavar="DIR", help="default: ./evidence-<UTC timestamp>"
    )
    export.add_argument(
        "--timezone",
        default="Europe/Paris",
        help="local time when the receiving number tells none (default Europe/Paris)",
    )
    export.set_defaults(run=_export_evidence)
    key = commands.add_parser(
        "evidence-key", help="make the evidence key pair; the private key goes into FILE"
    )
    key.add_argument("--private-key", type=Path, required=True, metavar="FILE")
    key.set_defaults(run=_evidence_key)


def add_shield_commands(commands: Any) -> None:
    """Add the shield's sub-commands to the CLI's ``commands``."""
    classify = commands.add_parser("classify", help="label texts ok, insult or threat")
    classify.add_argument("text", nargs="*", help="texts to label; none: one per line on stdin")
    classify.set_defaults(run=_classify)
    _add_simulate(commands)
    _add_evidence(commands)
