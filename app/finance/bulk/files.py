"""The three files of a bulk payment: the officials' payee CSV, the treasury bank file and its result.

Everything here is pure (bytes in, values out), so the whole upload is checked in one pass before
the database is touched. A file with any bad line is refused as a whole: :class:`FileRefusedError`
carries every problem found, each with its line number, a machine code and a Korean and English
message. The bank file layout is documented in ``docs/bulk-payments.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.finance.bulk.banks import BANKS, account_digits, account_fits_bank
from app.finance.services import is_valid_business_registration_number
from app.platform.errors import DomainError, InvalidInputError
from app.platform.i18n import N_

BANK_FILE_FORMAT = "LOFIN-TB"
RESULT_FILE_FORMAT = "LOFIN-TBR"
FORMAT_VERSION = "1"

MAX_UPLOAD_BYTES = 32 * 1024 * 1024
"""An upload larger than this is refused with 413 before it is read (≈ 300,000 typical lines)."""
MAX_LINES = 150_000
"""More payees than this in one batch is refused (413): split the batch."""
MAX_AMOUNT = 10_000_000_000_000
"""Ten trillion won: more in one line is a typing error, and keeps sums far from BIGINT's range."""
MAX_NAME = 100
MAX_PURPOSE = 100

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "payee_name": ("payee_name", "예금주", "수취인", "성명"),
    "bank_code": ("bank_code", "은행코드"),
    "account_number": ("account_number", "계좌번호"),
    "amount": ("amount", "금액", "지급액"),
    "purpose": ("purpose", "적요", "지급사유"),
    "id_number": ("id_number", "실명번호", "주민등록번호", "사업자등록번호"),
}
"""Accepted header names per column (Korean spreadsheets use the Korean ones); ``id_number`` is optional."""
REQUIRED_COLUMNS = ("payee_name", "bank_code", "account_number", "amount", "purpose")

REASONS: dict[str, tuple[str, str]] = {
    "file_empty": ("파일에 지급 대상이 없습니다.", "The file has no payees."),
    "file_encoding": (
        "파일을 읽을 수 없습니다. UTF-8 또는 CP949(EUC-KR) CSV로 저장해 주십시오.",
        "The file cannot be read: save it as a UTF-8 or CP949 (EUC-KR) CSV file.",
    ),
    "file_not_csv": ("CSV 형식이 올바르지 않습니다.", "The file is not well-formed CSV."),
    "header_invalid": (
        "머리행이 올바르지 않습니다. 필요한 열: 예금주, 은행코드, 계좌번호, 금액, 적요 (선택: 실명번호).",
        "The header row is wrong; the columns are payee_name, bank_code, account_number, amount, "
        "purpose and optionally id_number.",
    ),
    "column_count": (
        "열의 개수가 머리행과 다릅니다.",
        "The line does not have as many columns as the header.",
    ),
    "payee_name_missing": ("예금주가 비어 있습니다.", "The payee name is empty."),
    "payee_name_too_long": ("예금주가 100자를 넘습니다.", "The payee name is longer than 100 characters."),
    "bank_code_unknown": ("알 수 없는 은행코드입니다.", "The bank code is not a known Korean bank code."),
    "account_format": (
        "계좌번호 형식이 올바르지 않습니다(숫자와 '-'만, 은행별 자릿수).",
        "The account number is malformed (digits and hyphens only, with the bank's number of digits).",
    ),
    "amount_invalid": ("금액은 원 단위 정수여야 합니다.", "The amount must be a whole number of won."),
    "amount_not_positive": ("금액은 0원보다 커야 합니다.", "The amount must be more than 0 won."),
    "amount_too_large": ("금액이 너무 큽니다.", "The amount is implausibly large."),
    "purpose_too_long": ("적요가 100자를 넘습니다.", "The purpose is longer than 100 characters."),
    "id_number_invalid": (
        "실명번호(주민등록번호 13자리 또는 사업자등록번호 10자리)가 올바르지 않습니다.",
        "The id number is neither a 13-digit resident number nor a valid business registration number.",
    ),
    "duplicate_payee": (
        "같은 은행·계좌가 이 파일에 이미 있습니다.",
        "The same bank account appears earlier in this file.",
    ),
    "over_budget": (
        "지급 총액이 예산과목의 집행가능액을 넘습니다.",
        "The batch total exceeds what the budget line has available.",
    ),
    "too_many_lines": ("한 번에 올릴 수 있는 지급 대상 수를 넘었습니다.", "The batch has too many payees."),
    "record_invalid": ("레코드 형식이 올바르지 않습니다.", "The record is malformed."),
    "reference_mismatch": ("다른 묶음의 결과 파일입니다.", "The result file belongs to another batch."),
    "unknown_line": ("이 묶음에 없는 순번입니다.", "The batch has no line with this sequence number."),
    "line_mismatch": (
        "은행·계좌·금액이 지급 파일과 다릅니다.",
        "Bank, account or amount differ from the bank file.",
    ),
    "duplicate_line": ("같은 순번이 두 번 있습니다.", "The same sequence number appears twice."),
    "missing_lines": ("결과가 없는 지급 대상이 있습니다.", "Some lines of the batch have no result."),
    "trailer_mismatch": (
        "끝 레코드의 건수·금액이 상세 레코드와 맞지 않습니다.",
        "The trailer's counts or totals do not match the detail records.",
    ),
}
"""Every reason a file is refused: machine code → (Korean, English)."""


