"""Domain errors and how every error reaches the client.

Services raise the :class:`DomainError` subclasses below; the handlers turn every exception into an
RFC 9457 ``application/problem+json`` body for the API, or a readable page for browsers, always with
the request id so a person on the phone can find the log line.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.platform.db import current_attempt
from app.platform.i18n import gettext, use_locale
from app.platform.requestid import REQUEST_ID_HEADER, current_request_id, incoming_request_id

logger = structlog.get_logger("lofin.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
API_PREFIXES = ("/api", "/health", "/metrics", "/schema")


class DomainError(Exception):
    """A business rule refused the request; the message is meant for the user.

    ``message`` is an English message id with ``{name}`` placeholders filled from ``params`` (never an
    f-string, so the catalog can translate it); :attr:`detail` is the message in the language of the
    request being handled (Korean by default), ``str(error)`` the English text for logs.
    """

    status_code: int = 400
    slug: str = "bad-request"

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None, **params: Any) -> None:
        with use_locale("en"):
            super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params
        self.extra = extra or {}

    @property
    def detail(self) -> str:
        """The message in the current request's language."""
        return gettext(self.message, **self.params)


class NotFoundError(DomainError):
    """The record does not exist, or the actor may not know that it does."""

    status_code = 404
    slug = "not-found"


class ConflictError(DomainError):
    """The record is in a state that does not allow this (e.g. an illegal status transition)."""

    status_code = 409
    slug = "conflict"


class ForbiddenError(DomainError):
    """The actor is known but not allowed to do this (e.g. approving their own request)."""

    status_code = 403
    slug = "forbidden"


class InvalidInputError(DomainError):
    """The input is well-formed but breaks a business rule."""

    status_code = 422
    slug = "invalid-input"


class UnavailableError(DomainError):
    """A dependency (the primary database) is unavailable; the client should retry later."""

    status_code = 503
    slug = "unavailable"

    def __init__(
        self, message: str, *, retry_after: int = 30, extra: dict[str, Any] | None = None, **params: Any
    ) -> None:
        super().__init__(message, extra=extra, **params)
        self.retry_after = retry_after


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """Browsers get pages; API clients, probes and scrapers get problem+json."""
    return not request.url.path.startswith(API_PREFIXES)


def _slug_for(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    except ValueError:
        return "error"


def _problem(
    request: Request[Any, Any, Any],
    status: int,
    slug: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    # Unrouted requests (404/405) never pass through the request-id middleware: take the id here.
    request_id = current_request_id() or incoming_request_id(request.scope)
    headers = {**(headers or {}), REQUEST_ID_HEADER: request_id}
    if wants_page(request):
        return Template(
            template_name="error.html",
            context={"status": status, "title": title, "detail": detail, "request_id": request_id},
            status_code=status,
            headers=headers,
        )
    body: dict[str, Any] = {
        "type": f"urn:lofin:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": request_id,
        **(extra or {}),
    }
    return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_response(
    request: Request[Any, Any, Any], status: int, detail: str, headers: dict[str, str] | None = None
) -> Response[Any]:
    """An error response returned (not raised) by a handler whose transaction must still commit."""
    return _problem(request, status, _slug_for(status), detail, None, headers)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """A refused business operation."""
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, UnavailableError) else None
    return _problem(request, exc.status_code, exc.slug, exc.detail, exc.extra, headers)


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Framework errors: validation, routing, body size, authentication."""
    if isinstance(exc, NotAuthorizedException) and wants_page(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?{urlencode({'next': target})}")
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        extra["errors"] = [
            {k: v for k, v in item.items() if k in {"key", "message", "source"}}
            for item in exc.extra
            if isinstance(item, dict)
        ]
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        logger.error("http_exception", status=exc.status_code, detail=exc.detail)
    return _problem(request, exc.status_code, _slug_for(exc.status_code), exc.detail, extra, exc.headers)


def handle_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug: log it with the traceback, tell the user only the request id."""
    logger.exception("unhandled_error", error_type=type(exc).__name__)
    return _problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal-error",
        "An unexpected error occurred. Please contact the service desk with the request id.",
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected_error,
}

__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_MEDIA_TYPE",
    "ConflictError",
    "DomainError",
    "ForbiddenError",
    "InvalidInputError",
    "MediaType",
    "NotFoundError",
    "UnavailableError",
]


def handle_integrity_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A uniqueness or reference rule held by the database: a conflict, not a crash."""
    logger.info("integrity_error", error=str(getattr(exc, "orig", exc))[:300])
    return _problem(
        request,
        409,
        "conflict",
        "The change conflicts with an existing record (it may have been made already).",
    )


def handle_database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """No writable primary: 503 with Retry-After (the failover middleware may re-run the request)."""
    from app.platform.failover import primary_unavailable

    if isinstance(exc, IntegrityError):
        return handle_integrity_error(request, exc)
    if not primary_unavailable(exc):
        return handle_unexpected_error(request, exc)
    attempt = current_attempt(request.scope)
    if attempt is not None:
        attempt.primary_failed = True
    logger.warning("primary_unavailable", error=type(getattr(exc, "orig", exc)).__name__)
    if attempt is not None and attempt.commit_started:
        detail = gettext(
            "The database became unavailable while your change was being saved; it may or may not "
            "have been saved. Please check before trying again."
        )
    else:
        detail = gettext("The database is switching over. Nothing was saved; please try again in a moment.")
    return _problem(request, 503, "database-unavailable", detail, None, {"Retry-After": "15"})


SQLALCHEMY_EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DBAPIError: handle_database_error,
    ConnectionError: handle_database_error,
}
