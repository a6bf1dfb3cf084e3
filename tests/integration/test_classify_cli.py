"""``antirelous classify``: label and evidence for each text, from arguments or stdin."""

from __future__ import annotations

import io

import pytest

from bots.cli import main


def test_classify_prints_label_evidence_and_text_for_each_argument(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(["classify", "bonjour connard", "je sais où tu habites", "on se voit demain ?"]) == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "insult\tconard\tbonjour connard",
        "threat\tje sais ou tu habites\tje sais où tu habites",
        "ok\t-\ton se voit demain ?",
    ]


def test_classify_reads_stdin_when_given_no_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("kys\n\n   \nj'habite à Condom\n"))
    assert main(["classify"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "threat\tkys\tkys",
        "ok\t-\tj'habite à Condom",
    ]
