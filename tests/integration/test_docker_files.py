"""The Docker deployment, checked without a Docker engine: the compose file, nginx's
configuration, the image and the example settings agree with each other and with the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bots.settings import Settings

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DOCKER / "compose.yaml").read_text()))


def test_compose_runs_postgresql_a_migration_two_replicas_and_a_proxy() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "app-1", "app-2", "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["db"]["healthcheck"]["test"][1] == "pg_isready"
    migrate = services["migrate"]
    assert migrate["command"] == ["antirelous", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("app-1", "app-2"):
        app = services[name]
        assert app["command"][:2] == ["antirelous", "serve"]
        # Replicas start only once the schema is migrated: they never migrate themselves.
        assert app["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        url = app["environment"]["ANTIRELOUS_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
        assert app["build"]["dockerfile"] == "docker/Dockerfile"
        assert "ports" not in app  # reachable through the proxy only
    assert services["proxy"]["volumes"] == ["./nginx.conf:/etc/nginx/nginx.conf:ro"]


def test_the_proxy_spreads_over_both_replicas_and_forwards_client_addresses() -> None:
    conf = (DOCKER / "nginx.conf").read_text()
    upstream = re.findall(r"server (\S+?):(\d+)", conf)
    replicas = {name for name in compose()["services"] if name.startswith("app-")}
    assert {host for host, _ in upstream} == replicas
    assert {port for _, port in upstream} == {"8000"}
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Real-IP"):
        assert f"proxy_set_header {header}" in conf
    assert "proxy_next_upstream error timeout;" in conf


def test_the_image_is_multi_stage_and_runs_as_a_user_of_its_own() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) == 2
    assert "-slim" in dockerfile
    assert re.search(r"^USER antirelous$", dockerfile, re.MULTILINE)
    assert "/healthz" in dockerfile


def test_every_variable_of_the_example_environment_is_a_setting() -> None:
    known = {"POSTGRES_PASSWORD"}
    for name, field in Settings.model_fields.items():
        known.add(f"ANTIRELOUS_{name.upper()}")
        aliases = getattr(field.validation_alias, "choices", [])
        known.update(alias for alias in aliases if alias.isupper())
    lines = (DOCKER / "example.env").read_text().splitlines()
    names = {line.split("=")[0] for line in lines if line and not line.startswith("#")}
    assert names - known == set()
    assert {"ANTIRELOUS_SECRET_KEY", "ANTIRELOUS_PUBLIC_URL", "TWILIO_AUTH_TOKEN"} <= names
