"""Every list in the console can be downloaded: CSV (semicolons and a BOM, as Excel in Norway
opens it) and Excel (openpyxl). Columns are named in Norwegian; values are the read side's
(ISO dates, amounts as decimal numbers), so that a spreadsheet can sort and sum them. The files
themselves are written by ``kulturskole.spreadsheet`` (with its formula-injection guard)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kulturskole.errors import InvalidInput
from kulturskole.spreadsheet import csv_bytes, xlsx_bytes

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
        body = csv_bytes(headings, values)
        media = "text/csv; charset=utf-8"
    else:
        body = xlsx_bytes(name, headings, values)
        media = XLSX
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{form}"'},
    )
