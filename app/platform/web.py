"""The web shell: Jinja2 templates with Babel translations, static assets, navigation, the six services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.connection import ASGIConnection
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from app.platform.auth.middleware import CurrentUser
from app.platform.auth.models import Role
from app.platform.i18n import LOCALE_NAMES, SUPPORTED_LOCALES, current_locale, gettext, ngettext
from app.platform.i18n import N_ as N_  # re-exported: pages mark their messages with it

APP_DIR = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = APP_DIR / "templates"
STATIC_DIR = APP_DIR / "static"

ALL_STAFF = frozenset(r for r in Role if r.is_staff)


ROLE_LABELS: dict[str, str] = {
    Role.RESIDENT: N_("Resident"),
    Role.BUSINESS: N_("Business"),
    Role.OFFICIAL: N_("Official"),
    Role.FINANCE_OFFICER: N_("Finance officer"),
    Role.APPROVER: N_("Approver"),
    Role.AUDITOR: N_("Auditor"),
    Role.POLICY_ANALYST: N_("Policy analyst"),
    Role.OPERATOR: N_("Control-center operator"),
    Role.ADMIN: N_("System administrator"),
}


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """One of lofin's six user-facing services, as the home page and navigation present it."""

    slug: str
    name: str
    tagline: str
    audience: str
    roles: frozenset[Role]
    public: bool = False

    @property
    def path(self) -> str:
        """Where the service lives."""
        return f"/{self.slug}/"


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo(
        "finance",
        N_("e-Hojo+"),
        N_(
            "Budget, execution, contracts, funds, treasury payments and the accrual ledger of each local government."
        ),
        N_("Finance officials and treasury banks"),
        frozenset({Role.OFFICIAL, Role.FINANCE_OFFICER, Role.APPROVER, Role.AUDITOR, Role.ADMIN}),
    ),
    ServiceInfo(
        "subsidy",
        N_("Botem-e"),
        N_(
            "Local subsidies from call to settlement, with duplicate-subsidy and fraud detection across all 243 governments."
        ),
        N_("Subsidy officials, subsidy businesses and investigators"),
        frozenset({Role.OFFICIAL, Role.BUSINESS, Role.AUDITOR, Role.APPROVER, Role.ADMIN}),
    ),
    ServiceInfo(
        "policy",
        N_("Policy Support e"),
        N_("Fiscal and socio-economic data since 2008, indicators and comparisons between governments."),
        N_("Policy analysts and the ministry"),
        frozenset({Role.POLICY_ANALYST, Role.OFFICIAL, Role.AUDITOR, Role.ADMIN}),
    ),
    ServiceInfo(
        "billing",
        N_("e-Hojo+ Bill"),
        N_("Paperless invoices from small businesses against their contracts, reviewed and paid on time."),
        N_("Small businesses and contract officials"),
        frozenset({Role.BUSINESS, Role.OFFICIAL, Role.FINANCE_OFFICER, Role.ADMIN}),
    ),
    ServiceInfo(
        "participation",
        N_("Resident e-participation"),
        N_("Participatory-budget proposals, e-voting, project progress and a help chatbot."),
        N_("Residents and participatory-budget officials"),
        frozenset({Role.RESIDENT, Role.OFFICIAL, Role.ADMIN}),
        public=True,
    ),
    ServiceInfo(
        "disclosure",
        N_("Local Finance 365"),
        N_("Public fiscal disclosure for every local government, with comparisons and open data."),
        N_("Everyone: residents, journalists and experts"),
        frozenset(Role),
        public=True,
    ),
)


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link in the main navigation."""

    label: str
    href: str


def navigation_for(user: CurrentUser | None) -> list[NavItem]:
    """The links a visitor sees: public services for everyone, the rest by role."""
    items = [NavItem(gettext("Home"), "/")]
    role = user.actor.role if user else None
    for service in SERVICES:
        if service.public or (role is not None and role in service.roles):
            items.append(NavItem(gettext(service.name), service.path))
    if role is Role.OPERATOR:
        items.append(NavItem(gettext("Control center"), "/ops/"))
    if role in (Role.ADMIN, Role.AUDITOR):
        items.append(NavItem(gettext("Administration"), "/admin/"))
    return items


def url_with(connection: ASGIConnection[Any, Any, Any, Any], name: str, value: str | int) -> str:
    """The current page with one query parameter set; every other parameter (filters too) is kept.

    Read from the raw query string, so the parameters keep the request's order (Litestar's parsed
    ``query_params`` do not keep the order between different keys).
    """
    query = parse_qsl(connection.url.query, keep_blank_values=True)
    params = [(k, v) for k, v in query if k != name]
    params.append((name, str(value)))
    return f"{connection.url.path}?{urlencode(params)}"


def url_with_lang(connection: ASGIConnection[Any, Any, Any, Any], lang: str) -> str:
    """The current page in another language."""
    return url_with(connection, "lang", lang)


def page_link(connection: ASGIConnection[Any, Any, Any, Any], page: int) -> str:
    """Page ``page`` of the current list, keeping its filters."""
    return url_with(connection, "page", page)


def build_environment() -> Environment:
    """The Jinja2 environment with i18n callables bound to the request's locale."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        current_locale=current_locale,
        locale_names=LOCALE_NAMES,
        supported_locales=SUPPORTED_LOCALES,
        navigation_for=navigation_for,
        url_with_lang=url_with_lang,
        page_link=page_link,
        services=SERVICES,
        role_labels=ROLE_LABELS,
    )
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Litestar's template configuration around :func:`build_environment`."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment()))
