"""``/healthz``, ``/readyz`` and ``/metrics``: what a load balancer and Prometheus ask."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import JSONResponse, Response

from bots.loopback import is_direct_loopback
from bots.metrics import Metrics

CheckDatabase = Callable[[], Awaitable[bool]]


def ops_router(
    metrics: Metrics, database_ready: CheckDatabase, metrics_token: str | None
) -> APIRouter:
    """The operational routes, bound to this app's metrics and database."""
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> JSONResponse:
        """The process is alive. Says nothing of the database, so that an outage never
        makes an orchestrator restart replicas in a loop."""
        return JSONResponse({"status": "alive"})

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        """The database answers: this replica can take webhooks."""
        if await database_ready():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    @router.get("/metrics")
    async def metrics_endpoint(request: Request) -> Response:
        """Prometheus metrics: with a bearer token when one is set, else loopback only."""
        if metrics_token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {metrics_token}".encode()):
                return JSONResponse({"detail": "a valid bearer token is required"}, 403)
        elif not is_direct_loopback(request):
            return JSONResponse(
                {"detail": "metrics are served to loopback only; set ANTIRELOUS_METRICS_TOKEN"},
                403,
            )
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
