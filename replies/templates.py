"""The consent reply, rendered from Jinja2 templates.

Templates get no inbound content at all (no body, no sender): the service can never be made
to repeat what it was sent. Their only variables are ``channel``, ``locale`` and ``info_url``.
Since nothing varies per message, each template is rendered once and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from replies.types import Channel

BUILTIN_DIR = Path(__file__).parent / "templates"
LOCALES = ("fr", "en")


@dataclass(frozen=True, slots=True)
class TemplateName:
    """``<locale>/<channel>.j2`` as a pair."""

    locale: str
    channel: str

    @property
    def path(self) -> str:
        return f"{self.locale}/{self.channel}.j2"


class ReplyTemplates:
    """Renders the reply for a locale and channel; overrides win over the built-in templates."""

    def __init__(self, override_dir: Path | None = None, info_url: str | None = None) -> None:
        loaders = [FileSystemLoader(override_dir)] if override_dir else []
        loaders.append(FileSystemLoader(BUILTIN_DIR))
        self._env = Environment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701  (plain text for SMS; HTML templates escape themselves)
            keep_trailing_newline=False,
        )
        self._override_dir = override_dir
        self._info_url = info_url
        self._cache: dict[tuple[str, str], str] = {}

    def render(self, locale: str, channel: Channel | str) -> str:
        """The reply text; raises ``jinja2.TemplateError`` for a broken or missing template."""
        name = TemplateName(locale, str(channel))
        key = (name.locale, name.channel)
        text = self._cache.get(key)
        if text is None:
            template = self._env.get_template(name.path)
            text = template.render(
                channel=name.channel, locale=name.locale, info_url=self._info_url
            ).strip()
            self._cache[key] = text
        return text

    def has(self, locale: str, channel: Channel | str) -> bool:
        """Whether a template exists for ``locale`` and ``channel`` (built-in or override)."""
        return TemplateName(locale, str(channel)) in set(self.names())

    def names(self) -> list[TemplateName]:
        """Every template there is, built-in or override, sorted."""
        found: set[TemplateName] = set()
        for root in (BUILTIN_DIR, self._override_dir):
            if root is None:
                continue
            for path in root.glob("*/*.j2"):
                found.add(TemplateName(path.parent.name, path.stem))
        return sorted(found, key=lambda n: (n.locale, n.channel))
