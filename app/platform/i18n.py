"""Korean first, English available: locale negotiation and Babel message catalogs.

Messages are written in English in the code and templates (``_("...")``) and translated by the
catalog of the request's locale. The locale comes from ``?lang=`` (then remembered in a cookie), the
cookie, or ``Accept-Language``; Korean is the default. Catalogs are compiled from the ``.po`` files
when the process starts, so there is no build step and no stale ``.mo`` file.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.core import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
SUPPORTED_LOCALES = ("ko", "en")
DEFAULT_LOCALE = "ko"
LOCALE_COOKIE = "lofin_lang"
LOCALE_NAMES = {"ko": "한국어", "en": "English"}

_locale: ContextVar[str] = ContextVar("lofin_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def translations_for(locale: str) -> NullTranslations:
    """The compiled catalog of ``locale`` (English source strings need none)."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def current_locale() -> str:
    """The locale of the request being handled."""
    return _locale.get()


def gettext(message: str, **variables: Any) -> str:
    """``message`` translated into the current locale, with ``{name}`` placeholders filled in."""
    text = translations_for(current_locale()).gettext(message)
    return text.format(**variables) if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """Plural-aware translation."""
    text = translations_for(current_locale()).ngettext(singular, plural, n)
    return text.format(n=n, **variables)


_ = gettext


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


class Term:
    """Words placed into a translated message (a role, an action, a kind of record).

    The message's ``{placeholder}`` receives the words translated into the language the message is
    formatted in, so a refusal reads Korean end to end on a Korean page while the same error logs
    English. Several message ids are joined with a comma, for lists such as the roles that may act.
    """

    __slots__ = ("msgids",)

    def __init__(self, *msgids: str) -> None:
        self.msgids = msgids

    def __format__(self, spec: str) -> str:
        return format(", ".join(gettext(m) for m in self.msgids), spec)

    def __str__(self) -> str:
        return self.__format__("")

    def __repr__(self) -> str:
        return f"Term{self.msgids!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Term) and other.msgids == self.msgids

    def __hash__(self) -> int:
        return hash(self.msgids)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Format messages in ``locale`` for the duration (English log lines, a CLI's language)."""
    token = _locale.set(locale)
    try:
        yield
    finally:
        _locale.reset(token)


def _accept_language(header: str) -> list[str]:
    weighted: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _sep, params = part.strip().partition(";")
        if not tag:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.replace("-", "_")))
    return [tag for quality, tag in sorted(weighted, key=lambda w: -w[0]) if quality > 0]


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str) -> str:
    """Pick the locale: explicit choice, remembered choice, browser preference, then Korean."""
    for candidate in (query_lang, cookie_lang):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    preferred = _accept_language(accept_language)
    chosen = negotiate_locale(preferred, list(SUPPORTED_LOCALES), sep="_") if preferred else None
    return str(Locale.parse(chosen).language) if chosen else DEFAULT_LOCALE


class LocaleMiddleware(ASGIMiddleware):
    """Sets the request locale and remembers an explicit ``?lang=`` choice in a cookie."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, secure_cookies: bool = False) -> None:
        self.secure_cookies = secure_cookies

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        query_lang = connection.query_params.get("lang")
        locale = negotiate(
            query_lang, connection.cookies.get(LOCALE_COOKIE), connection.headers.get("accept-language", "")
        )
        token = _locale.set(locale)
        remember = query_lang in SUPPORTED_LOCALES and connection.cookies.get(LOCALE_COOKIE) != query_lang
        cookie = Cookie(
            key=LOCALE_COOKIE,
            value=locale,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers["content-language"] = locale
                if remember:
                    headers.add("set-cookie", cookie.to_header(header=""))
            await send(message)

        try:
            await next_app(scope, receive, send_with_cookie)
        finally:
            _locale.reset(token)
