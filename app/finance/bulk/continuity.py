"""Continuity export and re-import: paying urgent items from the DR replica while lofin is down.

``lofin continuity export`` reads a (read-only) replica in one read-only, repeatable-read
transaction — it writes nothing, so a hot standby or a role with SELECT only is enough — and writes
the treasury bank files for what is approved but not yet paid: approved bulk batches and approved
payment orders, salaries (인건비) and welfare benefits (경상이전) only unless ``--all``. A manifest
(JSON) lists every item, the totals, where the data came from (LSN, replay time) and each file's
sha256, so the treasury bank and the auditors can check what was handed over.

``lofin continuity import`` runs after recovery against the primary: the bank's result files are
matched to the manifest, and what the bank paid is recorded through the normal services (journal,
audit, budget line), each item in its own savepoint. An item whose state changed since the export
(rejected, settled with another result, already paid) is reported and left as it is. Running the
import again records nothing twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.finance import services as finance
from app.finance.bulk import files, services
from app.finance.bulk.models import BatchStatus, BulkBatch
from app.finance.models import (
    BudgetLine,
    ExpenditureResolution,
    FiscalYear,
    ObjectGroup,
    PaymentOrder,
    PaymentOrderStatus,
)
from app.platform.errors import DomainError
from app.platform.tenancy import Actor

MANIFEST_FORMAT = "lofin-continuity-manifest"
MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"


# --- export --------------------------------------------------------------------------------------


def _urgent_first() -> Any:
    """Sort key: salaries and welfare benefits before everything else (with ``--all``)."""
    return case((BudgetLine.object_group.in_(services.URGENT_GROUPS), 0), else_=1)


async def read_only_snapshot(connection: AsyncConnection) -> dict[str, Any]:
    """Make the connection's transaction read-only and say where its data comes from.

    Opened with ``isolation_level="REPEATABLE READ"`` (as the export command does), every query of
    the export then reads the same snapshot.
    """
    if connection.dialect.name != "postgresql":
        await connection.execute(text("PRAGMA query_only = ON"))
        return {"database": "sqlite", "in_recovery": False, "lsn": None, "last_replay_at": None}
    await connection.execute(text("SET TRANSACTION READ ONLY"))
    row = (
        await connection.execute(
            text(
                "SELECT pg_is_in_recovery(), "
                "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text, "
                "pg_last_xact_replay_timestamp(), now()"
            )
        )
    ).one()
    return {
        "database": "postgresql",
        "in_recovery": bool(row[0]),
        "lsn": row[1],
        "last_replay_at": row[2].isoformat() if row[2] else None,
        "snapshot_at": row[3].isoformat(),
    }


@dataclass(slots=True)
class Export:
    """The manifest and the bank files it lists, to be written side by side."""

    manifest: dict[str, Any]
    contents: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, content: bytes, **about: Any) -> None:
        """A bank file and its manifest entry (size, sha256, what it holds)."""
        self.contents[name] = content
        self.manifest["files"].append(
            {"name": name, "bytes": len(content), "sha256": files.sha256(content), **about}
        )

    def write(self, out_dir: Path) -> Path:
        """Write the files and ``manifest.json`` into ``out_dir``; returns the manifest's path."""
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, content in self.contents.items():
            (out_dir / name).write_bytes(content)
        path = out_dir / MANIFEST_NAME
        path.write_text(json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


async def export_unpaid(
    session: AsyncSession,
    *,
    government_code: str,
    include_all: bool = False,
    source: dict[str, Any] | None = None,
) -> Export:
    """The bank files of approved, unpaid items and their manifest.

    Only reads: the caller's transaction may be (and on a replica is) read-only.
    """
    groups = None if include_all else services.URGENT_GROUPS
    exported_at = datetime.now(UTC)
    export = Export(
        {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "government_code": government_code,
            "exported_at": exported_at.isoformat(timespec="seconds"),
            "scope": "all" if include_all else "urgent",
            "object_groups": sorted(str(g) for g in groups) if groups is not None else "all",
            "source": source or {},
            "files": [],
        }
    )
    items: list[dict[str, Any]] = []

    batch_query = (
        select(BulkBatch, BudgetLine.object_group)
        .join(BudgetLine, BudgetLine.id == BulkBatch.budget_line_id)
        .where(BulkBatch.government_code == government_code, BulkBatch.status == BatchStatus.APPROVED)
        .order_by(_urgent_first(), BulkBatch.created_at)
    )
    if groups is not None:
        batch_query = batch_query.where(BudgetLine.object_group.in_(groups))
    for batch, group in (await session.execute(batch_query)).all():
        header = await services.bank_file_header(session, batch)
        content = files.bank_file(header, await services.batch_transfers(session, batch))
        name = f"{batch.reference}.csv"
        export.add(name, content, kind="bulk_batch", reference=batch.reference, records=batch.line_count)
        items.append(
            {
                "kind": "bulk_batch",
                "id": str(batch.id),
                "reference": batch.reference,
                "file": name,
                "title": batch.title,
                "object_group": str(group),
                "urgent": group in services.URGENT_GROUPS,
                "lines": batch.line_count,
                "amount": batch.total_amount,
                "status_at_export": str(batch.status),
            }
        )

    order_query = (
        select(PaymentOrder, ExpenditureResolution, BudgetLine.object_group, FiscalYear.year)
        .join(ExpenditureResolution, ExpenditureResolution.id == PaymentOrder.resolution_id)
        .join(BudgetLine, BudgetLine.id == ExpenditureResolution.budget_line_id)
        .join(FiscalYear, FiscalYear.id == BudgetLine.fiscal_year_id)
        .where(
            PaymentOrder.government_code == government_code,
            PaymentOrder.status == PaymentOrderStatus.APPROVED,
        )
        .order_by(FiscalYear.year, _urgent_first(), PaymentOrder.created_at)
    )
    if groups is not None:
        order_query = order_query.where(BudgetLine.object_group.in_(groups))
    by_year: dict[int, list[tuple[PaymentOrder, ExpenditureResolution, ObjectGroup]]] = {}
    for order, resolution, group, year in (await session.execute(order_query)).all():
        by_year.setdefault(year, []).append((order, resolution, group))
    for year, orders in by_year.items():
        reference = f"PO{exported_at:%Y%m%d%H%M%S}-{year}"
        name = f"{reference}.csv"
        transfers = [
            files.Transfer(
                sequence,
                "",
                "",
                resolution.payee_name[:100],
                order.amount,
                resolution.description[:100],
                str(order.id),
            )
            for sequence, (order, resolution, _) in enumerate(orders, start=1)
        ]
        header = files.BankFileHeader(reference, government_code, year, "payment-orders", exported_at)
        content = files.bank_file(header, transfers)
        export.add(name, content, kind="payment_orders", reference=reference, records=len(orders))
        items.extend(
            {
                "kind": "payment_order",
                "id": str(order.id),
                "reference": reference,
                "file": name,
                "sequence": sequence,
                "payee_name": resolution.payee_name,
                "object_group": str(group),
                "urgent": group in services.URGENT_GROUPS,
                "amount": order.amount,
                "status_at_export": str(order.status),
            }
            for sequence, (order, resolution, group) in enumerate(orders, start=1)
        )

    export.manifest["items"] = items
    export.manifest["totals"] = {
        "items": len(items),
        "amount": sum(i["amount"] for i in items),
        "bulk_batches": sum(1 for i in items if i["kind"] == "bulk_batch"),
        "payment_orders": sum(1 for i in items if i["kind"] == "payment_order"),
    }
    return export


def describe_source(database_url: str) -> str:
    """The replica's URL without its password, for the manifest."""
    return make_url(database_url).render_as_string(hide_password=True)


# --- import --------------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportReport:
    """What an import did with each item: recorded, already recorded, failed at the bank, or changed."""

    recorded: list[dict[str, Any]] = field(default_factory=list)
    already: list[dict[str, Any]] = field(default_factory=list)
    failed_at_bank: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    refused_files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """Something an operator must look at: a changed item or a refused file."""
        return bool(self.changed or self.refused_files)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "recorded": self.recorded,
            "already_recorded": self.already,
            "failed_at_bank": self.failed_at_bank,
            "changed_since_export": self.changed,
            "refused_files": self.refused_files,
            "needs_attention": self.needs_attention,
        }


