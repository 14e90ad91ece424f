"""Korean bank codes (금융결제원 표준 은행코드) and the account-number lengths each bank issues.

The codes are the three-digit institution codes every Korean transfer file uses. The digit bounds
are deliberately a little wider than each bank's current formats (banks renumber and keep old
accounts valid): they catch a truncated or padded number, not a wrong one — the bank's result file
reports an account that does not exist. *(verify)* the bounds against the treasury bank's spec
before relying on them; they are data, changed here in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bank:
    """A bank a payee's account can be with, and how many digits its account numbers have."""

    code: str
    name_ko: str
    name_en: str
    min_digits: int = 10
    max_digits: int = 14


BANKS: dict[str, Bank] = {
    bank.code: bank
    for bank in (
        Bank("002", "KDB산업은행", "Korea Development Bank", 11, 14),
        Bank("003", "IBK기업은행", "Industrial Bank of Korea", 10, 14),
        Bank("004", "KB국민은행", "KB Kookmin Bank", 11, 14),
        Bank("007", "수협은행", "Suhyup Bank", 11, 14),
        Bank("011", "NH농협은행", "NongHyup Bank", 11, 14),
        Bank("012", "지역농·축협", "Local NongHyup cooperatives", 11, 14),
        Bank("020", "우리은행", "Woori Bank", 11, 14),
        Bank("023", "SC제일은행", "SC First Bank", 11, 14),
        Bank("027", "한국씨티은행", "Citibank Korea", 10, 13),
        Bank("031", "iM뱅크", "iM Bank (Daegu)", 11, 14),
        Bank("032", "부산은행", "Busan Bank", 11, 14),
        Bank("034", "광주은행", "Kwangju Bank", 11, 14),
        Bank("035", "제주은행", "Jeju Bank", 10, 14),
        Bank("037", "전북은행", "Jeonbuk Bank", 11, 14),
        Bank("039", "경남은행", "Kyongnam Bank", 11, 14),
        Bank("045", "새마을금고", "MG Community Credit Cooperatives", 11, 14),
        Bank("048", "신협", "Credit Union (Shinhyup)", 11, 14),
        Bank("050", "저축은행", "Savings banks", 10, 14),
        Bank("064", "산림조합", "National Forestry Cooperatives", 11, 14),
        Bank("071", "우체국", "Korea Post", 12, 14),
        Bank("081", "하나은행", "Hana Bank", 11, 14),
        Bank("088", "신한은행", "Shinhan Bank", 11, 14),
        Bank("089", "케이뱅크", "K Bank", 11, 13),
        Bank("090", "카카오뱅크", "KakaoBank", 13, 13),
        Bank("092", "토스뱅크", "Toss Bank", 12, 12),
    )
}

MAX_ACCOUNT_LENGTH = 20
"""Digits and hyphens as written, the column's width."""


def account_digits(account_number: str) -> str | None:
    """The account number's digits if it is written with digits and hyphens only, else ``None``."""
    if not account_number or len(account_number) > MAX_ACCOUNT_LENGTH:
        return None
    if account_number.startswith("-") or account_number.endswith("-") or "--" in account_number:
        return None
    digits = account_number.replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        return None
    return digits


def account_fits_bank(bank: Bank, digits: str) -> bool:
    """Whether a number of this many digits can be an account of ``bank``."""
    return bank.min_digits <= len(digits) <= bank.max_digits
