"""E-post: the outbox with failed and waiting mail first, one message with its bodies (the HTML
sandboxed), the status filter, downloads, and retry for an administrator only."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.read.history import case_history
from models import HistoryEntry, Message
from notifications.delivery import deliver_due
from tests.builders.cases import apply_case
from tests.support.smtp_server import free_port
from tests.support.web import console, logged_in, post


def deliver(engine: Engine) -> None:
    asyncio.run(deliver_due(engine, get_settings(), date(2024, 4, 15)))


@pytest.fixture
def outbox(
    engine: Engine, programme_loaded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, int]:
    """One receipt sent (as a file), two failed (no SMTP server listening), one waiting: the id
    of each, by kommunenummer."""
    monkeypatch.delenv("KULTURSKOLE_SMTP_HOST", raising=False)
    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    apply_case(engine, "0301")
    deliver(engine)
    monkeypatch.setenv("KULTURSKOLE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KULTURSKOLE_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("KULTURSKOLE_SMTP_SECURITY", "none")
    monkeypatch.setenv("KULTURSKOLE_MAIL_MAX_ATTEMPTS", "1")
    apply_case(engine, "5001")
    apply_case(engine, "4601")
    deliver(engine)
    apply_case(engine, "1103")
    with unit_of_work(engine, readonly=True) as session:
        return {
            key.split("/")[2]: id_
            for id_, key in session.execute(select(Message.id, Message.idempotency_key))
        }


def statuses(engine: Engine) -> tuple[dict[int, tuple[str, int]], int]:
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(select(Message.id, Message.status, Message.attempts)).all()
        entries = session.scalar(select(func.count()).select_from(HistoryEntry))
    return {id_: (status, attempts) for id_, status, attempts in rows}, entries


def shown(page: str) -> list[int]:
    table = page.split('<table id="mail">', 1)[1].split("</table>", 1)[0]
    return list(dict.fromkeys(int(n) for n in re.findall(r'href="/mail/(\d+)"', table)))


def test_failed_and_waiting_mail_come_first_with_their_errors(
    engine: Engine, outbox: dict[str, int]
) -> None:
    page = logged_in(engine, "viewer").get("/mail")
    assert page.status_code == 200
    assert shown(page.text) == [outbox["5001"], outbox["4601"], outbox["1103"], outbox["0301"]]
    assert "cannot connect" in page.text  # the failed ones' error
    assert "kari.5001@kommune.example.no" in page.text  # the recipients
    assert "Feilet <span" in page.text and "Venter <span" in page.text
    assert ">neste forsøk</span>" in page.text and ">sendt</span>" in page.text


def test_the_status_filter(engine: Engine, outbox: dict[str, int]) -> None:
    client = logged_in(engine, "viewer")
    assert shown(client.get("/mail?status=failed").text) == [outbox["5001"], outbox["4601"]]
    assert shown(client.get("/mail?status=queued").text) == [outbox["1103"]]
    assert shown(client.get("/mail?status=sent").text) == [outbox["0301"]]
    refused = client.get("/mail?status=lost")
    assert refused.status_code == 400 and "ukjent status «lost»" in refused.text


def test_the_overview_links_to_waiting_and_failed_mail(
    engine: Engine, outbox: dict[str, int]
) -> None:
    overview = logged_in(engine, "viewer").get("/")
    assert 'href="/mail?status=queued"' in overview.text
    assert 'href="/mail?status=failed"' in overview.text


def test_the_outbox_is_paged(
    engine: Engine, outbox: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kulturskole.web.pages.mail.PER_PAGE", 3)
    client = logged_in(engine, "viewer")
    first, second = client.get("/mail"), client.get("/mail?page=2")
    assert shown(first.text) + shown(second.text) == [
        outbox[n] for n in ("5001", "4601", "1103", "0301")
    ]
    assert "Side 1 av 2" in first.text


def test_the_outbox_downloads_as_csv_and_excel(engine: Engine, outbox: dict[str, int]) -> None:
    client = logged_in(engine, "viewer")
    response = client.get("/mail?format=csv&status=failed")
    assert 'filename="e-post.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Id", "Status", "Til"]
    assert [int(r[0]) for r in rows[1:]] == [outbox["5001"], outbox["4601"]]
    assert all(r[1] == "Feilet" and "cannot connect" in r[7] for r in rows[1:])
    book = load_workbook(io.BytesIO(client.get("/mail?format=xlsx").content))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][0] == "Id" and len(values) == 5


def test_one_message_shows_its_text_and_frames_its_html_sandboxed(
    engine: Engine, outbox: dict[str, int]
) -> None:
    client = logged_in(engine, "viewer")
    number = outbox["5001"]
    page = client.get(f"/mail/{number}")
    assert page.status_code == 200
    assert "Sendingen feilet etter 1 forsøk" in page.text and "cannot connect" in page.text
    assert "Trondheim" in page.text  # the text body
    assert f'<iframe class="mail-body" sandbox src="/mail/{number}/html"' in page.text
    body = client.get(f"/mail/{number}/html")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/html")
    policy = body.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "script-src" not in policy and "frame-ancestors 'self'" in policy
    assert body.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<html" in body.text.lower()
    missing = client.get("/mail/9999")
    assert missing.status_code == 404 and "Det finnes ingen e-post med id 9999" in missing.text


def test_only_an_administrator_sees_the_retry_buttons(
    engine: Engine, outbox: dict[str, int]
) -> None:
    retry = f'action="/mail/{outbox["5001"]}/retry"'
    assert retry in logged_in(engine, "admin").get("/mail").text
    for role in ("viewer", "finance"):
        client = logged_in(engine, role)
        assert "/retry" not in client.get("/mail").text
        assert "/retry" not in client.get(f"/mail/{outbox['5001']}").text


def test_an_administrator_retries_a_failed_message_as_the_logged_in_person(
    engine: Engine, outbox: dict[str, int]
) -> None:
    client = logged_in(engine, "admin")
    number = outbox["5001"]
    response = post(client, f"/mail/{number}/retry", {"back": "/mail"}, page="/mail")
    assert response.status_code == 303 and response.headers["location"] == "/mail"
    assert f"E-post {number} er lagt i kø igjen" in client.get("/mail").text
    messages, _ = statuses(engine)
    assert messages[number][0] == "queued"
    with unit_of_work(engine, readonly=True) as session:
        last = case_history(session, "5001")[-1]
    assert last["action"] == "mail-retry" and last["actor"] == "admin@kulturskoleradet.no"
    assert last["details"] == {
        "message": number,
        "template": "application_received",
        "was": "failed",
    }


def test_retrying_a_sent_message_is_refused_in_norwegian(
    engine: Engine, outbox: dict[str, int]
) -> None:
    client = logged_in(engine, "admin")
    before = statuses(engine)
    response = post(client, f"/mail/{outbox['0301']}/retry", {"back": "/mail"}, page="/mail")
    assert response.status_code == 303
    assert "ble allerede sendt" in client.get("/mail").text
    assert post(client, "/mail/9999/retry", {"back": "/mail"}).status_code == 303
    assert "Det finnes ingen e-post med id 9999" in client.get("/mail").text
    assert statuses(engine) == before


@pytest.mark.parametrize("role", ["viewer", "finance"])
def test_a_post_from_a_role_below_admin_is_refused_and_changes_nothing(
    engine: Engine, outbox: dict[str, int], role: str
) -> None:
    before = statuses(engine)
    client = logged_in(engine, role)
    response = post(client, f"/mail/{outbox['5001']}/retry", page="/mail")
    assert response.status_code == 403
    assert statuses(engine) == before


def test_a_retry_without_csrf_token_is_refused_and_changes_nothing(
    engine: Engine, outbox: dict[str, int]
) -> None:
    before = statuses(engine)
    client = logged_in(engine, "admin")
    assert client.post(f"/mail/{outbox['5001']}/retry").status_code == 403
    assert client.post(f"/mail/{outbox['5001']}/retry", data={"csrf": "x"}).status_code == 403
    assert statuses(engine) == before


def test_the_pages_need_a_login(engine: Engine, outbox: dict[str, int]) -> None:
    client = console(engine)
    for url in ("/mail", f"/mail/{outbox['5001']}", f"/mail/{outbox['5001']}/html"):
        assert client.get(url).status_code == 303
    assert client.post(f"/mail/{outbox['5001']}/retry").status_code == 303
