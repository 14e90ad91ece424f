"""Continuity: bank files for urgent unpaid items from a read-only replica, and their reconciliation."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.finance import services as finance
from app.finance.bulk import continuity, files, services
from app.finance.bulk.models import BatchStatus
from app.finance.models import BudgetLine, ObjectGroup, PaymentOrder, PaymentOrderStatus
from app.platform.db import create_engine
from tests.conftest import Accounts, make_settings
from tests.finance.conftest import FinanceWorld, make_staff
from tests.finance.test_bulk import approved, csv_file, payees, result_for, table_counts
from tests.support.database import migrate_and_seed
from tests.support.postgres import PG_BIN, PostgresServer, _as_postgres, free_port
from tests.support.server import lofin_env, run_lofin


async def approved_order(world: FinanceWorld, line: BudgetLine, amount: int, payee: str) -> PaymentOrder:
    """An approved, unpaid payment order (지급명령 sent to the 금고) on ``line``."""
    resolution = await finance.request_expenditure_resolution(
        world.session,
        world.staff.maker,
        budget_line_id=line.id,
        amount=amount,
        payee_name=payee,
        description="11월 급여",
    )
    await finance.decide_expenditure_resolution(
        world.session, world.staff.approver_actor, resolution.id, approve=True
    )
    order, _ = await finance.create_payment_order(
        world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key=f"salary-{payee}"
    )
    return await finance.decide_payment_order(
        world.session, world.staff.approver_actor, order.id, approve=True
    )


def answer(bank_file: bytes, failed: frozenset[int] = frozenset()) -> bytes:
    """The treasury bank's result file for an exported bank file: every record paid except ``failed``."""
    rows = list(csv.reader(io.StringIO(bank_file.decode(), newline="")))
    header, details = rows[0], [r for r in rows if r[0] == "D"]
    results = [
        files.TransferResult(
            int(d[1]), d[2], d[3], int(d[5]), int(d[1]) not in failed, "E01" if int(d[1]) in failed else ""
        )
        for d in details
    ]
    return files.result_file(header[3], header[4], datetime.now(UTC), results)


async def scenario(world: FinanceWorld) -> dict[str, Any]:
    """Welfare and goods batches and a salary order, all approved and unpaid."""
    welfare = await world.line(budget=10_000_000, allocated=10_000_000, group=ObjectGroup.CURRENT_TRANSFERS)
    goods = await world.line(budget=10_000_000, allocated=10_000_000, group=ObjectGroup.GOODS)
    salaries = await world.line(budget=10_000_000, allocated=10_000_000, group=ObjectGroup.PERSONNEL)
    goods_batch = await approved(world, goods, csv_file(payees(2)))  # older, yet exported after welfare
    return {
        "welfare": await approved(world, welfare, csv_file(payees(4))),
        "goods": goods_batch,
        "order": await approved_order(world, salaries, 2_500_000, "김공무"),
        "lines": (welfare, goods, salaries),
    }


class TestExport:
    async def test_urgent_items_only_from_a_read_only_transaction(
        self, world: FinanceWorld, tmp_path: Path
    ) -> None:
        made = await scenario(world)
        connection = await world.session.connection()
        source = await continuity.read_only_snapshot(connection)
        try:
            export = await continuity.export_unpaid(world.session, government_code="11110", source=source)
            if connection.dialect.name == "postgresql":
                with pytest.raises(Exception, match="read-only transaction"):
                    async with world.session.begin_nested():
                        await world.session.execute(text("UPDATE fin_bulk_batches SET title = 'x'"))
        finally:
            if connection.dialect.name == "sqlite":
                await connection.execute(text("PRAGMA query_only = OFF"))
        manifest = export.manifest
        assert [(i["kind"], i["id"]) for i in manifest["items"]] == [
            ("bulk_batch", str(made["welfare"].id)),
            ("payment_order", str(made["order"].id)),
        ]
        assert manifest["totals"] == {"items": 2, "amount": 2_540_000, "bulk_batches": 1, "payment_orders": 1}
        path = export.write(tmp_path)
        written = json.loads(path.read_text())
        for entry in written["files"]:
            assert files.sha256((tmp_path / entry["name"]).read_bytes()) == entry["sha256"]
        order_file = (tmp_path / manifest["items"][1]["file"]).read_bytes().decode()
        assert f"D,1,,,김공무,2500000,11월 급여,{made['order'].id}" in order_file
        assert order_file.endswith("T,1,2500000\r\n")
        everything = await continuity.export_unpaid(world.session, government_code="11110", include_all=True)
        batches = [(i["id"], i["urgent"]) for i in everything.manifest["items"] if i["kind"] == "bulk_batch"]
        assert batches == [(str(made["welfare"].id), True), (str(made["goods"].id), False)]