@dataclass(frozen=True, slots=True)
class LineProblem:
    """One reason a file was refused; ``line`` 0 means the file as a whole."""

    line: int
    code: str
    detail: str = ""

    @property
    def message_ko(self) -> str:
        """What a Korean-speaking official reads."""
        return REASONS[self.code][0]

    @property
    def message_en(self) -> str:
        """The same in English."""
        return REASONS[self.code][1]

    def as_dict(self) -> dict[str, object]:
        """The problem in the API's error report."""
        return {
            "line": self.line,
            "code": self.code,
            "message": self.message_ko,
            "message_en": self.message_en,
            "detail": self.detail,
        }


class FileRefusedError(InvalidInputError):
    """A payee or result file refused as a whole (422); ``problems`` names every bad line."""

    def __init__(self, problems: Sequence[LineProblem], *, result_file: bool = False) -> None:
        self.problems = list(problems)
        lines = sorted({p.line for p in self.problems if p.line})
        params: dict[str, int | str] = {"count": len(self.problems)}
        if lines:
            params["lines"] = ", ".join(str(n) for n in lines[:20]) + (" …" if len(lines) > 20 else "")
        # Whole sentences, one per case, so each translates as a sentence.
        if result_file:
            message = (
                N_(
                    "The result file was refused as a whole: {count} problem(s) on line(s) {lines}; nothing was recorded."
                )
                if lines
                else N_("The result file was refused as a whole: {count} problem(s); nothing was recorded.")
            )
        else:
            message = (
                N_(
                    "The payee file was refused as a whole: {count} problem(s) on line(s) {lines}; nothing was recorded."
                )
                if lines
                else N_("The payee file was refused as a whole: {count} problem(s); nothing was recorded.")
            )
        super().__init__(
            message,
            extra={"error_count": len(self.problems), "errors": [p.as_dict() for p in self.problems]},
            **params,
        )


class TooLargeError(DomainError):
    """A batch over the size limit (413)."""

    status_code = 413


def decode(content: bytes) -> str:
    """The text of an upload: UTF-8 (with or without BOM), else CP949, the superset of EUC-KR."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp949")
    except UnicodeDecodeError:
        raise FileRefusedError([LineProblem(0, "file_encoding")]) from None


def sha256(content: bytes) -> str:
    """The file's fingerprint."""
    return hashlib.sha256(content).hexdigest()


# --- the officials' payee file ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payee:
    """One valid line of a payee file."""

    line_number: int
    payee_name: str
    bank_code: str
    account_number: str
    amount: int
    purpose: str
    id_number_masked: str | None


@dataclass(slots=True)
class PayeeFile:
    """A payee file that passed every line check."""

    payees: list[Payee] = field(default_factory=list)
    total: int = 0


def _header_columns(header: Sequence[str]) -> dict[str, int] | None:
    names = {alias: column for column, aliases in COLUMN_NAMES.items() for alias in aliases}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = names.get(cell.strip().lower().replace(" ", "_"))
        if column is None or column in positions:
            return None
        positions[column] = index
    if not all(column in positions for column in REQUIRED_COLUMNS):
        return None
    return positions


def _amount(cell: str) -> int | str:
    """The amount in won, or the reason it is not one."""
    text = cell.strip().replace(",", "")
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        return "amount_not_positive"
    if not text or not text.isascii() or not text.isdigit():
        return "amount_invalid"
    value = int(text)
    if value <= 0:
        return "amount_not_positive"
    if value > MAX_AMOUNT:
        return "amount_too_large"
    return value


def mask_id_number(cell: str) -> str | bool | None:
    """The masked id number, ``None`` if empty, ``False`` if it is not a valid one.

    A resident registration number keeps its birth date and the gender digit (900101-1******);
    a business registration number (not personal data, but shown the same way) its first five.
    """
    digits = cell.strip().replace("-", "")
    if not digits:
        return None
    if not digits.isascii() or not digits.isdigit():
        return False
    if len(digits) == 13:
        return f"{digits[:6]}-{digits[6]}******"
    if len(digits) == 10 and is_valid_business_registration_number(digits):
        return f"{digits[:3]}-{digits[3:5]}-*****"
    return False


