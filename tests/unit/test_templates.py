"""The reply templates: short, firm, true, and unable to echo what was sent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import TemplateSyntaxError, UndefinedError

from replies.segments import Encoding, count_segments
from replies.templates import LOCALES, ReplyTemplates
from replies.types import Channel

MESSAGING = (Channel.SMS, Channel.WHATSAPP)
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_sms_reply_fits_one_gsm7_segment(locale: str) -> None:
    count = count_segments(ReplyTemplates().render(locale, Channel.SMS))
    assert (count.encoding, count.segments) == (Encoding.GSM7, 1)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("channel", MESSAGING)
def test_replies_ask_no_question_and_carry_no_emoji_or_link(locale: str, channel: Channel) -> None:
    text = ReplyTemplates().render(locale, channel)
    assert "?" not in text
    assert not EMOJI.search(text)
    assert "http" not in text and "www" not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_replies_say_they_are_automatic_and_speak_of_consent(locale: str) -> None:
    words = {"fr": ("automatique", "consentement"), "en": ("automatic", "consent")}[locale]
    for channel in MESSAGING:
        text = ReplyTemplates().render(locale, channel).lower()
        assert all(word in text for word in words)


def test_the_info_url_is_the_one_link_whatsapp_carries() -> None:
    url = "https://antirelous.example/pourquoi"
    text = ReplyTemplates(info_url=url).render("fr", Channel.WHATSAPP)
    assert text.endswith(url)
    assert text.count("http") == 1


def test_an_override_wins_over_the_built_in_template(tmp_path: Path) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "sms.j2").write_text("Réponse automatique de {{ channel }}.\n")
    templates = ReplyTemplates(override_dir=tmp_path)
    assert templates.render("fr", Channel.SMS) == "Réponse automatique de sms."
    assert "automatique" in templates.render("fr", Channel.WHATSAPP)  # built-in still there


@pytest.mark.parametrize("variable", ["body", "sender", "from", "profile_name"])
def test_a_template_cannot_reach_the_inbound_message(tmp_path: Path, variable: str) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "sms.j2").write_text(f"You said: {{{{ {variable} }}}}")
    with pytest.raises(UndefinedError):
        ReplyTemplates(override_dir=tmp_path).render("en", Channel.SMS)


def test_a_broken_template_raises_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "sms.j2").write_text("{% if info_url %}unclosed")
    with pytest.raises(TemplateSyntaxError):
        ReplyTemplates(override_dir=tmp_path).render("en", Channel.SMS)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_telegram_reply_is_valid_telegram_html(locale: str) -> None:
    from html.parser import HTMLParser

    url = 'https://antirelous.example/?a=1&b="2"'
    text = ReplyTemplates(info_url=url).render(locale, Channel.TELEGRAM)
    opened: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            assert tag in {"b", "i", "a"}
            opened.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert opened.pop() == tag

    Tags().feed(text)
    assert opened == []
    assert "&amp;b=&#34;2&#34;" in text  # the link is escaped, never raw
    assert "?" not in text.replace(url, "").replace("?a=1", "")
