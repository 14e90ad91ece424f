"""Response bodies of the bulk payment API. Amounts are integer won."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from app.finance.bulk.models import BatchStatus, LineStatus


class BulkBatchOut(msgspec.Struct):
    """A bulk payment batch with its totals."""

    id: uuid.UUID
    government_code: str
    budget_line_id: uuid.UUID
    reference: str
    title: str
    status: BatchStatus
    line_count: int
    total_amount: int
    paid_count: int
    paid_amount: int
    failed_count: int
    failed_amount: int
    source_sha256: str
    result_sha256: str | None
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None
    created_at: datetime
    decided_at: datetime | None
    settled_at: datetime | None


class BulkBatchPage(msgspec.Struct):
    """One page of batches."""

    items: list[BulkBatchOut]
    total: int
    limit: int
    offset: int


class BulkLineOut(msgspec.Struct):
    """One payee of a batch (the id number only masked)."""

    sequence: int
    line_number: int
    payee_name: str
    bank_code: str
    account_number: str
    amount: int
    purpose: str
    id_number_masked: str | None
    status: LineStatus
    failure_code: str | None


class BulkLinePage(msgspec.Struct):
    """One page of a batch's lines."""

    items: list[BulkLineOut]
    total: int
    limit: int
    offset: int


class ReconciliationOut(msgspec.Struct):
    """The batch after its result file; ``recorded`` is false when that result was recorded before."""

    batch: BulkBatchOut
    recorded: bool


class BankOut(msgspec.Struct):
    """A bank code payee files may use."""

    code: str
    name_ko: str
    name_en: str
    min_digits: int
    max_digits: int
