"""Service refusals are translatable: message ids with parameters, Korean in the catalog, Korean by default.

The static part reads every module under ``app/`` and checks each construction of a
:class:`~app.platform.errors.DomainError` subclass: its message is a plain string literal (so
``make messages`` extracts it and the catalog can translate it), the keyword parameters given are
exactly the message's ``{placeholders}``, and the Korean catalog translates it, keeping every
placeholder. The words service helpers place into messages (actions, kinds of record) are checked
the same way. The behavioural part shows the result where people read it: the API, a page form,
and the CLI.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from sqlalchemy.ext.asyncio import AsyncSession

import app
from app.cli import cli_locale
from app.finance import services
from app.platform.auth.models import Role
from app.platform.auth.services import actor_for
from app.platform.errors import ConflictError, DomainError, ForbiddenError, NotFoundError
from app.platform.i18n import LOCALE_DIR, Term, use_locale
from tests.conftest import Accounts
from tests.finance.test_pages import Client, _csrf, _sign_in

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "app"

NOT_PARAMETERS = {"extra", "retry_after"}
"""Keyword arguments of the constructors that are not message parameters."""

TERM_ARGUMENTS = {
    "_require_role": (2, "doing"),
    "_require_other_person": (2, "what"),
    "require_transition": (0, "what"),
    "get_for_actor": (4, "what"),
    "_get": (4, "what"),
    "_get_record": (4, "what"),
    "require_access": (1, "what"),
    "_require_past": (1, "what"),
}
"""Helpers that place words into a refusal: the position and name of the words (a message id)."""

INDIRECT_MESSAGES = {
    ("app/finance/bulk/files.py", "FileRefusedError"): (
        "its constructor takes the problems, not a message: it picks one of four whole sentences "
        "(payee or result file, with or without line numbers), each marked with N_"
    ),
}
"""Classes whose constructor builds the message itself, with the reason; their N_ messages are checked."""


@dataclass(frozen=True, slots=True)
class Construction:
    """One call that makes a refusal."""

    where: str
    message: str
    parameters: frozenset[str] | None  # None: given as **mapping


def _modules() -> Iterator[Path]:
    yield from sorted(APP_DIR.rglob("*.py"))


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@cache
def _domain_error_classes() -> dict[str, type[DomainError]]:
    """Every DomainError subclass in the application, found by importing every module."""
    for module in pkgutil.walk_packages(app.__path__, "app."):
        if not module.name.startswith("app.migrations"):
            importlib.import_module(module.name)
    found: dict[str, type[DomainError]] = {}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


def _takes_message(cls: type[DomainError]) -> bool:
    """Whether the constructor's first argument is the message id (else it builds the message)."""
    code = cls.__init__.__code__
    return code.co_argcount > 1 and code.co_varnames[1] == "message"


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _placeholders(message: str) -> Counter[tuple[str, str, str]]:
    """Each ``{name:spec!conversion}`` of a message, with how often it appears."""
    return Counter(
        (field, spec or "", conversion or "")
        for _text, field, spec, conversion in string.Formatter().parse(message)
        if field is not None
    )


def _names(message: str) -> frozenset[str]:
    return frozenset(re.split(r"[.\[]", field)[0] for field, _spec, _conv in _placeholders(message))


def _parameters(call: ast.Call) -> frozenset[str] | None:
    if any(k.arg is None for k in call.keywords):
        return None
    return frozenset(k.arg for k in call.keywords if k.arg and k.arg not in NOT_PARAMETERS)


