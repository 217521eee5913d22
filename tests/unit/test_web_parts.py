"""The console's small parts on their own: roles, CSRF, the throttle, nb_NO filters, exports."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from kulturskole.web import formatting
from kulturskole.web.context import local_path, urlencode_merge
from kulturskole.web.export import table_response
from kulturskole.web.security import LoginThrottle, csrf_token, csrf_valid, may

NBSP = "\u00a0"


def test_roles_include_the_ones_below() -> None:
    assert may("admin", "finance") and may("admin", "viewer") and may("finance", "viewer")
    assert not may("finance", "admin") and not may("viewer", "finance")
    assert not may("nobody", "viewer")


def test_csrf_token_is_kept_per_session_and_compared_exactly() -> None:
    session: dict = {}
    token = csrf_token(session)
    assert csrf_token(session) == token and len(token) >= 32
    assert csrf_valid(session, token)
    assert not csrf_valid(session, token[:-1] + "x")
    assert not csrf_valid(session, None)
    assert not csrf_valid({}, token)


def test_throttle_allows_five_failures_then_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("kulturskole.web.security.time.monotonic", lambda: clock[0])
    throttle = LoginThrottle(limit=5, window=900)
    for _ in range(5):
        assert throttle.retry_after("ip:1", "email:a") == 0
        throttle.failed("ip:1", "email:a")
    assert 0 < throttle.retry_after("ip:1") <= 901
    assert throttle.retry_after("email:a") > 0
    assert throttle.retry_after("ip:2", "email:b") == 0
    clock[0] += 901
    assert throttle.retry_after("ip:1", "email:a") == 0


def test_success_clears_the_failures() -> None:
    throttle = LoginThrottle(limit=2, window=900)
    throttle.failed("email:a")
    throttle.succeeded("email:a")
    throttle.failed("email:a")
    assert throttle.retry_after("email:a") == 0


def test_dates_and_amounts_read_as_in_norway() -> None:
    assert formatting.dato("2024-09-24") == "24. september 2024"
    assert formatting.dato_kort(date(2024, 9, 24)) == "24.09.2024"
    assert formatting.tidspunkt("2024-09-24T07:00:00Z") == "24.09.2024 kl. 09.00"
    assert formatting.tidspunkt("2024-12-24T07:05:00+00:00") == "24.12.2024 kl. 08.05"
    assert formatting.kroner("6666.67") == f"6{NBSP}666,67{NBSP}kr"
    assert formatting.kroner(2000000) == f"20{NBSP}000,00{NBSP}kr"
    assert formatting.kroner("-6666.66") == f"-6{NBSP}666,66{NBSP}kr"
    assert formatting.tall(10000) == f"10{NBSP}000"
    assert formatting.dato(None) == formatting.kroner(None) == "–"


def test_a_redirect_target_stays_on_the_site() -> None:
    assert local_path("/cases?state=active") == "/cases?state=active"
    for outside in ("https://evil.example/", "//evil.example/", "evil", "javascript:alert(1)"):
        assert local_path(outside) == "/"


def test_query_strings_are_merged() -> None:
    assert urlencode_merge({"state": "active", "page": "2"}, page=3) == "state=active&page=3"
    assert urlencode_merge({"state": "active", "page": "2"}, page=None) == "state=active"


ROWS = [
    {"nr": "0301", "name": "Oslo", "amount": "6666.67", "paid": True},
    {"nr": "4601", "name": "Bergen; vest", "amount": "-6666.66", "paid": False},
]
COLUMNS = [("Kommunenr.", "nr"), ("Navn", "name"), ("Beløp", "amount"), ("Betalt", "paid")]


def test_csv_opens_in_a_norwegian_excel() -> None:
    response = table_response(ROWS, COLUMNS, "fakturaer", "csv")
    assert response.headers["content-disposition"] == 'attachment; filename="fakturaer.csv"'
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        ["Kommunenr.", "Navn", "Beløp", "Betalt"],
        ["0301", "Oslo", "6666.67", "ja"],
        ["4601", "Bergen; vest", "-6666.66", "nei"],
    ]


def test_excel_keeps_numbers_as_exact_numbers_and_codes_as_text() -> None:
    response = table_response(ROWS, COLUMNS, "fakturaer", "xlsx")
    sheet = load_workbook(io.BytesIO(response.body)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Kommunenr.", "Navn", "Beløp", "Betalt"]
    assert values[1][0] == "0301"  # a kommunenummer keeps its leading zero
    assert str(values[1][2]) == "6666.67" and str(values[2][2]) == "-6666.66"
