"""How the app answers what goes wrong: never a 500 with a trace.

Forged 403 (Slack 401), malformed 400, unconfigured platform 503 naming the setting, database
unavailable 503 so that the platform retries; anything unexpected is logged and answered 500
with no detail.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

from bots.metrics import Metrics
from channels.errors import ForgedRequest, MalformedRequest, NotConfigured
from channels.slack import UnsignedSlackRequest
from replies.ports import StoreUnavailable

log = logging.getLogger("antirelous")


def install_error_handlers(app: FastAPI, metrics: Metrics) -> None:
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
