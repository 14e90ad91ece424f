"""The bulk payment JSON API under ``/api/finance/bulk``: parse, call the service, shape the response.

Uploads (the payee file, the bank's result file) are the raw request body (``text/csv``), so
``curl --data-binary @file.csv`` works; their routes take a body up to the bulk limit rather than
the app's general one.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.finance.bulk import files, services
from app.finance.bulk.banks import BANKS
from app.finance.bulk.models import BatchStatus, BulkBatch, LineStatus
from app.finance.bulk.schemas import (
    BankOut,
    BulkBatchOut,
    BulkBatchPage,
    BulkLineOut,
    BulkLinePage,
    ReconciliationOut,
)
from app.finance.controllers import may_approve, may_disburse, may_make, may_read, shape
from app.platform.auth.guards import ActingActor, provide_actor
from app.platform.db import DbSession
from app.platform.paging import Limit, Offset

Title = Annotated[str, QueryParameter(min_length=1, max_length=200)]


def batch_out(batch: BulkBatch) -> BulkBatchOut:
    """The batch as the API shows it."""
    return shape(BulkBatchOut, batch)


def download(file: services.Download) -> Response[bytes]:
    """A file download (UTF-8 CSV)."""
    return Response(
        content=file.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


class BulkPaymentController(Controller):
    """일괄지급: payee file → batch → four-eyes approval → bank file → bank result."""

    path = "/api/finance/bulk"
    tags = ["finance: bulk payments"]  # noqa: RUF012 - Litestar reads these class attributes
    dependencies = {"actor": Provide(provide_actor)}  # noqa: RUF012

    @get("/banks", guards=[may_read], summary="Bank codes a payee file may use")
    async def banks(self) -> list[BankOut]:
        """금융결제원 bank codes with the account-number digits each takes."""
        return [shape(BankOut, bank) for bank in BANKS.values()]

    @post(
        "/batches",
        guards=[may_make],
        summary="Request a batch from a payee CSV (raw body)",
        request_max_body_size=files.MAX_UPLOAD_BYTES,
    )
    async def request_batch(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        actor: ActingActor,
        budget_line_id: Annotated[uuid.UUID, QueryParameter()],
        title: Title,
    ) -> Response[BulkBatchOut]:
        """UTF-8 (BOM or not) or CP949 CSV; any bad line refuses the whole file (422, every line listed)."""
        batch = await services.request_batch(
            db_session, actor, budget_line_id=budget_line_id, title=title, content=await request.body()
        )
        return Response(batch_out(batch), status_code=HTTP_201_CREATED)

    @get("/batches", guards=[may_read], summary="Batches of your government")
    async def list_batches(
        self,
        db_session: DbSession,
        actor: ActingActor,
        status: Annotated[BatchStatus | None, QueryParameter()] = None,
        budget_line_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> BulkBatchPage:
        """Newest first."""
        batches, total = await services.list_batches(
            db_session, actor, status=status, budget_line_id=budget_line_id, limit=limit, offset=offset
        )
        return BulkBatchPage(items=[batch_out(b) for b in batches], total=total, limit=limit, offset=offset)

    @get("/batches/{batch_id:uuid}", guards=[may_read], summary="One batch")
    async def get_batch(
        self, batch_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> BulkBatchOut:
        """404 for other governments' batches."""
        return batch_out(await services.get_batch(db_session, actor, batch_id))

    @get("/batches/{batch_id:uuid}/lines", guards=[may_read], summary="A page of a batch's lines")
    async def list_lines(
        self,
        batch_id: FromPath[uuid.UUID],
        db_session: DbSession,
        actor: ActingActor,
        status: Annotated[LineStatus | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> BulkLinePage:
        """In bank-file sequence order; ``status=failed`` lists what must be paid again."""
        lines, total = await services.list_lines(
            db_session, actor, batch_id, status=status, limit=limit, offset=offset
        )
        return BulkLinePage(
            items=[shape(BulkLineOut, x) for x in lines], total=total, limit=limit, offset=offset
        )

    @post(
        "/batches/{batch_id:uuid}/approve", guards=[may_approve], status_code=HTTP_200_OK, summary="Approve"
    )
    async def approve(
        self, batch_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> BulkBatchOut:
        """Four-eyes; posts the expense and the payable and releases the bank file."""
        return batch_out(await services.decide_batch(db_session, actor, batch_id, approve=True))

    @post("/batches/{batch_id:uuid}/reject", guards=[may_approve], status_code=HTTP_200_OK, summary="Reject")
    async def reject(
        self, batch_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> BulkBatchOut:
        """Four-eyes; the reserved total goes back to the budget line."""
        return batch_out(await services.decide_batch(db_session, actor, batch_id, approve=False))

    @get(
        "/batches/{batch_id:uuid}/bank-file",
        guards=[may_read],
        summary="The treasury bank file (LOFIN-TB v1)",
        media_type="text/csv",
    )
    async def bank_file(
        self, batch_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> Response[bytes]:
        """409 until the batch is approved."""
        return download(await services.batch_bank_file(db_session, actor, batch_id))

    @get(
        "/batches/{batch_id:uuid}/repayment-file",
        guards=[may_read],
        summary="Failed lines as a payee file to pay again",
        media_type="text/csv",
    )
    async def repayment_file(
        self, batch_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> Response[bytes]:
        """409 until the batch is settled."""
        return download(await services.repayment_file(db_session, actor, batch_id))

    @post(
        "/batches/{batch_id:uuid}/result",
        guards=[may_disburse],
        summary="Reconcile the bank's result file (LOFIN-TBR v1, raw body)",
        request_max_body_size=files.MAX_UPLOAD_BYTES,
    )
    async def import_result(
        self,
        batch_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: DbSession,
        actor: ActingActor,
    ) -> Response[ReconciliationOut]:
        """201 when recorded; 200 when the same result was recorded before; 422 if it does not match."""
        outcome = await services.import_result(db_session, actor, batch_id, await request.body())
        return Response(
            ReconciliationOut(batch=batch_out(outcome.batch), recorded=outcome.recorded),
            status_code=HTTP_201_CREATED if outcome.recorded else HTTP_200_OK,
        )
