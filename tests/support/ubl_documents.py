"""UBL documents for the access-point adapters' tests (the adapters read only the root)."""

from __future__ import annotations

from kulturskole.invoicing.delivery import UblDocument, participant_id

COUNCIL = "971277882"  # Norsk kulturskoleråd
BUYER = "964338531"  # a municipality's organisation number (valid MOD11)

_ROOT = {
    "invoice": ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
    "credit": ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"),
}


def ubl_xml(kind: str = "invoice", number: int = 1001, amount: str = "12500.00") -> bytes:
    tag, namespace = _ROOT[kind]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag} xmlns="{namespace}" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        f"<cbc:ID>{number}</cbc:ID><cbc:Note>Beløp {amount}</cbc:Note></{tag}>\n"
    ).encode()


def document(
    number: int = 1001, kind: str = "invoice", series: str = "FK", amount: str = "12500.00"
) -> UblDocument:
    return UblDocument(
        number=number,
        series=series,
        kind=kind,  # type: ignore[arg-type]
        sender_id=participant_id(COUNCIL),
        receiver_id=participant_id(BUYER),
        xml=ubl_xml(kind, number, amount),
    )
