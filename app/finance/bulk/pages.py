"""Bulk payment pages: the batch list, the upload form with its line-numbered report, the batch detail.

A refused file comes back as the same form with a table of every bad line (line number, reason in
the reader's language, machine code), status 422; what only the service can judge (four-eyes, a
batch decided meanwhile) is shown on the error page like every other refused operation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from app.finance import services as finance
from app.finance.bulk import files, services
from app.finance.bulk.banks import BANKS
from app.finance.bulk.controllers import download
from app.finance.bulk.models import BatchStatus, LineStatus
from app.platform.auth.guards import (
    ActingActor,
    OptionalUser,
    provide_actor,
    provide_current_user,
    require_roles,
)
from app.platform.db import DbSession
from app.platform.paging import PAGE_SIZE, PageNumber, page_count, page_offset
from app.platform.web import N_, SERVICES

FINANCE = next(s for s in SERVICES if s.slug == "finance")

STATUS_NAMES = {
    BatchStatus.REQUESTED: N_("Requested"),
    BatchStatus.APPROVED: N_("Approved: bank file ready"),
    BatchStatus.REJECTED: N_("Rejected"),
    BatchStatus.SETTLED: N_("Settled"),
}
LINE_STATUS_NAMES = {
    LineStatus.PENDING: N_("Waiting for the bank"),
    LineStatus.PAID: N_("Paid by the bank"),
    LineStatus.FAILED: N_("Failed"),
}
UPLOAD_LIMIT = files.MAX_UPLOAD_BYTES + 64 * 1024
"""The file plus the form's other fields."""


@dataclass
class UploadForm:
    """The upload form: which line pays, a title, and the payee file."""

    budget_line_id: str = ""
    title: str = ""
    file: UploadFile | None = None


@dataclass
class ResultForm:
    """The bank's result file."""

    file: UploadFile | None = None


class DecisionForm(msgspec.Struct):
    """An approver's decision."""

    decision: Annotated[str, msgspec.Meta(pattern=r"^(approve|reject)$")]


Multipart = Body(media_type=RequestEncodingType.MULTI_PART)