def parse_payee_file(content: bytes) -> PayeeFile:
    """Check every line of a payee CSV in one pass; refuse the whole file if any line is bad."""
    text = decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[LineProblem] = []
    try:
        header = next(reader, None)
        positions = _header_columns(header) if header else None
        if positions is None:
            raise FileRefusedError([LineProblem(1, "header_invalid")])
        width = len(header or ())
        result = PayeeFile()
        seen: dict[tuple[str, str], int] = {}
        for row in reader:
            number = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # spreadsheets leave blank lines at the end
            if len(result.payees) + len(problems) >= MAX_LINES:
                raise TooLargeError(
                    "A batch takes at most {max_lines:,} payees; split the file.",
                    extra={"max_lines": MAX_LINES},
                    max_lines=MAX_LINES,
                )
            if len(row) != width:
                problems.append(LineProblem(number, "column_count", f"{len(row)} ≠ {width}"))
                continue
            payee = _check_row(number, row, positions, seen, problems)
            if payee is not None:
                result.payees.append(payee)
                result.total += payee.amount
    except csv.Error as error:
        raise FileRefusedError(
            [*problems, LineProblem(reader.line_num, "file_not_csv", str(error))]
        ) from None
    if problems:
        raise FileRefusedError(problems)
    if not result.payees:
        raise FileRefusedError([LineProblem(0, "file_empty")])
    return result


def _check_row(
    number: int,
    row: Sequence[str],
    positions: dict[str, int],
    seen: dict[tuple[str, str], int],
    problems: list[LineProblem],
) -> Payee | None:
    """The row's payee, or ``None`` after adding each of its problems to ``problems``."""
    found = len(problems)
    name = row[positions["payee_name"]].strip()
    if not name:
        problems.append(LineProblem(number, "payee_name_missing"))
    elif len(name) > MAX_NAME:
        problems.append(LineProblem(number, "payee_name_too_long"))
    bank_code = row[positions["bank_code"]].strip()
    bank = BANKS.get(bank_code)
    if bank is None:
        problems.append(LineProblem(number, "bank_code_unknown", bank_code[:10]))
    account = row[positions["account_number"]].strip()
    digits = account_digits(account)
    if digits is None or (bank is not None and not account_fits_bank(bank, digits)):
        problems.append(LineProblem(number, "account_format", account[:30]))
    elif bank is not None:
        first = seen.setdefault((bank_code, digits), number)
        if first != number:
            problems.append(LineProblem(number, "duplicate_payee", f"= {first}"))
    amount = _amount(row[positions["amount"]])
    if isinstance(amount, str):
        problems.append(LineProblem(number, amount, row[positions["amount"]][:20]))
    purpose = row[positions["purpose"]].strip()
    if len(purpose) > MAX_PURPOSE:
        problems.append(LineProblem(number, "purpose_too_long"))
    masked = mask_id_number(row[positions["id_number"]]) if "id_number" in positions else None
    if masked is False:
        problems.append(LineProblem(number, "id_number_invalid"))
    if len(problems) > found or isinstance(amount, str) or digits is None or masked is False:
        return None
    return Payee(
        number, name, bank_code, account, amount, purpose, masked if isinstance(masked, str) else None
    )


def payee_file(rows: Iterable[tuple[str, str, str, int, str]]) -> bytes:
    """A payee CSV (UTF-8 with BOM, so spreadsheets open it) of ``(name, bank, account, amount, purpose)``."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["예금주", "은행코드", "계좌번호", "금액", "적요"])
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- the treasury bank file ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BankFileHeader:
    """What the bank file's header record says about the batch."""

    reference: str
    government_code: str
    fiscal_year: int
    budget_item: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Transfer:
    """One detail record: a transfer the bank is ordered to make."""

    sequence: int
    bank_code: str
    account_digits: str
    payee_name: str
    amount: int
    purpose: str
    item_reference: str = ""


