"""e-Hojo+ pages for officials, approvers and the 지출원, under ``/finance``.

One router holds them: every page needs a role that reads finance records (the guard here), and
each change names the roles that may make it (its own guard); the service layer checks both again,
with the government, for every call.
"""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from app.finance import services
from app.finance.pages.budget import BudgetPages
from app.finance.pages.execution import ExecutionPages
from app.finance.pages.inbox import InboxPages
from app.finance.pages.ledger import LedgerPages
from app.platform.auth.guards import provide_actor, provide_current_user, require_roles

FinancePages = Router(
    path="/finance",
    route_handlers=[BudgetPages, ExecutionPages, LedgerPages, InboxPages],
    guards=[require_roles(*services.READER_ROLES)],
    dependencies={"current_user": Provide(provide_current_user), "actor": Provide(provide_actor)},
    include_in_schema=False,
)
"""Registered by ``app.main`` beside the API controllers."""
