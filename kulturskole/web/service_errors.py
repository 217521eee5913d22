"""The services' error messages in Norwegian, for the console.

The services keep their English messages (the CLI prints them; tests match them); the console's
staff read Norwegian. A page lists the messages its services can give as patterns with a
Norwegian text; ``in_norwegian`` re-raises a known error in Norwegian, of the same class, and
leaves an unknown one as it is (never hidden).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from kulturskole.errors import KulturskoleError

Wording = tuple[str, str | Callable[[re.Match[str]], str]]  # pattern, text or text of the match

COMMON: list[Wording] = [
    (
        r"someone else changed the same case at the same moment",
        "Noen andre endret den samme saken i samme øyeblikk. Ingenting ble lagret; se på "
        "saken igjen og prøv på nytt.",
    ),
]


def translate(message: str, wordings: Sequence[Wording]) -> str | None:
    """The Norwegian text of ``message``, or None when no pattern knows it."""
    for pattern, text in [*wordings, *COMMON]:
        found = re.search(pattern, message)
        if found:
            return text(found) if callable(text) else text.format(*found.groups())
    return None


@contextmanager
def in_norwegian(wordings: Sequence[Wording]) -> Iterator[None]:
    """Re-raise a ``KulturskoleError`` from the block with its Norwegian text."""
    try:
        yield
    except KulturskoleError as exc:
        text = translate(str(exc), wordings)
        if text is None:
            raise
        raise type(exc)(text) from exc