class TestImport:
    async def test_paid_items_are_recorded_once_and_changes_are_reported(self, world: FinanceWorld) -> None:
        made = await scenario(world)
        export = await continuity.export_unpaid(world.session, government_code="11110")
        by_kind = {entry["kind"]: entry["name"] for entry in export.manifest["files"]}
        results = [
            answer(export.contents[by_kind["bulk_batch"]], failed=frozenset({3})),
            answer(export.contents[by_kind["payment_orders"]]),
        ]
        officer = world.staff.officer_actor
        report = await continuity.import_results(world.session, officer, export.manifest, results)
        assert (len(report.recorded), report.needs_attention) == (2, False)
        assert report.failed_at_bank[0]["failed_lines"] == 1
        welfare, _, salaries = made["lines"]
        assert (made["welfare"].status, welfare.paid_amount, salaries.paid_amount) == (
            BatchStatus.SETTLED,
            30_000,
            2_500_000,
        )
        assert made["order"].status is PaymentOrderStatus.PAID
        before = await table_counts(world.session)
        again = await continuity.import_results(world.session, officer, export.manifest, results)
        assert (len(again.recorded), len(again.already), again.needs_attention) == (0, 2, False)
        assert await table_counts(world.session) == before

    async def test_an_item_settled_differently_meanwhile_is_reported_not_overwritten(
        self, world: FinanceWorld
    ) -> None:
        made = await scenario(world)
        export = await continuity.export_unpaid(world.session, government_code="11110")
        batch = made["welfare"]
        in_system = result_for(batch, await services.batch_transfers(world.session, batch), {1: "E02"})
        await services.import_result(world.session, world.staff.officer_actor, batch.id, in_system)
        bank_file = export.contents[f"{batch.reference}.csv"]
        report = await continuity.import_results(
            world.session, world.staff.officer_actor, export.manifest, [answer(bank_file)]
        )
        assert report.needs_attention
        assert report.changed[0]["now"] == "settled"
        assert (batch.failed_count, batch.paid_amount) == (1, 30_000)
        stranger = answer(bank_file).replace(batch.reference.encode(), b"BP20990101-00000000")
        assert (
            await continuity.import_results(
                world.session, world.staff.officer_actor, export.manifest, [stranger]
            )
        ).refused_files


async def committed_welfare_batch(url: str) -> tuple[str, str]:
    """A migrated database with an approved 12-payee welfare batch of 종로구; the officer's username and the batch id."""
    engine = create_engine(url, make_settings(url))
    try:
        await migrate_and_seed(engine)
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            staff = await make_staff(Accounts(session), "11110")
            world = FinanceWorld(session, staff)
            line = await world.line(
                budget=10_000_000, allocated=10_000_000, group=ObjectGroup.CURRENT_TRANSFERS
            )
            batch = await approved(world, line, csv_file(payees(12)))
    finally:
        await engine.dispose()
    return staff.officer.user.username, str(batch.id)


@contextmanager
def hot_standby_of(primary: PostgresServer) -> Iterator[int]:
    """A physical replica of ``primary`` (pg_basebackup, streaming, hot standby); yields its port."""
    base = Path(tempfile.mkdtemp(prefix="lofin-standby-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    base.chmod(0o755)
    data, port = base / "data", free_port()
    (base / "socket").mkdir()
    if os.geteuid() == 0:
        shutil.chown(base / "socket", "postgres", "postgres")
    backup = [str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
    subprocess.run(
        _as_postgres([*backup, "-D", str(data), "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"]),
        check=True,
    )
    options = f"-p {port} -k {base / 'socket'} -c listen_addresses=127.0.0.1 -c hot_standby=on -c max_connections=200"
    control = [
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(base / "log"),
        "-o",
        options,
        "-w",
        "-t",
        "30",
    ]
    subprocess.run(_as_postgres([*control, "start"]), check=True, capture_output=True)
    try:
        yield port
    finally:
        subprocess.run(
            _as_postgres([*control[:3], "-m", "immediate", "-w", "stop"]), capture_output=True, check=False
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.postgres
def test_export_from_a_hot_standby_as_a_select_only_role_then_import_on_the_primary(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """The real commands: export from a physical replica as a role that may only SELECT, import on the primary."""
    url = postgres_server.create_database("lofin_continuity")
    env = lofin_env(url)
    officer, batch_id = asyncio.run(committed_welfare_batch(url))
    database = url.rsplit("/", 1)[1]
    statements = [
        "CREATE ROLE dr_reader LOGIN",
        f"GRANT CONNECT ON DATABASE {database} TO dr_reader",
        "GRANT USAGE ON SCHEMA public TO dr_reader",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO dr_reader",
        "ALTER ROLE dr_reader SET default_transaction_read_only = on",
    ]
    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[arg-type]
    out = tmp_path / "export"
    with hot_standby_of(postgres_server) as standby_port:
        replica_url = f"postgresql+psycopg://dr_reader@127.0.0.1:{standby_port}/{database}"
        exported = run_lofin(
            "continuity",
            "export",
            "--database-url",
            replica_url,
            "--government",
            "11110",
            "--out",
            str(out),
            env=env,
        )
    assert "exported" in exported.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    source = manifest["source"]
    assert source["in_recovery"] is True and source["lsn"]
    assert source["url"] == replica_url
    (batch,) = manifest["items"]
    assert (batch["id"], batch["lines"], batch["object_group"]) == (batch_id, 12, "current_transfers")
    result = tmp_path / "result.csv"
    result.write_bytes(answer((out / batch["file"]).read_bytes(), failed=frozenset({2})))
    command = ("continuity", "import", "--manifest", str(out / "manifest.json"), "--result", str(result))
    imported = json.loads(run_lofin(*command, "--as", officer, env=env).stdout)
    assert [i["id"] for i in imported["recorded"]] == [batch["id"]]
    assert imported["failed_at_bank"][0]["failed_lines"] == 1
