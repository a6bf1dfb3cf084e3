"""Health, readiness, metrics, and what a database outage looks like from outside."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import SettingsFactory
from tests.fakes.tcp_proxy import CuttableProxy
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.databases import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    migrate_database,
    postgres_schema,
    postgres_url,
)
from tests.support.twilio import message_fields, new_number, post_signed

SMS = "/webhooks/twilio/sms"


async def test_health_and_readiness(make_settings: SettingsFactory, clock: FakeClock) -> None:
    async with running_app(make_settings(), clock) as (_, client):
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert (health.status_code, ready.status_code) == (200, 200)


async def test_metrics_count_decisions_for_a_loopback_scraper(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(), clock) as (_, client):
        await post_signed(client, SMS, message_fields(new_number()))
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert 'antirelous_inbound_messages_total{channel="sms",outcome="replied"} 1.0' in response.text


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
async def test_metrics_refuse_a_request_that_came_through_a_proxy(
    make_settings: SettingsFactory, clock: FakeClock, header: str
) -> None:
    async with running_app(make_settings(), clock) as (_, client):
        response = await client.get("/metrics", headers={header: "203.0.113.7"})
    assert response.status_code == 403
    assert "ANTIRELOUS_METRICS_TOKEN" in response.json()["detail"]


async def test_with_a_token_metrics_need_it_from_anywhere(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(metrics_token="scrape-me"), clock) as (_, client):
        without = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get(
            "/metrics", headers={"Authorization": "Bearer scrape-me", "X-Forwarded-For": "10.0.0.1"}
        )
    assert (without.status_code, wrong.status_code, right.status_code) == (403, 403, 200)


async def test_no_openapi_ui_unless_asked(make_settings: SettingsFactory, clock: FakeClock) -> None:
    async with running_app(make_settings(), clock) as (_, client):
        hidden = await client.get("/docs")
    async with running_app(make_settings(docs=True), clock) as (_, client):
        shown = await client.get("/docs")
        schema = await client.get("/openapi.json")
    assert (hidden.status_code, shown.status_code) == (404, 200)
    assert "/webhooks/twilio/sms" in schema.json()["paths"]


@pytest.fixture
def proxied_postgres() -> Iterator[tuple[str, CuttableProxy]]:
    """A migrated PostgreSQL schema, reached through a proxy the test can cut."""
    with postgres_schema() as schema:
        migrate_database(postgres_url(schema))
        proxy = CuttableProxy((POSTGRES_HOST, POSTGRES_PORT))
        try:
            yield postgres_url(schema, port=proxy.port), proxy
        finally:
            proxy.close()


async def test_a_database_outage_answers_503_and_recovers_by_itself(
    make_settings: SettingsFactory,
    clock: FakeClock,
    proxied_postgres: tuple[str, CuttableProxy],
) -> None:
    url, proxy = proxied_postgres
    during = message_fields(new_number())
    async with running_app(make_settings(database_url=url), clock) as (_, client):
        before = await post_signed(client, SMS, message_fields(new_number()))
        proxy.cut()
        refused = await post_signed(client, SMS, during)
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        proxy.restore()
        retried = await post_signed(client, SMS, during)  # Twilio's retry of the refused one
        ready_again = await client.get("/readyz")
    assert before.status_code == 200
    assert refused.status_code == 503
    assert "Traceback" not in refused.text
    assert (health.status_code, ready.status_code) == (200, 503)
    assert retried.status_code == 200 and "<Message>" in retried.text
    assert ready_again.status_code == 200
