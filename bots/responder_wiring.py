"""The responder, built from the settings: templates checked, pricing and delay applied."""

from __future__ import annotations

import functools

from jinja2 import TemplateError

from bots.secret_key import resolve_secret_key
from bots.settings import ConfigurationError, Settings
from replies.abuse import Classifier, build_classifier
from replies.evidence import EvidenceSealer
from replies.pseudonyms import Pseudonymizer
from replies.responder import Responder
from replies.responder_config import ResponderConfig
from replies.sealing import RecipientBox
from replies.templates import ReplyTemplates
from replies.types import Channel
from replies.voice import VoiceMode
from storage.replies_repository import SqlReplyStore

MESSAGING_CHANNELS = (Channel.SMS, Channel.WHATSAPP)


@functools.cache
def packaged_classifier() -> Classifier:
    """The word-list classifier, built once per process: the lists are packaged, immutable
    data, and compiling them takes two or three seconds (every app a test builds would pay it).
    """
    return build_classifier()


def check_templates(templates: ReplyTemplates, locale: str, voice_mode: str) -> None:
    spoken = (Channel.VOICE,) if voice_mode == VoiceMode.SAY else ()
    for channel in (*MESSAGING_CHANNELS, *spoken):
        try:
            templates.render(locale, channel)
        except TemplateError as error:  # refuse to start rather than fail on the first message
            raise ConfigurationError(
                f"template {locale}/{channel}.j2 cannot be rendered ({error}); "
                "run `antirelous templates check`"
            ) from error


def build_responder(settings: Settings, store: SqlReplyStore) -> Responder:
    """The responder on ``store``, configured from ``settings``."""
    templates = ReplyTemplates(settings.templates_dir, settings.info_url)
    check_templates(templates, settings.locale, settings.voice_mode)
    config = ResponderConfig(
        locale=settings.locale,
        reply_window=settings.reply_window,
        reply_countries=settings.reply_calling_codes,
        daily_budget_micro=settings.daily_budget_micro,
        pricing=settings.pricing,
        reply_delay=settings.reply_delay_range,
        flood_limit=settings.flood_limit,
        voice_mode=VoiceMode(settings.voice_mode),
    )
    key = resolve_secret_key(settings)
    return Responder(
        store=store,
        templates=templates,
        classifier=packaged_classifier(),
        pseudonyms=Pseudonymizer(key),
        config=config,
        seal=RecipientBox(key).seal,
        evidence=EvidenceSealer(settings.evidence_public_key)
        if settings.evidence_public_key
        else None,
    )
