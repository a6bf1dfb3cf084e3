"""The yardstick: a bare FastAPI endpoint that parses the form and returns fixed TwiML.

Whatever the full webhook costs beyond this is the price of signatures, pseudonyms and the
one database transaction.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import Response

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Bonjour</Message></Response>'

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.post("/webhooks/twilio/sms")
async def sms(request: Request) -> Response:
    form = await request.form()
    if "From" not in form:
        return Response(status_code=400)
    return Response(TWIML, media_type="text/xml")
