"""``antirelous templates check``: every template renders, every SMS fits one segment, and
the spoken message of a call lasts well under the minute a call is billed by."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from replies.segments import count_segments
from replies.templates import ReplyTemplates
from replies.types import Channel
from replies.voice import MAX_SPOKEN_S, spoken_seconds

#: Texts Telegram caps: the bot's description and short description.
TEXT_LIMITS = {"telegram_description": 512, "telegram_short_description": 120}


@dataclass
class TemplateReport:
    """One line per template, and whether all passed."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True


def check_templates(override_dir: Path | None, info_url: str | None) -> TemplateReport:
    """Render every built-in and override template with the configured link."""
    templates = ReplyTemplates(override_dir, info_url)
    report = TemplateReport()
    for name in templates.names():
        try:
            text = templates.render(name.locale, name.channel)
        except TemplateError as error:
            report.ok = False
            report.lines.append(f"FAIL {name.path}: {type(error).__name__}: {error}")
            continue
        count = count_segments(text)
        size = (
            f"{count.units} {count.encoding} units, {count.segments} segment(s)"
            if name.channel == Channel.SMS
            else f"{len(text)} characters"
        )
        if name.channel == Channel.VOICE:
            seconds = spoken_seconds(text)
            size = f"about {seconds:.0f} s spoken"
            if seconds > MAX_SPOKEN_S:
                report.ok = False
                report.lines.append(f"FAIL {name.path}: {size}; keep it under {MAX_SPOKEN_S:.0f} s")
                continue
        limit = TEXT_LIMITS.get(name.channel)
        if limit is not None:
            size = f"{len(text)} characters of {limit}"
            if len(text) > limit:
                report.ok = False
                report.lines.append(f"FAIL {name.path}: {size}; Telegram refuses longer")
                continue
        if name.channel == Channel.SMS and count.segments > 1:
            report.ok = False
            report.lines.append(f"FAIL {name.path}: {size}; an SMS reply must fit one segment")
        else:
            report.lines.append(f"ok   {name.path}: {size}")
    if not report.lines:
        report.ok = False
        report.lines.append("FAIL no template found")
    return report