def _enclosing_functions(tree: ast.AST) -> dict[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef]:
    owner: dict[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if inner is not node:
                    owner[inner] = node  # walked outside in: the innermost function wins
    return owner


def _passes_its_own_parameter(argument: ast.expr, function: ast.AST | None, names: set[str]) -> bool:
    """``argument`` hands on the enclosing helper's own parameter (whose callers are checked)."""
    if not isinstance(argument, ast.Name) or not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    parameters = {a.arg for a in function.args.args + function.args.kwonlyargs}
    return function.name in names and argument.id in parameters


@cache
def _scan() -> tuple[list[Construction], list[str], list[Construction]]:
    """Refusal messages, what is wrong with how they are written, and the words placed into them."""
    classes = _domain_error_classes()
    message_classes = {name for name, cls in classes.items() if _takes_message(cls)}
    constructions: list[Construction] = []
    terms: list[Construction] = []
    problems: list[str] = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        owner = _enclosing_functions(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and (_relative(path), node.name) in INDIRECT_MESSAGES:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and _called_name(inner) == "N_":
                        argument = inner.args[0]
                        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                        constructions.append(
                            Construction(f"{_relative(path)}:{inner.lineno}", argument.value, None)
                        )
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            where = f"{_relative(path)}:{node.lineno}"
            if name in message_classes:
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    constructions.append(Construction(where, first.value, _parameters(node)))
                elif not (
                    isinstance(first, ast.Name)
                    and first.id == "message"
                    and _passes_its_own_parameter(first, owner.get(node), {"__init__"})
                ):
                    problems.append(f"{where}: {name}(...) needs a string literal message id")
            elif name in TERM_ARGUMENTS:
                position, keyword = TERM_ARGUMENTS[name]
                given = [k.value for k in node.keywords if k.arg == keyword]
                argument = given[0] if given else (node.args[position] if len(node.args) > position else None)
                if argument is None:
                    continue  # the helper's default, a message id itself
                if isinstance(argument, ast.Call) and _called_name(argument) == "N_":
                    argument = argument.args[0]  # marked for extraction twice over: still a literal
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    terms.append(Construction(where, argument.value, frozenset()))
                elif not _passes_its_own_parameter(argument, owner.get(node), set(TERM_ARGUMENTS)):
                    problems.append(f"{where}: {name}(...) needs a string literal for {keyword!r}")
    return constructions, problems, terms


@cache
def _korean() -> Catalog:
    with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale="ko")


class TestEveryRefusalIsTranslatable:
    def test_the_scan_sees_the_refusals(self) -> None:
        constructions, _problems, terms = _scan()
        assert len(constructions) > 150, "the scan finds the service layer's refusals"
        assert len(terms) > 50
        classes = _domain_error_classes()
        assert {"NotFoundError", "ConflictError", "ForbiddenError", "InvalidInputError"} <= set(classes)
        assert {"TooLargeError", "FileRefusedError", "UnavailableError"} <= set(classes)

    def test_messages_are_literal_message_ids(self) -> None:
        _constructions, problems, _terms = _scan()
        assert problems == []

    def test_parameters_are_exactly_the_placeholders(self) -> None:
        constructions, _problems, _terms = _scan()
        wrong = [
            f"{c.where}: {c.message!r} gets {sorted(c.parameters)}"
            for c in constructions
            if c.parameters is not None and c.parameters != _names(c.message)
        ]
        assert wrong == []

    def test_korean_translates_every_message_and_term_keeping_the_placeholders(self) -> None:
        constructions, _problems, terms = _scan()
        catalog = _korean()
        missing: list[str] = []
        for construction in [*constructions, *terms]:
            entry = catalog.get(construction.message)
            if entry is None or not entry.string or entry.fuzzy:
                missing.append(f"{construction.where}: {construction.message!r}")
            elif _placeholders(str(entry.string)) != _placeholders(construction.message):
                missing.append(f"{construction.where}: {construction.message!r} → {entry.string!r}")
        assert missing == []

    def test_make_messages_extracts_every_refusal(self) -> None:
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        keywords = set(re.findall(r"-k (\S+)", makefile))
        classes = _domain_error_classes()
        assert {name for name, cls in classes.items() if _takes_message(cls)} <= keywords
        assert {f"{name}:{position + 1}" for name, (position, _kw) in TERM_ARGUMENTS.items()} <= keywords


class TestTheLanguageOfARefusal:
    def test_detail_follows_the_locale_and_str_stays_english(self) -> None:
        error = ConflictError("The fiscal year {year} is closed.", year=2026)
        assert str(error) == "The fiscal year 2026 is closed."
        with use_locale("ko"):
            assert error.detail == "2026 회계연도는 마감되었습니다."
            assert str(error) == "The fiscal year 2026 is closed."
        with use_locale("en"):
            assert error.detail == "The fiscal year 2026 is closed."

    async def test_roles_and_actions_are_words_of_the_reader(
        self, session: AsyncSession, accounts: Accounts
    ) -> None:
        official = actor_for((await accounts.make(Role.OFFICIAL, "11110")).user)
        with pytest.raises(ForbiddenError) as refused:
            await services.create_fiscal_year(session, official, year=2031)
        assert str(refused.value) == (
            "Your role (Official) may not open fiscal years; it needs one of: System administrator, Finance officer."
        )
        with use_locale("ko"):
            assert refused.value.detail == (
                "현재 역할(공무원)로는 회계연도 개시 업무를 할 수 없습니다. 필요한 역할: 시스템 관리자, 재무관."
            )
        with use_locale("en"):
            missing = NotFoundError("No such {what}.", what=Term("budget line"))
        with use_locale("ko"):  # translated when read, not when raised
            assert missing.detail == "해당 예산과목을(를) 찾을 수 없습니다."
        assert str(missing) == "No such budget line."

    def test_the_cli_speaks_korean_only_when_the_posix_locale_asks(self) -> None:
        assert cli_locale({}) == "en"
        assert cli_locale({"LANG": "C.UTF-8"}) == "en"
        assert cli_locale({"LANG": "ko_KR.UTF-8"}) == "ko"
        assert cli_locale({"LANG": "ko_KR.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}) == "en"
        assert cli_locale({"LANG": "en_US.UTF-8", "LC_ALL": "ko_KR.UTF-8"}) == "ko"
        assert cli_locale({"LC_ALL": "", "LANG": "ko_KR.UTF-8"}) == "ko"


class TestWherePeopleReadIt:
    async def test_api_refusal_is_korean_by_default_and_english_on_request(
        self, client: Client, session: AsyncSession, accounts: Accounts
    ) -> None:
        officer = await accounts.make(Role.FINANCE_OFFICER, "11110")
        await services.create_fiscal_year(session, actor_for(officer.user), year=2031)
        bearer = {"Authorization": f"Bearer {officer.token}"}

        korean = await client.post("/api/finance/fiscal-years", headers=bearer, json={"year": 2031})
        assert korean.status_code == 409
        assert korean.headers["content-type"].startswith("application/problem+json")
        assert korean.headers["content-language"] == "ko"
        assert korean.json()["detail"] == "2031 회계연도는 이미 열려 있습니다."

        english = await client.post(
            "/api/finance/fiscal-years", headers={**bearer, "Accept-Language": "en"}, json={"year": 2031}
        )
        assert english.status_code == 409
        assert english.headers["content-language"] == "en"
        assert english.json()["detail"] == "The fiscal year 2031 already exists."

        unknown = await client.get(f"/api/finance/budget-lines/{uuid.uuid4()}", headers=bearer)
        assert unknown.status_code == 404
        assert unknown.json()["detail"] == "해당 예산과목을(를) 찾을 수 없습니다."

    async def test_a_refused_page_form_shows_the_refusal_in_the_pages_language(
        self, client: Client, session: AsyncSession, accounts: Accounts
    ) -> None:
        officer = await accounts.make(Role.FINANCE_OFFICER, "11110")
        await services.create_fiscal_year(session, actor_for(officer.user), year=2031)
        await _sign_in(client, officer.user.username)

        for query, refusal, other in (
            ("", "2031 회계연도는 이미 열려 있습니다.", "The fiscal year 2031 already exists."),
            ("?lang=en", "The fiscal year 2031 already exists.", "2031 회계연도는 이미 열려 있습니다."),
        ):
            form = await client.get(f"/finance/years{query}")
            refused = await client.post(
                "/finance/years",
                data={"year": "2031", "_csrf_token": _csrf(form.text)},
                follow_redirects=False,
            )
            assert refused.status_code == 409
            assert refusal in refused.text
            assert other not in refused.text
