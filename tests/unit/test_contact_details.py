"""Contact details are checked when they are entered: what would break a mail or a header later
is refused now, with the reason, and what is stored is what is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kulturskole.contact import clean_email, clean_name, clean_phone
from kulturskole.errors import InvalidInput
from models import Message
from notifications.compose import compose


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("92 34 56 78", "92 34 56 78"),
        ("+47 92345678", "+47 92345678"),
        ("923-45-678", "923-45-678"),
        ("  92  34 56 78 ", "92 34 56 78"),
    ],
)
def test_a_phone_number_is_stored_with_single_spaces(typed: str, stored: str) -> None:
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "92 34\n56 78",
        "92 34\u202856 78",
        "92\t345678",
        "92 34 56 7",
        "92 34 56 78 x",
        "47+92345678",
    ],
    ids=["line break", "U+2028", "tab", "too short", "letter", "plus inside"],
)
def test_a_phone_number_with_anything_else_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match=r"phone number .* is invalid: use 8 to 15 digits"):
        clean_phone(typed)


@pytest.mark.parametrize("typed", ["Kari\u2028Nordmann", "Kari\x85Nordmann", "Kari\nNordmann"])
def test_a_name_with_a_line_break_of_any_kind_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="contains control characters"):
        clean_name(typed)


def test_an_address_with_a_norwegian_domain_is_kept_and_sent_as_idna() -> None:
    address = clean_email("post@bø.kommune.no")
    assert address == "post@bø.kommune.no"
    message = Message(
        id=1,
        to=[{"name": "Bø kommune", "address": address}],
        cc=[],
        reply_to=None,
        subject="Faktura 1",
        text_body="Hei",
        html_body="<p>Hei</p>",
        message_id="<a@kulturskoleradet.no>",
        created_at=datetime(2024, 9, 26, 8, tzinfo=UTC),
        attachments=[],
    )
    mail = compose(message, "Norsk kulturskoleråd <noreply@kulturskoleradet.no>")
    [recipient] = mail["To"].addresses
    assert recipient.addr_spec == "post@xn--b-5ga.kommune.no"
    assert "xn--b-5ga.kommune.no" in mail.as_string()


@pytest.mark.parametrize("typed", ["pøst@bo.kommune.no", "post@bø\u2028.no"])
def test_an_address_servers_may_refuse_is_refused_at_entry(typed: str) -> None:
    with pytest.raises(InvalidInput, match="e-mail address"):
        clean_email(typed)
