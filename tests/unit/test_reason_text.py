"""A reason (a termination's, a decision's, a credit note's) is kept as plain text: it is shown
on screens and printed in letters, and hashed into the case's history."""

from __future__ import annotations

import pytest

from kulturskole.errors import InvalidInput
from kulturskole.history import clean_reason


def test_plain_text_is_kept_and_crlf_becomes_lf() -> None:
    assert clean_reason("Ingen deltakelse.\r\nTo samlinger.\tSe vedlegg.") == (
        "Ingen deltakelse.\nTo samlinger.\tSe vedlegg."
    )
    assert clean_reason(None) is None
    assert clean_reason("æøå – «sitat»") == "æøå – «sitat»"


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("a\x00b", "0000", 2),
        ("\x1b[31mrød", "001B", 1),
        ("linje\rlinje", "000D", 6),
        ("a\u2028b", "2028", 2),
        ("a\x7f", "007F", 2),
    ],
)
def test_control_characters_are_refused_naming_the_first(
    text: str, code: str, position: int
) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_reason(text)
    assert str(refused.value) == (
        f"the reason contains a control character (U+{code}) at position {position}; "
        "write it as plain text"
    )
