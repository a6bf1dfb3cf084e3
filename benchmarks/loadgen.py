"""A small HTTP/1.1 load generator for signed Twilio webhooks, on raw asyncio streams.

Every request is signed in advance with Twilio's own ``RequestValidator`` and carries a unique
sender and MessageSid, so the server does the full first-contact path each time. Two modes:
closed loop (N connections as fast as the server answers: throughput) and open loop (a fixed
arrival rate whatever the server does: latency without coordinated omission).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

PATH = "/webhooks/twilio/sms"
# First contacts as people write them (accents, emoji, both languages, a number or a time), in
# turn: the classifier's cost depends on the text, so one text repeated would measure one case.
FIRST_CONTACTS = (
    "Salut, c'est moi, tu te souviens ?",
    "Coucou c'est Karim du bar d'hier soir 😊",
    "bonsoir, on s'est croisés au concert, ça te dit un verre samedi ?",
    "hey it's Tom from the party, how are you?",
    "Hello ! Je suis bien arrivé, merci pour la soirée",
    "t'es dispo demain vers 18h30 ?",
    "Salut ! Désolé pour le retard, j'étais coincé au boulot",
    "hi, got your number from Julie, hope that's ok",
    "Yo c moi, tu fais quoi ce week-end ?",
    "Bonjour, c'est bien le numéro de Léa ? 🙂",
    "you free for coffee on thursday? there's a nice place near the station",
    "Cc ça va ? Tu m'avais dit de t'écrire",
    "Je t'ai pas trop dérangée j'espère, bonne nuit !",
    "wow what a night lol, did you get home ok?",
    "Re, j'ai retrouvé ton écharpe, je te la rends quand ?",
    "Salut, c'était sympa de discuter, à bientôt peut-être",
)


def signed_requests(
    count: int, host: str, port: int, public_url: str, token: str, first: int = 0
) -> list[bytes]:
    """``count`` raw HTTP requests, each a first contact from a distinct French mobile."""
    validator = RequestValidator(token)
    requests = []
    for i in range(first, first + count):
        fields = {
            "MessageSid": f"SM{i:032x}",
            "AccountSid": "AC" + "0" * 32,
            "From": f"+336{i:08d}",
            "To": "+33700000001",
            "Body": FIRST_CONTACTS[i % len(FIRST_CONTACTS)],
            "NumMedia": "0",
            "NumSegments": "1",
        }
        body = urlencode(fields).encode()
        signature = validator.compute_signature(public_url + PATH, fields)
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


@dataclass
class Result:
    """What one run measured."""

    mode: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> dict[str, float | int | str]:
        return {
            "mode": self.mode,
            "requests": self.requests,
            "errors": self.errors,
            "req_per_s": round(self.rate, 1),
            "p50_ms": round(statistics.median(self.latencies_ms), 2),
            "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(max(self.latencies_ms), 2),
        }


async def closed_loop(host: str, port: int, requests: list[bytes], connections: int) -> Result:
    """Each connection sends its next request as soon as the previous answer arrives."""
    pending = iter(requests)
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        for request in pending:
            started = time.perf_counter()
            if await _exchange(reader, writer, request) != 200:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return Result("closed", len(requests), time.perf_counter() - started, latencies, errors)


async def open_loop(
    host: str, port: int, requests: list[bytes], rate: float, connections: int
) -> Result:
    """Request i is due at i/rate; its latency counts from then, queueing included."""
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection(host, port))
    latencies: list[float] = []
    errors = 0

    async def send(request: bytes, due: float) -> None:
        nonlocal errors
        reader, writer = await idle.get()
        if await _exchange(reader, writer, request) != 200:
            errors += 1
        latencies.append((time.perf_counter() - due) * 1000)
        idle.put_nowait((reader, writer))

    start = time.perf_counter()
    tasks = []
    for i, request in enumerate(requests):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(request, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not idle.empty():
        idle.get_nowait()[1].close()
    return Result(f"open@{rate:.0f}/s", len(requests), elapsed, latencies, errors)
