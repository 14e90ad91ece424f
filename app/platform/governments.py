"""The 243 local governments (지방자치단체): reference data every tenant-owned row points at."""

from __future__ import annotations

import csv
import enum
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Enum, ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, TimestampMixin

REFERENCE_FILE = Path(__file__).parent / "data" / "local_governments.csv"


class GovernmentKind(enum.StrEnum):
    """Legal type of a local government (지방자치단체의 종류)."""

    SPECIAL_CITY = "특별시"
    METROPOLITAN_CITY = "광역시"
    SPECIAL_SELF_GOVERNING_CITY = "특별자치시"
    PROVINCE = "도"
    SPECIAL_SELF_GOVERNING_PROVINCE = "특별자치도"
    CITY = "시"
    COUNTY = "군"
    AUTONOMOUS_DISTRICT = "자치구"

    @property
    def is_upper_level(self) -> bool:
        """광역자치단체 (metropolitan/provincial) rather than 기초자치단체 (basic)."""
        return self not in BASIC_KINDS


BASIC_KINDS = frozenset({GovernmentKind.CITY, GovernmentKind.COUNTY, GovernmentKind.AUTONOMOUS_DISTRICT})


class LocalGovernment(TimestampMixin, Base):
    """One local government, keyed by its 5-digit administrative code (법정동코드 앞 5자리)."""

    __tablename__ = "local_governments"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    kind: Mapped[GovernmentKind] = mapped_column(
        Enum(GovernmentKind, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e])
    )
    parent_code: Mapped[str | None] = mapped_column(
        String(5), ForeignKey("local_governments.code"), index=True, default=None
    )


@dataclass(frozen=True, slots=True)
class GovernmentRecord:
    """One row of the reference file."""

    code: str
    name_ko: str
    name_en: str
    kind: GovernmentKind
    parent_code: str | None


def read_reference_file(path: Path = REFERENCE_FILE) -> list[GovernmentRecord]:
    """The reference rows, upper-level governments first so parents exist before children."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            GovernmentRecord(
                code=row["code"],
                name_ko=row["name_ko"],
                name_en=row["name_en"],
                kind=GovernmentKind(row["kind"]),
                parent_code=row["parent_code"] or None,
            )
            for row in csv.DictReader(handle)
        ]
    return sorted(rows, key=lambda r: (r.parent_code is not None, r.code))


async def load_reference_governments(session: AsyncSession) -> int:
    """Insert or update every government from the reference file; returns how many rows changed."""
    existing = {g.code: g for g in (await session.scalars(select(LocalGovernment))).all()}
    changed = 0
    for record in read_reference_file():
        current = existing.get(record.code)
        if current is None:
            session.add(
                LocalGovernment(
                    code=record.code,
                    name_ko=record.name_ko,
                    name_en=record.name_en,
                    kind=record.kind,
                    parent_code=record.parent_code,
                )
            )
            changed += 1
            continue
        fields = {
            "name_ko": record.name_ko,
            "name_en": record.name_en,
            "kind": record.kind,
            "parent_code": record.parent_code,
        }
        if any(getattr(current, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(current, key, value)
            changed += 1
    await session.flush()
    return changed


async def list_governments(session: AsyncSession) -> list[LocalGovernment]:
    """All governments, upper-level first, then by code."""
    rows = await session.scalars(select(LocalGovernment).order_by(LocalGovernment.code))
    return sorted(rows.all(), key=lambda g: (not g.kind.is_upper_level, g.code))


async def get_government(session: AsyncSession, code: str) -> LocalGovernment | None:
    """One government by code."""
    return await session.get(LocalGovernment, code)
