"""Bulk payments: a payee file checked line by line, refused whole, approved, exported and reconciled."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.bulk import files, services
from app.finance.bulk.models import BatchStatus, BulkBatch, BulkLine, LineStatus
from app.finance.models import BudgetLine, JournalEntry, JournalLine, LedgerAccount, ObjectGroup
from app.platform.audit import AuditEvent
from app.platform.auth.models import Role
from app.platform.auth.services import actor_for
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from tests.conftest import Accounts
from tests.finance.conftest import FinanceWorld, make_staff

Client = AsyncTestClient[Litestar]
Row = tuple[str, ...]
HEADER: Row = ("예금주", "은행코드", "계좌번호", "금액", "적요", "실명번호")


def payees(count: int, *, amount: int = 10_000) -> list[Row]:
    """``count`` distinct, valid payees (KB국민은행 accounts)."""
    return [
        (f"수급자{i}", "004", f"123-45-{i:07d}", str(amount), "기초연금 11월분", "")
        for i in range(1, count + 1)
    ]


def csv_file(rows: Sequence[Row], *, header: Row = HEADER, encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def result_for(
    batch: BulkBatch, transfers: Sequence[files.Transfer], failed: dict[int, str] | None = None
) -> bytes:
    """The result file a bank would send: every transfer paid except ``failed`` (sequence → code)."""
    failed = failed or {}
    return files.result_file(
        batch.reference,
        batch.government_code,
        datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        (
            files.TransferResult(
                t.sequence,
                t.bank_code,
                t.account_digits,
                t.amount,
                t.sequence not in failed,
                failed.get(t.sequence, ""),
            )
            for t in transfers
        ),
    )


async def table_counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for model in (BulkBatch, BulkLine, JournalEntry, JournalLine, AuditEvent):
        counts[model.__name__] = await session.scalar(select(func.count()).select_from(model)) or 0
    return counts


async def request(
    world: FinanceWorld, line: BudgetLine, content: bytes, title: str = "11월 기초연금"
) -> BulkBatch:
    return await services.request_batch(
        world.session, world.staff.maker, budget_line_id=line.id, title=title, content=content
    )


async def approved(world: FinanceWorld, line: BudgetLine, content: bytes) -> BulkBatch:
    batch = await request(world, line, content)
    return await services.decide_batch(world.session, world.staff.approver_actor, batch.id, approve=True)


def refused(excinfo: pytest.ExceptionInfo[files.FileRefusedError]) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in excinfo.value.problems]


class TestWhoMay:
    async def test_auditor_and_ministry_cannot_request(self, world: FinanceWorld, accounts: Accounts) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        for actor in (
            actor_for((await accounts.make(Role.AUDITOR, "11110")).user),
            actor_for((await accounts.make(Role.FINANCE_OFFICER, None)).user),
        ):
            with pytest.raises(ForbiddenError):
                await services.request_batch(
                    world.session, actor, budget_line_id=line.id, title="x", content=csv_file(payees(1))
                )

    async def test_another_government_sees_nothing(self, world: FinanceWorld, accounts: Accounts) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        batch = await request(world, line, csv_file(payees(3)))
        busan = await make_staff(accounts, "26000")
        with pytest.raises(NotFoundError):
            await services.get_batch(world.session, busan.officer_actor, batch.id)
        with pytest.raises(NotFoundError):
            await services.decide_batch(world.session, busan.approver_actor, batch.id, approve=True)
        with pytest.raises(NotFoundError):
            await services.request_batch(
                world.session, busan.maker, budget_line_id=line.id, title="x", content=csv_file(payees(1))
            )
        page, total = await services.list_batches(world.session, busan.officer_actor, limit=50, offset=0)
        assert (page, total) == ([], 0)

    async def test_the_requester_cannot_decide(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        batch = await request(world, line, csv_file(payees(2)))
        with pytest.raises(ForbiddenError):
            await services.decide_batch(world.session, world.staff.maker, batch.id, approve=True)


class TestPayeeFile:
    async def test_a_bad_line_refuses_the_whole_file_and_names_every_line(self, world: FinanceWorld) -> None:
        line = await world.line(budget=10_000_000, allocated=10_000_000)
        rows = payees(6)
        rows[1] = ("홍길동", "999", "123-45-0000002", "10000", "x", "")  # line 3: unknown bank
        rows[3] = ("김철수", "004", "12-AB-34", "0", "x", "")  # line 5: account and amount
        rows[4] = ("", "004", "123-45-0000005", "1.5", "x", "12345")  # line 6: name, amount, id number
        before = await table_counts(world.session)
        with pytest.raises(files.FileRefusedError) as excinfo:
            await request(world, line, csv_file(rows))
        assert refused(excinfo) == [
            (3, "bank_code_unknown"),
            (5, "account_format"),
            (5, "amount_not_positive"),
            (6, "payee_name_missing"),
            (6, "amount_invalid"),
            (6, "id_number_invalid"),
        ]
        assert excinfo.value.problems[0].message_ko == "알 수 없는 은행코드입니다."
        assert "line(s) 3, 5, 6" in str(excinfo.value)
        assert "3, 5, 6행" in excinfo.value.detail  # Korean unless the request asks otherwise
        assert await table_counts(world.session) == before
        await world.session.refresh(line)
        assert line.available_amount == 10_000_000

    async def test_duplicate_payee_is_reported_on_the_second_line(self, world: FinanceWorld) -> None:
        line = await world.line(budget=10_000_000, allocated=10_000_000)
        rows = payees(4)
        rows[3] = ("수급자1 (중복)", "004", "1234500000-01", "5000", "x", "")  # same digits as line 2
        with pytest.raises(files.FileRefusedError) as excinfo:
            await request(world, line, csv_file(rows))
        assert refused(excinfo) == [(5, "duplicate_payee")]
        assert excinfo.value.problems[0].detail == "= 2"

    async def test_over_budget_is_refused_and_nothing_is_reserved(self, world: FinanceWorld) -> None:
        line = await world.line(budget=100_000, allocated=50_000)
        before = await table_counts(world.session)
        with pytest.raises(files.FileRefusedError) as excinfo:
            await request(world, line, csv_file(payees(6)))  # 60,000 won
        assert refused(excinfo) == [(0, "over_budget")]
        assert await table_counts(world.session) == before
        assert line.available_amount == 50_000

    async def test_header_column_count_and_empty_files(self, world: FinanceWorld) -> None:
        line = await world.line(budget=100_000, allocated=100_000)
        with pytest.raises(files.FileRefusedError) as excinfo:
            await request(
                world, line, csv_file(payees(1), header=("이름", "은행", "계좌", "금액", "적요", "번호"))
            )
        assert refused(excinfo) == [(1, "header_invalid")]
        with pytest.raises(files.FileRefusedError) as excinfo:
            await request(world, line, csv_file([*payees(2), ("a", "004")]))
        assert refused(excinfo) == [(4, "column_count")]
        with pytest.raises(files.FileRefusedError) as excinfo:
            await request(world, line, csv_file([]))
        assert refused(excinfo) == [(0, "file_empty")]
        with pytest.raises(files.FileRefusedError) as excinfo:
            await request(world, line, b"\xff\xfe\x00\x81garbage")
        assert refused(excinfo) == [(0, "file_encoding")]

    async def test_cp949_and_english_headers_and_masked_id_numbers(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000, group=ObjectGroup.CURRENT_TRANSFERS)
        rows = [
            ("김영희", "088", "110-123-456789", "300000", "기초생활 생계급여", "900101-2345678"),
            ("(주)가나상사", "020", "1002-123-456789", "200000", "보조금", "124-81-00998"),
        ]
        batch = await request(world, line, csv_file(rows, encoding="cp949"))
        assert (batch.line_count, batch.total_amount, batch.status) == (2, 500_000, BatchStatus.REQUESTED)
        lines, _ = await services.list_lines(world.session, world.staff.maker, batch.id, limit=10, offset=0)
        assert [x.id_number_masked for x in lines] == ["900101-2******", "124-81-*****"]
        assert all("2345678" not in (x.id_number_masked or "") for x in lines)
        english = csv_file(
            payees(1), header=("payee_name", "bank_code", "account_number", "amount", "purpose", "id_number")
        )
        assert (await request(world, line, english)).line_count == 1

    async def test_too_many_lines_is_413(self, world: FinanceWorld, monkeypatch: pytest.MonkeyPatch) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        monkeypatch.setattr(files, "MAX_LINES", 5)
        with pytest.raises(files.TooLargeError) as excinfo:
            await request(world, line, csv_file(payees(6)))
        assert excinfo.value.status_code == 413
        monkeypatch.setattr(files, "MAX_UPLOAD_BYTES", 100)
        with pytest.raises(files.TooLargeError):
            await request(world, line, csv_file(payees(3)))
        with pytest.raises(InvalidInputError):
            await request(world, line, csv_file(payees(1)), title=" " * 3)

    async def test_requesting_reserves_the_total(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=500_000)
        batch = await request(world, line, csv_file(payees(5)))
        assert line.available_amount == 450_000
        rejected = await services.decide_batch(
            world.session, world.staff.approver_actor, batch.id, approve=False
        )
        assert rejected.status is BatchStatus.REJECTED
        assert line.available_amount == 500_000
        with pytest.raises(ConflictError):
            await services.decide_batch(world.session, world.staff.approver_actor, batch.id, approve=True)


class TestApprovalAndBankFile:
    async def test_approval_posts_one_entry_and_releases_the_bank_file(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000, group=ObjectGroup.PERSONNEL)
        batch = await request(world, line, csv_file(payees(3)))
        with pytest.raises(ConflictError):
            await services.batch_bank_file(world.session, world.staff.maker, batch.id)
        await services.decide_batch(world.session, world.staff.approver_actor, batch.id, approve=True)
        entries = (
            await world.session.scalars(select(JournalEntry).where(JournalEntry.source_id == batch.id))
        ).all()
        assert [e.source_type for e in entries] == ["bulk_batch"]
        postings = (
            await world.session.scalars(select(JournalLine).where(JournalLine.entry_id == entries[0].id))
        ).all()
        assert {(p.account, p.debit, p.credit) for p in postings} == {
            (LedgerAccount.PERSONNEL_EXPENSE, 30_000, 0),
            (LedgerAccount.PAYABLE, 0, 30_000),
        }
        download = await services.batch_bank_file(world.session, world.staff.maker, batch.id)
        records = download.content.decode().split("\r\n")
        assert records[0].startswith(f"H,LOFIN-TB,1,{batch.reference},11110,2026,201/")
        assert records[1] == "D,1,004,123450000001,수급자1,10000,기초연금 11월분,"
        assert records[-2] == "T,3,30000"
        assert download == await services.batch_bank_file(world.session, world.staff.maker, batch.id)


class TestBankResult:
    async def test_paid_and_failed_lines_are_reconciled(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000, group=ObjectGroup.CURRENT_TRANSFERS)
        batch = await approved(world, line, csv_file(payees(4)))
        transfers = await services.batch_transfers(world.session, batch)
        outcome = await services.import_result(
            world.session,
            world.staff.officer_actor,
            batch.id,
            result_for(batch, transfers, {2: "E01", 4: "E02"}),
        )
        assert outcome.recorded
        assert (
            batch.status,
            batch.paid_count,
            batch.paid_amount,
            batch.failed_count,
            batch.failed_amount,
        ) == (
            BatchStatus.SETTLED,
            2,
            20_000,
            2,
            20_000,
        )
        assert (line.paid_amount, line.available_amount) == (20_000, 980_000)
        failed, total = await services.list_lines(
            world.session, world.staff.maker, batch.id, status=LineStatus.FAILED, limit=10, offset=0
        )
        assert (total, [(x.sequence, x.failure_code) for x in failed]) == (2, [(2, "E01"), (4, "E02")])
        sides = await world.session.execute(
            select(JournalEntry.source_type, JournalLine.account, JournalLine.debit, JournalLine.credit)
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(JournalEntry.source_id == batch.id)
        )
        assert set(sides) == {
            ("bulk_batch", LedgerAccount.TRANSFER_EXPENSE, 40_000, 0),
            ("bulk_batch", LedgerAccount.PAYABLE, 0, 40_000),
            ("bulk_batch_paid", LedgerAccount.PAYABLE, 20_000, 0),
            ("bulk_batch_paid", LedgerAccount.CASH, 0, 20_000),
            ("bulk_batch_failed", LedgerAccount.PAYABLE, 20_000, 0),
            ("bulk_batch_failed", LedgerAccount.TRANSFER_EXPENSE, 0, 20_000),
        }
        repay = await services.repayment_file(world.session, world.staff.maker, batch.id)
        again = await request(world, line, repay.content, "재지급")
        assert (again.line_count, again.total_amount) == (2, 20_000)

    async def test_the_same_result_twice_records_once(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        batch = await approved(world, line, csv_file(payees(3)))
        content = result_for(batch, await services.batch_transfers(world.session, batch), {1: "E03"})
        await services.import_result(world.session, world.staff.officer_actor, batch.id, content)
        before = await table_counts(world.session)
        outcome = await services.import_result(world.session, world.staff.officer_actor, batch.id, content)
        assert not outcome.recorded
        assert await table_counts(world.session) == before
        assert line.paid_amount == 20_000
        different = result_for(batch, await services.batch_transfers(world.session, batch))
        with pytest.raises(ConflictError):
            await services.import_result(world.session, world.staff.officer_actor, batch.id, different)

    async def test_a_result_that_does_not_match_is_refused_whole(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        batch = await approved(world, line, csv_file(payees(3)))
        transfers = await services.batch_transfers(world.session, batch)
        changed = [
            transfers[0],
            files.Transfer(2, "004", "123450000002", "수급자2", 99_999, ""),
            transfers[2],
        ]
        unknown = [*transfers, files.Transfer(9, "004", "123450000009", "x", 10_000, "")]
        before = await table_counts(world.session)
        for content, expected in [
            (result_for(batch, changed), [(3, "line_mismatch")]),
            (result_for(batch, transfers[:2]), [(0, "missing_lines")]),
            (result_for(batch, unknown), [(5, "unknown_line")]),
            (
                result_for(batch, transfers).replace(b"T,3,30000,3,30000", b"T,3,30001,3,30000"),
                [(5, "trailer_mismatch")],
            ),
            (
                result_for(batch, transfers).replace(batch.reference.encode(), b"BP20260101-FFFFFFFF"),
                [(1, "reference_mismatch")],
            ),
            (b"H,LOFIN-TB,1,x\r\n", [(1, "header_invalid")]),
        ]:
            with pytest.raises(files.FileRefusedError) as excinfo:
                await services.import_result(world.session, world.staff.officer_actor, batch.id, content)
            assert refused(excinfo) == expected
        assert await table_counts(world.session) == before
        assert (batch.status, line.paid_amount) == (BatchStatus.APPROVED, 0)

    async def test_only_the_disbursing_officer_records_results(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        batch = await approved(world, line, csv_file(payees(1)))
        content = result_for(batch, await services.batch_transfers(world.session, batch))
        with pytest.raises(ForbiddenError):
            await services.import_result(world.session, world.staff.maker, batch.id, content)


class TestApi:
    async def test_upload_refusal_approval_download_and_result(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=10_000_000, allocated=10_000_000)
        staff = world.staff
        url = f"/api/finance/bulk/batches?budget_line_id={line.id}&title=11월 급여"
        rows = payees(5)
        rows[2] = ("박민수", "004", "123-45-0000003", "-500", "x", "")
        bad = await client.post(
            url, content=csv_file(rows), headers={**staff.official.headers, "content-type": "text/csv"}
        )
        assert bad.status_code == 422, bad.text
        body: dict[str, Any] = bad.json()
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert body["errors"] == [
            {
                "line": 4,
                "code": "amount_not_positive",
                "message": "금액은 0원보다 커야 합니다.",
                "message_en": "The amount must be more than 0 won.",
                "detail": "-500",
            }
        ]
        assert (await client.get("/api/finance/bulk/batches", headers=staff.official.headers)).json()[
            "total"
        ] == 0
        created = await client.post(url, content=csv_file(payees(5)), headers=staff.official.headers)
        assert created.status_code == 201, created.text
        batch_id = created.json()["id"]
        assert (
            await client.post(f"/api/finance/bulk/batches/{batch_id}/approve", headers=staff.official.headers)
        ).status_code == 403
        assert (
            await client.get(
                f"/api/finance/bulk/batches/{batch_id}/bank-file", headers=staff.official.headers
            )
        ).status_code == 409
        decided = await client.post(
            f"/api/finance/bulk/batches/{batch_id}/approve", headers=staff.approver.headers
        )
        assert decided.json()["status"] == "approved"
        bank_file = await client.get(
            f"/api/finance/bulk/batches/{batch_id}/bank-file", headers=staff.official.headers
        )
        assert bank_file.status_code == 200
        assert bank_file.headers["content-disposition"].endswith('.csv"')
        assert bank_file.text.endswith("T,5,50000\r\n")
        batch = await services.get_batch(world.session, world.staff.maker, uuid.UUID(batch_id))
        content = result_for(batch, await services.batch_transfers(world.session, batch), {5: "E99"})
        result_url = f"/api/finance/bulk/batches/{batch_id}/result"
        first = await client.post(result_url, content=content, headers=staff.officer.headers)
        assert (first.status_code, first.json()["recorded"], first.json()["batch"]["failed_count"]) == (
            201,
            True,
            1,
        )
        second = await client.post(result_url, content=content, headers=staff.officer.headers)
        assert (second.status_code, second.json()["recorded"]) == (200, False)
        page = await client.get(
            f"/api/finance/bulk/batches/{batch_id}/lines?status=failed", headers=staff.official.headers
        )
        assert [x["sequence"] for x in page.json()["items"]] == [5]
        listed = await client.get("/api/finance/bulk/batches?status=settled", headers=staff.official.headers)
        assert [b["id"] for b in listed.json()["items"]] == [batch_id]
        exposed = (await client.get("/metrics")).text
        assert "lofin_bulk_batch_lines_bucket" in exposed
        assert "lofin_bulk_lines_paid_total" in exposed
        assert 'lofin_bulk_lines_failed_total{reason="E99"}' in exposed
        banks = await client.get("/api/finance/bulk/banks", headers=staff.official.headers)
        assert {"code": "090", "name_ko": "카카오뱅크"}.items() <= banks.json()[-2].items()

    async def test_an_upload_over_the_limit_is_413_before_it_is_read(
        self, client: Client, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        response = await client.post(
            f"/api/finance/bulk/batches?budget_line_id={line.id}&title=big",
            content=b"x" * (files.MAX_UPLOAD_BYTES + 1),
            headers=world.staff.official.headers,
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_other_governments_and_anonymous(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        batch = await request(world, line, csv_file(payees(1)))
        busan = await make_staff(accounts, "26000")
        assert (
            await client.get(f"/api/finance/bulk/batches/{batch.id}", headers=busan.official.headers)
        ).status_code == 404
        assert (await client.get(f"/api/finance/bulk/batches/{batch.id}")).status_code == 401
