"""The HTTP adapter against a real access point's REST API on 127.0.0.1 (http.server in a
thread): what the server receives, delivered and accepted, rejections with their reasons, and
every failure as DeliveryUnavailable (never a silent success), with the token in none of them."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from pydantic import SecretStr

from kulturskole.invoicing.delivery import (
    CHANNEL,
    CREDIT_NOTE_DOCUMENT_TYPE,
    INVOICE_DOCUMENT_TYPE,
    PROCESS_ID,
    DeliveryUnavailable,
    HttpAccessPoint,
)
from tests.support.access_point_server import SLOW_SECONDS, AccessPointServer, access_point_server
from tests.support.ubl_documents import document

TOKEN = "tok-7f3a9c1e-very-secret"


@pytest.fixture
def server():  # noqa: ANN201
    with access_point_server() as running:
        yield running


def adapter(server: AccessPointServer, path: str, timeout: float = 5.0) -> HttpAccessPoint:
    return HttpAccessPoint(server.url(path), SecretStr(TOKEN), timeout=timeout)


def assert_no_token(error: BaseException) -> None:
    for text in (str(error), repr(error), str(error.__cause__), str(error.__context__)):
        assert TOKEN not in text


def test_delivered_and_what_the_server_received(server: AccessPointServer) -> None:
    doc = document(1001)
    receipt = adapter(server, "/delivered").send(doc)
    assert receipt.status == "delivered" and receipt.delivered
    assert receipt.message_id == "msg-0001" and receipt.reason is None
    assert receipt.channel == CHANNEL == "EHF via aksesspunkt"

    [got] = server.received
    headers = {k.lower(): v for k, v in got.headers.items()}
    assert got.body == doc.xml
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["idempotency-key"] == f"FK-1001-{doc.sha256}"
    assert headers["content-type"] == "application/xml"
    assert headers["peppol-receiver-id"] == "0192:964338531"
    assert headers["peppol-sender-id"] == "0192:971277882"
    assert headers["peppol-document-type-id"] == INVOICE_DOCUMENT_TYPE
    assert headers["peppol-process-id"] == PROCESS_ID


def test_accepted_is_pending_and_a_resend_carries_the_same_key(server: AccessPointServer) -> None:
    access_point = adapter(server, "/accepted")
    credit = document(1002, kind="credit")
    first = access_point.send(credit)
    access_point.send(credit)
    assert first.status == "pending" and first.message_id == "msg-0002"
    keys = [r.headers["Idempotency-Key"] for r in server.received]
    assert keys == [credit.idempotency_key] * 2
    assert server.received[0].headers["Peppol-Document-Type-Id"] == CREDIT_NOTE_DOCUMENT_TYPE
    changed = document(1002, kind="credit", amount="1.00")
    access_point.send(changed)
    assert server.received[2].headers["Idempotency-Key"] != credit.idempotency_key


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/bad-request", "400: Receiver 0192:964338531 is not registered in Peppol"),
        ("/unprocessable", "422: [BR-CO-15] Invoice total amount with VAT mismatch"),
    ],
)
def test_rejected_with_the_reason_from_the_body(
    server: AccessPointServer, path: str, reason: str
) -> None:
    receipt = adapter(server, path).send(document(1001))
    assert receipt.status == "rejected" and not receipt.delivered
    assert receipt.reason == reason
    assert receipt.channel == CHANNEL


def test_a_refusal_answered_with_200_is_rejected(server: AccessPointServer) -> None:
    receipt = adapter(server, "/rejected-200").send(document(1001))
    assert (receipt.status, receipt.reason, receipt.message_id) == (
        "rejected",
        "Duplicate",
        "msg-0004",
    )


def test_server_error_is_unavailable(server: AccessPointServer) -> None:
    with pytest.raises(DeliveryUnavailable, match="503") as caught:
        adapter(server, "/unavailable").send(document(1001))
    assert "FK-1001" in str(caught.value) and "maintenance" in str(caught.value)
    assert_no_token(caught.value)


def test_a_server_that_echoes_the_token_does_not_put_it_in_the_error(
    server: AccessPointServer,
) -> None:
    with pytest.raises(DeliveryUnavailable, match="500") as caught:
        adapter(server, "/echo-token").send(document(1001))
    assert "Bearer **********" in str(caught.value)
    assert_no_token(caught.value)


def test_refused_credentials_are_unavailable_not_a_rejected_invoice(
    server: AccessPointServer,
) -> None:
    with pytest.raises(DeliveryUnavailable, match="401") as caught:
        adapter(server, "/unauthorized").send(document(1001))
    assert_no_token(caught.value)


def test_a_2xx_that_does_not_say_what_happened_is_no_success(server: AccessPointServer) -> None:
    with pytest.raises(DeliveryUnavailable, match="without saying what happened"):
        adapter(server, "/no-status").send(document(1001))


def test_timeout_is_unavailable(server: AccessPointServer) -> None:
    started = time.monotonic()
    with pytest.raises(DeliveryUnavailable, match="did not answer within 0.3 s") as caught:
        adapter(server, "/slow", timeout=0.3).send(document(1001))
    assert time.monotonic() - started < SLOW_SECONDS
    assert server.received[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert_no_token(caught.value)


def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    access_point = HttpAccessPoint(f"http://127.0.0.1:{port}/documents", TOKEN, timeout=2)
    with pytest.raises(DeliveryUnavailable, match="cannot reach") as caught:
        access_point.send(document(1001))
    assert_no_token(caught.value)


def test_the_token_is_in_no_repr() -> None:
    access_point = HttpAccessPoint("https://bruker:passord@ap.example/v1/docs", TOKEN, timeout=3)
    assert TOKEN not in repr(access_point) and "passord" not in repr(access_point)
    assert TOKEN not in str(vars(access_point))


def test_the_token_is_in_no_log(
    server: AccessPointServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    adapter(server, "/delivered").send(document(1001))
    adapter(server, "/bad-request").send(document(1002))
    with pytest.raises(DeliveryUnavailable):
        adapter(server, "/echo-token").send(document(1003))
    assert caplog.records and TOKEN not in caplog.text


# --- status: what became of a document handed over ---------------------------------------------


def test_status_asks_get_url_slash_reference_with_the_token(server: AccessPointServer) -> None:
    server.accepting = True
    access_point = adapter(server, "/peppol")
    receipt = access_point.send(document(1001))
    assert receipt.status == "pending" and receipt.message_id == "ap-0001"
    assert access_point.status("ap-0001") is None  # accepted, nothing known yet
    server.outcomes["ap-0001"] = ("delivered", None)
    confirmed = access_point.status("ap-0001")
    assert (confirmed.status, confirmed.message_id, confirmed.reason) == (
        "delivered",
        "ap-0001",
        None,
    )
    assert confirmed.at.isoformat() == "2024-09-27T08:30:00+00:00"  # the server's "at"
    assert [a.path for a in server.asked] == ["/peppol/ap-0001", "/peppol/ap-0001"]
    headers = {k.lower(): v for k, v in server.asked[0].headers.items()}
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "application/json"
    assert len(server.received) == 1  # asking is not sending again


def test_status_rejected_with_the_reason(server: AccessPointServer) -> None:
    server.accepting = True
    access_point = adapter(server, "/peppol")
    access_point.send(document(1001))
    server.outcomes["ap-0001"] = ("rejected", "Receiver 0192:964338531 refused: unknown buyer")
    receipt = access_point.status("ap-0001")
    assert (receipt.status, receipt.reason) == (
        "rejected",
        "Receiver 0192:964338531 refused: unknown buyer",
    )
    assert adapter(server, "/rejected-200").status("msg-9").reason == (
        "Receiver refused the invoice"
    )


def test_status_of_an_unknown_reference_is_none(server: AccessPointServer) -> None:
    assert adapter(server, "/peppol").status("ap-0404") is None  # 404
    assert adapter(server, "/accepted").status("msg-0002") is None
    assert adapter(server, "/delivered").status("FK-1001 ø/x").status == "delivered"
    assert server.asked[-1].path == "/delivered/FK-1001%20%C3%B8%2Fx"  # one path segment


def test_status_timeout_is_unavailable(server: AccessPointServer) -> None:
    started = time.monotonic()
    with pytest.raises(DeliveryUnavailable, match="did not answer within 0.3 s") as caught:
        adapter(server, "/slow", timeout=0.3).status("msg-late")
    assert time.monotonic() - started < SLOW_SECONDS
    assert "msg-late" in str(caught.value)
    assert_no_token(caught.value)


@pytest.mark.parametrize(
    ("path", "match"),
    [
        ("/unavailable", "503"),
        ("/unauthorized", "401"),
        ("/no-status", "without saying what became of it"),
    ],
)
def test_status_without_an_answer_is_unavailable(
    server: AccessPointServer, path: str, match: str
) -> None:
    with pytest.raises(DeliveryUnavailable, match=match) as caught:
        adapter(server, path).status("msg-0001")
    assert_no_token(caught.value)


def test_status_when_the_access_point_is_down_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    access_point = HttpAccessPoint(f"http://127.0.0.1:{port}/documents", TOKEN, timeout=2)
    with pytest.raises(DeliveryUnavailable, match="cannot reach") as caught:
        access_point.status("msg-0001")
    assert_no_token(caught.value)
