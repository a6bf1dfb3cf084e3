"""Form bodies, parsed strictly and cheaply on the hot path."""

from __future__ import annotations

from urllib.parse import parse_qsl

from channels.errors import MalformedRequest

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def parse_form(body: bytes, content_type: str | None) -> dict[str, str]:
    """The fields of a URL-encoded form. Repeated fields are refused: platforms never send
    them, and a signature check over a dict would otherwise not cover every value.
    """
    if (content_type or "").split(";")[0].strip().lower() != FORM_CONTENT_TYPE:
        raise MalformedRequest("the body must be application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=bool(body),
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedRequest("the form is not valid URL-encoded UTF-8") from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise MalformedRequest("a form field appears more than once")
    return fields