def bank_file_lines(header: BankFileHeader, transfers: Iterable[Transfer]) -> Iterator[str]:
    """The bank file, record by record (``H``, ``D``…, ``T``), each line ending in CRLF."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")

    def record(*cells: object) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(cells)
        return out.getvalue()

    yield record(
        "H",
        BANK_FILE_FORMAT,
        FORMAT_VERSION,
        header.reference,
        header.government_code,
        header.fiscal_year,
        header.budget_item,
        header.created_at.strftime("%Y%m%d%H%M%S"),
    )
    count = total = 0
    for t in transfers:
        count += 1
        total += t.amount
        yield record(
            "D",
            t.sequence,
            t.bank_code,
            t.account_digits,
            t.payee_name,
            t.amount,
            t.purpose,
            t.item_reference,
        )
    yield record("T", count, total)


def bank_file(header: BankFileHeader, transfers: Iterable[Transfer]) -> bytes:
    """The whole bank file as UTF-8 bytes."""
    return "".join(bank_file_lines(header, transfers)).encode("utf-8")


# --- the bank's result file ----------------------------------------------------------------------

FAILURE_CODES: dict[str, tuple[str, str]] = {
    "E01": ("계좌 없음", "No such account"),
    "E02": ("예금주 불일치", "Account holder differs"),
    "E03": ("해지·잠자는 계좌", "Closed or dormant account"),
    "E04": ("법적 지급제한(압류 등)", "Legally restricted (seizure)"),
    "E05": ("수취은행 장애", "Receiving bank unavailable"),
    "E99": ("기타 사유", "Other reason"),
}
"""The treasury bank's failure reasons as lofin shows them; other codes are shown as they come."""


@dataclass(frozen=True, slots=True)
class TransferResult:
    """One detail record of a result file: what became of one transfer."""

    sequence: int
    bank_code: str
    account_digits: str
    amount: int
    paid: bool
    failure_code: str


@dataclass(frozen=True, slots=True)
class ResultFile:
    """A result file whose records are well-formed and whose trailer matches its details."""

    reference: str
    government_code: str
    results: list[TransferResult]

    @property
    def digest(self) -> str:
        """A fingerprint of the outcome (not of the bytes): the same result twice has the same one."""
        lines = "".join(
            f"{r.sequence}:{'P' if r.paid else 'F'}:{r.failure_code}\n"
            for r in sorted(self.results, key=lambda r: r.sequence)
        )
        return hashlib.sha256(f"{self.reference}\n{lines}".encode()).hexdigest()


def _int(cell: str) -> int | None:
    cell = cell.strip()
    return int(cell) if cell.isascii() and cell.isdigit() else None


def parse_result_file(content: bytes) -> ResultFile:
    """Read a bank result file; refuse it whole if a record or the trailer is wrong."""
    rows = list(csv.reader(io.StringIO(decode(content), newline="")))
    problems: list[LineProblem] = []
    if not rows or rows[0][:3] != ["H", RESULT_FILE_FORMAT, FORMAT_VERSION] or len(rows[0]) < 5:
        raise FileRefusedError([LineProblem(1, "header_invalid")], result_file=True)
    reference, government_code = rows[0][3].strip(), rows[0][4].strip()
    trailer = rows[-1] if len(rows) > 1 and rows[-1][:1] == ["T"] else None
    if trailer is None:
        raise FileRefusedError([LineProblem(len(rows), "record_invalid", "no trailer")], result_file=True)
    results: list[TransferResult] = []
    for number, row in enumerate(rows[1:-1], start=2):
        result = _result_record(row)
        if result is None:
            problems.append(LineProblem(number, "record_invalid"))
        else:
            results.append(result)
    paid = [r for r in results if r.paid]
    failed = [r for r in results if not r.paid]
    expected = [
        len(results),
        sum(r.amount for r in results),
        len(paid),
        sum(r.amount for r in paid),
        len(failed),
        sum(r.amount for r in failed),
    ]
    if len(trailer) != 7 or [_int(c) for c in trailer[1:]] != expected:
        problems.append(LineProblem(len(rows), "trailer_mismatch"))
    if problems:
        raise FileRefusedError(problems, result_file=True)
    return ResultFile(reference, government_code, results)


def _result_record(row: Sequence[str]) -> TransferResult | None:
    if len(row) != 7 or row[0] != "D" or row[5] not in {"P", "F"}:
        return None
    sequence, amount = _int(row[1]), _int(row[4])
    code = row[6].strip()
    if sequence is None or amount is None or len(code) > 10 or (row[5] == "F") != bool(code):
        return None
    return TransferResult(sequence, row[2].strip(), row[3].strip(), amount, row[5] == "P", code)


def result_file(
    reference: str, government_code: str, processed_at: datetime, results: Iterable[TransferResult]
) -> bytes:
    """A result file as the treasury bank writes it (used by the demo, tests and the benchmark)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["H", RESULT_FILE_FORMAT, FORMAT_VERSION, reference, government_code, f"{processed_at:%Y%m%d%H%M%S}"]
    )
    counts = [0, 0, 0, 0, 0, 0]
    for r in results:
        writer.writerow(
            ["D", r.sequence, r.bank_code, r.account_digits, r.amount, "P" if r.paid else "F", r.failure_code]
        )
        counts[0] += 1
        counts[1] += r.amount
        side = 2 if r.paid else 4
        counts[side] += 1
        counts[side + 1] += r.amount
    writer.writerow(["T", *counts])
    return out.getvalue().encode("utf-8")
