"""Every list in the console can be downloaded: CSV (semicolons and a BOM, as Excel in Norway
opens it) and Excel (openpyxl). Columns are named in Norwegian; values are the read side's
(ISO dates, amounts as decimal numbers), so that a spreadsheet can sort and sum them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kulturskole.errors import InvalidInput

Column = tuple[str, str | Callable[[Mapping[str, Any]], Any]]  # heading, key or function
FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wanted(request: Request) -> str | None:
    """The download asked for with ``?format=csv|xlsx``, or None for the page itself."""
    form = request.query_params.get("format")
    if form is None:
        return None
    if form not in FORMATS:
        raise InvalidInput(f"ukjent format «{form}»; bruk csv eller xlsx")
    return form


def _cell(row: Mapping[str, Any], column: Column) -> Any:
    source = column[1]
    value = source(row) if callable(source) else row.get(source)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nei"
    return value


def table_response(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[Column], name: str, form: str
) -> Response:
    """``rows`` as a file called ``name``.csv or ``name``.xlsx."""
    headings = [heading for heading, _ in columns]
    values = [[_cell(row, column) for column in columns] for row in rows]
    if form == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(headings)
        writer.writerows([["" if v is None else v for v in row] for row in values])
        body = ("\ufeff" + buffer.getvalue()).encode("utf-8")
        media = "text/csv; charset=utf-8"
    else:
        body = _xlsx(name, headings, values)
        media = XLSX
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{form}"'},
    )


def _xlsx(name: str, headings: list[str], values: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = name[:31]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in values:
        sheet.append([_excel_value(v) for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _excel_value(value: Any) -> Any:
    """Amounts ("6666.67") become numbers with two decimals; other text stays text."""
    if isinstance(value, str) and _looks_like_amount(value):
        return Decimal(value)
    return value


def _looks_like_amount(text: str) -> bool:
    body = text[1:] if text.startswith("-") else text
    whole, dot, cents = body.partition(".")
    return bool(dot) and whole.isdigit() and len(cents) == 2 and cents.isdigit()
