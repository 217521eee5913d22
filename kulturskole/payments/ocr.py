"""Nets OCR giro ("innbetalingstjeneste", format code NY): 80-character records, ISO-8859-1.

Written by hand rather than with the PyPI package ``netsgiro``: the subset needed (service code
09, records 10/20/30/31/88/89) is small, and every refusal must name the file and the record's
line, which ``netsgiro``'s ``ValueError``s do not. Positions below are 1-based and inclusive, as
in Nets' system specification for OCR giro:

    all records   1-2 format code "NY", 3-4 service code, 5-6 transaction/assignment type,
                  7-8 record type
    10 start transmission  9-16 data transmitter, 17-23 transmission number, 24-31 recipient
    20 start assignment    9-17 agreement id, 18-24 assignment number, 25-35 assignment account
    30 amount item 1       9-15 transaction number, 16-21 settlement date DDMMYY,
                           22-23 centre id, 24-25 day code, 26 partial settlement number,
                           27-31 serial number, 32 sign ("-" for a reversal), 33-49 amount in
                           øre, 50-74 KID right-aligned with spaces before it
    31 amount item 2       9-15 transaction number, 16-25 form number, 26-34 archive reference,
                           42-47 the payer's bank's assignment date, 48-58 debited account
    88 end assignment      9-16 transactions, 17-24 records (20 and 88 included),
                           25-41 sum in øre, 42-47 settlement date
    89 end transmission    9-16 transactions, 17-24 records (10 and 89 included),
                           25-41 sum in øre, 42-47 settlement date
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kulturskole.errors import InvalidFile
from kulturskole.payments.lines import PaymentLine, check_unique

RECORD_LENGTH = 80


@dataclass
class _Assignment:
    number: str
    account: str
    transactions: int = 0
    records: int = 1  # its record 20
    total: int = 0


@dataclass
class _State:
    name: str
    transmission: str | None = None
    assignment: _Assignment | None = None
    pending: tuple[int, str] | None = None  # (line, record 30) waiting for its record 31
    transactions: int = 0
    records: int = 0
    total: int = 0
    ended: bool = False
    lines: list[PaymentLine] = field(default_factory=list)


def parse_ocr(data: bytes, name: str) -> list[PaymentLine]:
    """Every OCR giro payment of the file, or :class:`InvalidFile`; nothing partly."""
    text = data.decode("iso-8859-1")
    state = _State(name)
    numbered = [(n, r) for n, r in enumerate(text.splitlines(), start=1) if r.strip()]
    if not numbered:
        raise InvalidFile(f"{name}: the file holds no OCR records")
    for number, record in numbered:
        where = f"{name}:{number}"
        if state.ended:
            raise InvalidFile(f"{where}: record after the end of the transmission (89)")
        if len(record) != RECORD_LENGTH:
            raise InvalidFile(f"{where}: record of {len(record)} characters, not 80")
        if not record.startswith("NY"):
            raise InvalidFile(f"{where}: format code {record[0:2]!r}, not 'NY'")
        kind = record[6:8]
        if state.pending is not None and kind != "31":
            raise InvalidFile(f"{name}:{state.pending[0]}: record type 30 without a record 31")
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise InvalidFile(f"{where}: unknown record type {kind!r}")
        if state.transmission is None and kind != "10":
            raise InvalidFile(f"{where}: record type {kind} before the start of transmission (10)")
        state.records += 1
        if state.assignment is not None:
            state.assignment.records += 1
        handler(state, number, record)
    if not state.ended:
        raise InvalidFile(f"{name}:{numbered[-1][0]}: the transmission has no end record (89)")
    check_unique(state.lines)
    return state.lines


def _digits(record: str, start: int, end: int, where: str, what: str) -> str:
    """Positions ``start``..``end`` (1-based, inclusive), which must be digits."""
    value = record[start - 1 : end]
    if not value.isdigit():
        raise InvalidFile(f"{where}: {what} {value!r} (positions {start}-{end}) is not digits")
    return value


def _date(record: str, start: int, where: str, what: str) -> date:
    value = _digits(record, start, start + 5, where, what)
    try:
        return date(2000 + int(value[4:6]), int(value[2:4]), int(value[0:2]))
    except ValueError:
        raise InvalidFile(f"{where}: {what} {value!r} is not a date (DDMMYY)") from None


def _start_transmission(state: _State, number: int, record: str) -> None:
    where = f"{state.name}:{number}"
    if state.transmission is not None:
        raise InvalidFile(f"{where}: a second start of transmission (10)")
    if record[2:6] != "0000":
        raise InvalidFile(f"{where}: start of transmission with codes {record[2:6]!r}, not 0000")
    state.transmission = _digits(record, 17, 23, where, "transmission number")


def _start_assignment(state: _State, number: int, record: str) -> None:
    where = f"{state.name}:{number}"
    if state.assignment is not None:
        raise InvalidFile(f"{where}: start of assignment (20) inside assignment")
    if record[2:6] != "0900":
        raise InvalidFile(f"{where}: assignment {record[2:6]!r} is not OCR giro (0900)")
    state.assignment = _Assignment(
        number=_digits(record, 18, 24, where, "assignment number"),
        account=_digits(record, 25, 35, where, "assignment account"),
    )


def _amount_item_1(state: _State, number: int, record: str) -> None:
    where = f"{state.name}:{number}"
    if state.assignment is None:
        raise InvalidFile(f"{where}: transaction (30) outside an assignment (20)")
    _digits(record, 9, 15, where, "transaction number")
    _date(record, 16, where, "settlement date")
    _digits(record, 33, 49, where, "amount")
    kid = record[49:74].strip()
    if kid and not kid.isdigit():
        raise InvalidFile(f"{where}: KID {kid!r} (positions 50-74) is not digits")
    if record[31] not in "0-":
        raise InvalidFile(f"{where}: sign {record[31]!r} (position 32) is neither '0' nor '-'")
    if record[31] == "-":
        raise InvalidFile(f"{where}: a reversed (negative) transaction is not a payment")
    state.pending = (number, record)


def _amount_item_2(state: _State, number: int, record: str) -> None:
    where = f"{state.name}:{number}"
    if state.pending is None or state.assignment is None:
        raise InvalidFile(f"{where}: record type 31 without a record 30 before it")
    first_line, first = state.pending
    state.pending = None
    transaction = _digits(record, 9, 15, where, "transaction number")
    if transaction != first[8:15] or record[2:6] != first[2:6]:
        raise InvalidFile(f"{where}: record 31 of transaction {transaction} follows {first[8:15]}")
    account = _digits(record, 48, 58, where, "debited account")
    amount = int(first[32:49])
    assignment = state.assignment
    assignment.transactions += 1
    assignment.total += amount
    state.transactions += 1
    state.total += amount
    state.lines.append(
        PaymentLine(
            source=f"{state.name}:{first_line}",
            kid=first[49:74].strip(),
            amount_ore=amount,
            booked_on=_date(first, 16, f"{state.name}:{first_line}", "settlement date"),
            reference=f"ocr:{state.transmission}:{assignment.number}:{transaction}",
            payer_account=None if set(account) == {"0"} else account,
        )
    )


def _end_assignment(state: _State, number: int, record: str) -> None:
    where = f"{state.name}:{number}"
    assignment = state.assignment
    if assignment is None:
        raise InvalidFile(f"{where}: end of assignment (88) without a start (20)")
    _check_totals(record, where, "assignment", assignment.transactions, assignment.records)
    _check_sum(record, where, "assignment", assignment.total)
    state.assignment = None


def _end_transmission(state: _State, number: int, record: str) -> None:
    where = f"{state.name}:{number}"
    if state.assignment is not None:
        raise InvalidFile(f"{where}: end of transmission (89) inside an open assignment")
    _check_totals(record, where, "transmission", state.transactions, state.records)
    _check_sum(record, where, "transmission", state.total)
    state.ended = True


def _check_totals(record: str, where: str, what: str, transactions: int, records: int) -> None:
    stated = int(_digits(record, 9, 16, where, "number of transactions"))
    if stated != transactions:
        raise InvalidFile(f"{where}: {what} states {stated} transactions, holds {transactions}")
    stated = int(_digits(record, 17, 24, where, "number of records"))
    if stated != records:
        raise InvalidFile(f"{where}: {what} states {stated} records, holds {records}")


def _check_sum(record: str, where: str, what: str, total: int) -> None:
    stated = int(_digits(record, 25, 41, where, "sum"))
    if stated != total:
        raise InvalidFile(f"{where}: {what} states a sum of {stated} øre, the transactions {total}")


_HANDLERS = {
    "10": _start_transmission,
    "20": _start_assignment,
    "30": _amount_item_1,
    "31": _amount_item_2,
    "88": _end_assignment,
    "89": _end_transmission,
}
