"""The wheel that a deployment installs (the Docker image builds the same one) is complete."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_carries_templates_migrations_and_the_console_script(tmp_path: Path) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("antirelous-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"replies/templates/fr/sms.j2", "replies/templates/en/whatsapp.j2"} <= names
    assert "storage/migrations/env.py" in names
    lists = ("fr_insults", "fr_threats", "en_insults", "en_threats", "safe", "games")
    assert {f"replies/abuse/lists/{name}.txt" for name in lists} <= names
    assert "bots/templates/evidence.html.j2" in names
    assert any(n.startswith("storage/migrations/versions/0001_") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "antirelous = bots.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_dockerfile_copies_every_package_and_runs_as_non_root() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    for package in ("bots", "channels", "replies", "storage"):
        assert f"COPY {package} {package}" in dockerfile
    assert "USER antirelous" in dockerfile
    assert 'CMD ["antirelous", "serve"' in dockerfile
