"""The arithmetic of depreciation and bond schedules, in whole won and free of the database.

Both are deterministic: the same inputs always give the same figures, and what is rounded away is
never lost. Straight-line depreciation charges, after ``m`` of ``n`` months, ``⌊depreciable × m / n⌋``
in all, so the months' charges differ by at most a won and add up exactly to the depreciable amount
in the last month. A bond's instalments are rounded to the won (half up) and the last one takes
whatever principal is left, so the principal repaid always adds up exactly to what was borrowed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from app.finance.assets.models import RepaymentMethod

RATE_SCALE = 1000
"""Rates are kept in thousandths of a percent (3.25 % is 3250)."""


def month_index(day: date) -> int:
    """Months since year 0, so that consecutive months differ by one."""
    return day.year * 12 + day.month - 1


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (1월 31일 + 1 → 2월 말일)."""
    index = month_index(day) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_in_service(acquired_on: date, through: date) -> int:
    """Months of depreciation due from the month of acquisition through the month of ``through``."""
    return max(0, month_index(through) - month_index(acquired_on) + 1)


def accumulated_straight_line(depreciable: int, life_months: int, months: int) -> int:
    """Straight-line depreciation charged in all after ``months`` of ``life_months``."""
    return depreciable * min(months, life_months) // life_months


@dataclass(frozen=True, slots=True)
class ScheduledInstalment:
    """One instalment of a repayment schedule."""

    number: int
    due_on: date
    principal: int
    interest: int
    outstanding_after: int


def _won(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def repayment_schedule(
    *,
    principal: int,
    rate_milli_percent: int,
    issued_on: date,
    term_years: int,
    grace_years: int,
    payments_per_year: int,
    method: RepaymentMethod,
) -> list[ScheduledInstalment]:
    """The instalments of a bond: interest every period, principal after the grace period.

    - equal principal (원금균등): the same principal each period after the grace period;
    - equal instalment (원리금균등): the same principal-plus-interest each period after the grace
      period (the annuity ``P·r / (1 − (1 + r)^−n)``), its interest part falling as the debt does;
    - bullet (만기일시상환): interest only, all the principal with the last instalment.

    Interest of a period is the outstanding principal × the yearly rate ÷ payments a year, rounded
    half up to the won. The last instalment repays whatever principal is left. A period in which
    nothing falls due (the grace period of an interest-free loan) is no instalment.
    """
    if principal <= 0 or term_years <= 0 or not 0 <= grace_years < term_years:
        raise ValueError("principal and term must be positive and the grace period shorter than the term")
    if payments_per_year not in (1, 2, 4, 12):
        raise ValueError("payments per year must be 1, 2, 4 or 12")
    periods = term_years * payments_per_year
    grace = 0 if method is RepaymentMethod.BULLET else grace_years * payments_per_year
    amortising = periods - grace
    months_apart = 12 // payments_per_year
    with localcontext() as context:
        context.prec = 40
        rate = Decimal(rate_milli_percent) / (100 * RATE_SCALE * payments_per_year)
        if method is RepaymentMethod.EQUAL_INSTALMENT and rate:
            annuity = _won(Decimal(principal) * rate / (1 - (1 + rate) ** -amortising))
        else:
            annuity = 0
        outstanding = principal
        schedule: list[ScheduledInstalment] = []
        for number in range(1, periods + 1):
            interest = _won(Decimal(outstanding) * rate)
            if number == periods:
                repay = outstanding
            elif number <= grace or method is RepaymentMethod.BULLET:
                repay = 0
            elif method is RepaymentMethod.EQUAL_INSTALMENT and annuity:
                repay = min(outstanding, max(0, annuity - interest))
            else:
                repay = principal // amortising
            outstanding -= repay
            if repay == 0 and interest == 0:
                continue  # an interest-free period with nothing due is not an instalment
            schedule.append(
                ScheduledInstalment(
                    number=len(schedule) + 1,
                    due_on=add_months(issued_on, number * months_apart),
                    principal=repay,
                    interest=interest,
                    outstanding_after=outstanding,
                )
            )
    return schedule
