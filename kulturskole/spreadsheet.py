"""Tables as files: CSV with semicolons and a UTF-8 BOM (as Excel in Norway opens it) and Excel
(openpyxl). Shared by the web console's downloads and ``kulturskole invoices export``.

Both guard against formula injection: a text cell that begins with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return) and is not a number would be run as a formula by a spreadsheet;
in CSV it is prefixed with an apostrophe, in Excel it is stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_amount(text: str) -> bool:
    """ "6666.67", "-6666.67": a decimal amount with two decimals."""
    body = text[1:] if text.startswith("-") else text
    whole, dot, cents = body.partition(".")
    return bool(dot) and whole.isdigit() and len(cents) == 2 and cents.isdigit()


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.strip() == text and text.lstrip("+-").replace(".", "", 1).isdigit()


def dangerous(value: Any) -> bool:
    """Text that a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value)


def csv_bytes(headings: Sequence[str], values: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in headings])
    writer.writerows([[_csv_cell(v) for v in row] for row in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if dangerous(value):
        return "'" + value
    return value


def xlsx_bytes(title: str, headings: Sequence[str], values: Sequence[Sequence[Any]]) -> bytes:
    """One sheet called ``title``: bold headings, frozen; amounts ("6666.67") as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in values:
        sheet.append([_excel_value(v) for v in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=False):
            if dangerous(value):
                cell.value, cell.data_type = value, "s"  # text, never a formula
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _excel_value(value: Any) -> Any:
    if isinstance(value, str) and looks_like_amount(value):
        return Decimal(value)
    return value