def load_manifest(path: Path) -> dict[str, Any]:
    """The manifest, after checking its format and the sha256 of every file still beside it."""
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("version") != MANIFEST_VERSION:
        raise ValueError(f"{path} is not a lofin continuity manifest (version {MANIFEST_VERSION})")
    for entry in manifest["files"]:
        exported = path.parent / entry["name"]
        if exported.exists() and files.sha256(exported.read_bytes()) != entry["sha256"]:
            raise ValueError(f"{exported} was changed after the export (sha256 differs from the manifest)")
    return manifest


async def import_results(
    session: AsyncSession, actor: Actor, manifest: dict[str, Any], results: Sequence[bytes]
) -> ImportReport:
    """Record what the bank paid from the exported files; report, never overwrite, what changed."""
    report = ImportReport()
    by_reference = {entry["reference"]: entry for entry in manifest["files"]}
    for content in results:
        try:
            result = files.parse_result_file(content)
        except files.FileRefusedError as refused:
            report.refused_files.append({"reference": None, "reason": refused.detail})
            continue
        entry = by_reference.get(result.reference)
        if entry is None or result.government_code != manifest["government_code"]:
            report.refused_files.append({"reference": result.reference, "reason": "not in this manifest"})
            continue
        items = [i for i in manifest["items"] if i["reference"] == result.reference]
        if entry["kind"] == "bulk_batch":
            await _import_batch(session, actor, items[0], content, report)
        else:
            await _import_orders(session, actor, items, result, report)
    return report