class BulkPages(Controller):
    """일괄지급 pages of the official's government."""

    path = "/finance/bulk"
    include_in_schema = False
    guards = [require_roles(*finance.READER_ROLES)]  # noqa: RUF012 - Litestar reads this class attribute
    dependencies = {  # noqa: RUF012
        "current_user": Provide(provide_current_user),
        "actor": Provide(provide_actor),
    }

    @get("/")
    async def batches(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        status: Annotated[BatchStatus | None, QueryParameter()] = None,
        budget_line_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        page: PageNumber = 1,
    ) -> Template:
        """Batches, newest first, filtered by status and budget line."""
        batches, total = await services.list_batches(
            db_session,
            actor,
            status=status,
            budget_line_id=budget_line_id,
            limit=PAGE_SIZE,
            offset=page_offset(page),
        )
        lines, _ = await finance.list_budget_lines(db_session, actor, limit=200, offset=0)
        return Template(
            "finance/bulk/batches.html",
            context={
                "current_user": current_user,
                "service": FINANCE,
                "batches": batches,
                "total": total,
                "page": page,
                "pages": page_count(total),
                "status": status,
                "statuses": STATUS_NAMES,
                "lines": lines,
                "budget_line_id": budget_line_id,
                "may_request": actor.role in finance.MAKER_ROLES,
            },
        )

    async def _form(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        *,
        form: UploadForm | None = None,
        problems: list[files.LineProblem] | None = None,
        message: str | None = None,
        status_code: int = HTTP_200_OK,
    ) -> Template:
        lines, _ = await finance.list_budget_lines(db_session, actor, limit=200, offset=0)
        return Template(
            "finance/bulk/upload.html",
            context={
                "current_user": current_user,
                "service": FINANCE,
                "lines": lines,
                "form": form or UploadForm(),
                "problems": problems or [],
                "message": message,
                "banks": BANKS.values(),
                "max_lines": files.MAX_LINES,
            },
            status_code=status_code,
        )

    @get("/new", guards=[require_roles(*finance.MAKER_ROLES)])
    async def new(self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession) -> Template:
        """The upload form with the file layout and the bank codes."""
        return await self._form(current_user, actor, db_session)

    @post("/new", guards=[require_roles(*finance.MAKER_ROLES)], request_max_body_size=UPLOAD_LIMIT)
    async def upload(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        data: Annotated[UploadForm, Multipart],
    ) -> Template | Redirect:
        """A good file becomes a requested batch; a bad one comes back with every bad line listed."""
        title = data.title.strip()
        try:
            line_id = uuid.UUID(data.budget_line_id)
        except ValueError:
            line_id = None
        if line_id is None or not title or len(title) > 200 or data.file is None:
            return await self._form(
                current_user,
                actor,
                db_session,
                form=data,
                message=N_(
                    "Choose the budget line, give a title of at most 200 characters and attach the file."
                ),
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        try:
            batch = await services.request_batch(
                db_session, actor, budget_line_id=line_id, title=title, content=await data.file.read()
            )
        except files.FileRefusedError as refused:
            return await self._form(
                current_user,
                actor,
                db_session,
                form=data,
                problems=refused.problems,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(path=f"/finance/bulk/{batch.id}?done=request", status_code=303)

    async def _detail(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        batch_id: uuid.UUID,
        *,
        page: int = 1,
        line_status: LineStatus | None = None,
        done: str | None = None,
        problems: list[files.LineProblem] | None = None,
        status_code: int = HTTP_200_OK,
    ) -> Template:
        batch = await services.get_batch(db_session, actor, batch_id)
        lines, total = await services.list_lines(
            db_session, actor, batch_id, status=line_status, limit=PAGE_SIZE, offset=page_offset(page)
        )
        budget_line = await finance.get_budget_line(db_session, actor, batch.budget_line_id)
        context: dict[str, Any] = {
            "current_user": current_user,
            "service": FINANCE,
            "batch": batch,
            "budget_line": budget_line,
            "lines": lines,
            "total": total,
            "page": page,
            "pages": page_count(total),
            "line_status": line_status,
            "statuses": STATUS_NAMES,
            "line_statuses": LINE_STATUS_NAMES,
            "failure_codes": files.FAILURE_CODES,
            "done": done,
            "problems": problems or [],
            "may_decide": actor.role in finance.APPROVER_ROLES and actor.user_id != batch.requested_by,
            "may_record": actor.role in finance.DISBURSING_ROLES,
        }
        return Template("finance/bulk/detail.html", context=context, status_code=status_code)

    @get("/{batch_id:uuid}")
    async def detail(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        batch_id: FromPath[uuid.UUID],
        page: PageNumber = 1,
        line_status: Annotated[LineStatus | None, QueryParameter()] = None,
        done: Annotated[str | None, QueryParameter(pattern=r"^(request|approve|reject|result|same)$")] = None,
    ) -> Template:
        """The batch's totals, its actions, and its lines a page at a time."""
        return await self._detail(
            current_user, actor, db_session, batch_id, page=page, line_status=line_status, done=done
        )

    @post("/{batch_id:uuid}/decision", guards=[require_roles(*finance.APPROVER_ROLES)])
    async def decide(
        self,
        batch_id: FromPath[uuid.UUID],
        data: URLEncodedBody[DecisionForm],
        actor: ActingActor,
        db_session: DbSession,
    ) -> Redirect:
        """Approve or reject (four-eyes)."""
        await services.decide_batch(db_session, actor, batch_id, approve=data.decision == "approve")
        return Redirect(path=f"/finance/bulk/{batch_id}?done={data.decision}", status_code=303)

    @get("/{batch_id:uuid}/bank-file")
    async def bank_file(
        self, batch_id: FromPath[uuid.UUID], actor: ActingActor, db_session: DbSession
    ) -> Response[bytes]:
        """The treasury bank file."""
        return download(await services.batch_bank_file(db_session, actor, batch_id))

    @get("/{batch_id:uuid}/repayment-file")
    async def repayment_file(
        self, batch_id: FromPath[uuid.UUID], actor: ActingActor, db_session: DbSession
    ) -> Response[bytes]:
        """The failed lines as a payee file."""
        return download(await services.repayment_file(db_session, actor, batch_id))

    @post(
        "/{batch_id:uuid}/result",
        guards=[require_roles(*finance.DISBURSING_ROLES)],
        request_max_body_size=UPLOAD_LIMIT,
    )
    async def result(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        batch_id: FromPath[uuid.UUID],
        data: Annotated[ResultForm, Multipart],
    ) -> Template | Redirect:
        """Reconcile the bank's result; a file that does not match comes back with its problems."""
        content = await data.file.read() if data.file is not None else b""
        try:
            outcome = await services.import_result(db_session, actor, batch_id, content)
        except files.FileRefusedError as refused:
            return await self._detail(
                current_user,
                actor,
                db_session,
                batch_id,
                problems=refused.problems,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        done = "result" if outcome.recorded else "same"
        return Redirect(path=f"/finance/bulk/{batch_id}?done={done}", status_code=303)