async def _import_batch(
    session: AsyncSession, actor: Actor, item: dict[str, Any], content: bytes, report: ImportReport
) -> None:
    about = {"kind": "bulk_batch", "id": item["id"], "reference": item["reference"], "amount": item["amount"]}
    try:
        async with session.begin_nested():
            outcome = await services.import_result(session, actor, uuid.UUID(item["id"]), content)
    except files.FileRefusedError as refused:
        report.refused_files.append({"reference": item["reference"], "reason": refused.detail})
        return
    except DomainError as refusal:
        batch = await session.get(BulkBatch, uuid.UUID(item["id"]))
        report.changed.append(
            {**about, "now": str(batch.status) if batch else "missing", "reason": refusal.detail}
        )
        return
    batch = outcome.batch
    summary = {**about, "paid": batch.paid_amount, "failed": batch.failed_amount}
    (report.recorded if outcome.recorded else report.already).append(summary)
    if outcome.recorded and batch.failed_count:
        report.failed_at_bank.append(
            {**about, "failed_lines": batch.failed_count, "amount": batch.failed_amount}
        )


async def _import_orders(
    session: AsyncSession,
    actor: Actor,
    items: list[dict[str, Any]],
    result: files.ResultFile,
    report: ImportReport,
) -> None:
    by_sequence = {i["sequence"]: i for i in items}
    if sorted(r.sequence for r in result.results) != sorted(by_sequence) or any(
        by_sequence[r.sequence]["amount"] != r.amount for r in result.results
    ):
        report.refused_files.append(
            {"reference": result.reference, "reason": "records differ from the export"}
        )
        return
    for r in result.results:
        item = by_sequence[r.sequence]
        about = {
            "kind": "payment_order",
            "id": item["id"],
            "payee_name": item["payee_name"],
            "amount": r.amount,
        }
        if not r.paid:
            report.failed_at_bank.append({**about, "failure_code": r.failure_code})
            continue
        order = await session.get(PaymentOrder, uuid.UUID(item["id"]), populate_existing=True)
        if order is not None and order.status is PaymentOrderStatus.PAID:
            report.already.append({**about, "paid_at": order.paid_at.isoformat() if order.paid_at else None})
            continue
        try:
            async with session.begin_nested():
                await finance.record_payment(session, actor, uuid.UUID(item["id"]))
        except DomainError as refusal:
            now = await session.get(PaymentOrder, uuid.UUID(item["id"]), populate_existing=True)
            report.changed.append(
                {**about, "now": str(now.status) if now else "missing", "reason": refusal.detail}
            )
            continue
        report.recorded.append(about)
