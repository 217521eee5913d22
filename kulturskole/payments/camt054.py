"""ISO 20022 camt.054 (BankToCustomerDebitCreditNotification), versions .001.02 to .001.08.

Read with lxml by local names, so that every version's namespace is accepted. Only booked
credit entries are payments (``CdtDbtInd`` CRDT, ``Sts`` BOOK, which is plain text up to .06 and
``Sts/Cd`` from .07); debits and pending entries are skipped. A batch entry (one ``Ntry`` with
several ``NtryDtls/TxDtls``) gives one line per ``TxDtls`` with its own amount
(``TxDtls/Amt``, or ``AmtDtls/TxAmt/Amt`` in .02), and the amounts must add up to the entry's.

The KID is ``RmtInf/Strd/CdtrRefInf/Ref``. ``RmtInf/Ustrd`` is taken as KID only when it is all
digits (spaces ignored) and at most 25 long, which is how Norwegian banks pass on a KID typed in
the message field; any other free text gives ``kid=""``, an unmatched payment for the importer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from kulturskole.errors import InvalidFile
from kulturskole.payments.lines import PaymentLine, check_unique, parse_amount_ore

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.054.001."
VERSIONS = {f"{NAMESPACE_PREFIX}{n:02d}" for n in range(2, 9)}


def parse_camt054(data: bytes, name: str) -> list[PaymentLine]:
    """Every booked credit of the notification, or :class:`InvalidFile`; nothing partly."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        raise InvalidFile(f"{name}:{line}: not well-formed XML ({error.msg})") from None
    namespace = etree.QName(root).namespace or ""
    if namespace not in VERSIONS:
        raise InvalidFile(
            f"{name}:{root.sourceline}: namespace {namespace!r} is not camt.054.001.02 to .08"
        )
    notifications = _all(root, "BkToCstmrDbtCdtNtfctn", "Ntfctn")
    if not notifications:
        raise InvalidFile(f"{name}:{root.sourceline}: no BkToCstmrDbtCdtNtfctn/Ntfctn")
    lines: list[PaymentLine] = []
    for notification in notifications:
        notification_id = _text(notification, "Id") or f"line{notification.sourceline}"
        for index, entry in enumerate(_all(notification, "Ntry"), start=1):
            lines.extend(_entry(entry, name, f"{notification_id}/{index}"))
    check_unique(lines)
    return lines


def _entry(entry: etree._Element, name: str, fallback: str) -> list[PaymentLine]:
    where = f"{name}:{entry.sourceline}"
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise InvalidFile(f"{where}: Ntry/CdtDbtInd {indicator!r} is neither CRDT nor DBIT")
    status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
    if indicator == "DBIT" or status != "BOOK":
        return []
    amount = _amount(entry, name, "Amt")
    if amount is None:
        raise InvalidFile(f"{where}: Ntry without Amt")
    booked_on = _date(entry, name, "BookgDt")
    if booked_on is None:
        raise InvalidFile(f"{where}: booked Ntry without BookgDt")
    value_on = _date(entry, name, "ValDt")
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef") or fallback
    details = _all(entry, "NtryDtls", "TxDtls")
    if not details:
        return [
            PaymentLine(
                source=where,
                kid="",
                amount_ore=amount,
                booked_on=booked_on,
                value_on=value_on,
                reference=f"camt:{entry_ref}",
            )
        ]
    lines = []
    for index, tx in enumerate(details, start=1):
        tx_where = f"{name}:{tx.sourceline}"
        tx_amount = _amount(tx, name, "Amt")
        if tx_amount is None:
            tx_amount = _amount(tx, name, "AmtDtls", "TxAmt", "Amt")
        if tx_amount is None:
            if len(details) > 1:
                raise InvalidFile(f"{tx_where}: TxDtls of a batch entry without its own Amt")
            tx_amount = amount
        tx_ref = _text(tx, "Refs", "AcctSvcrRef") or _text(tx, "Refs", "TxId") or str(index)
        lines.append(
            PaymentLine(
                source=tx_where,
                kid=_kid(tx, name),
                amount_ore=tx_amount,
                booked_on=booked_on,
                value_on=value_on,
                reference=f"camt:{entry_ref}:{tx_ref}",
                payer_name=_text(tx, "RltdPties", "Dbtr", "Nm")
                or _text(tx, "RltdPties", "Dbtr", "Pty", "Nm"),
                payer_account=_text(tx, "RltdPties", "DbtrAcct", "Id", "IBAN")
                or _text(tx, "RltdPties", "DbtrAcct", "Id", "Othr", "Id"),
            )
        )
    total = sum(line.amount_ore for line in lines)
    if total != amount:
        raise InvalidFile(
            f"{where}: the entry's amount is {amount} øre, its TxDtls add up to {total}"
        )
    return lines


def _kid(tx: etree._Element, name: str) -> str:
    for info in _all(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref"):
        kid = (info.text or "").strip()
        if kid:
            if not kid.isdigit() or len(kid) > 25:
                raise InvalidFile(f"{name}:{info.sourceline}: KID {kid!r} is not up to 25 digits")
            return kid
    for free in _all(tx, "RmtInf", "Ustrd"):
        candidate = (free.text or "").replace(" ", "")
        if candidate.isdigit() and len(candidate) <= 25:
            return candidate
    return ""


def _amount(element: etree._Element, name: str, *path: str) -> int | None:
    found = _all(element, *path)
    if not found:
        return None
    amount = found[0]
    where = f"{name}:{amount.sourceline}"
    currency = amount.get("Ccy")
    if currency != "NOK":
        raise InvalidFile(f"{where}: amount in {currency!r}, only NOK is accepted")
    return parse_amount_ore(amount.text, where)


def _date(element: etree._Element, name: str, what: str) -> date | None:
    day = _all(element, what, "Dt")
    moment = _all(element, what, "DtTm")
    node = (day or moment or [None])[0]
    if node is None:
        return None
    text = (node.text or "").strip()
    try:
        return date.fromisoformat(text) if day else datetime.fromisoformat(text).date()
    except ValueError:
        raise InvalidFile(f"{name}:{node.sourceline}: {what} {text!r} is not a date") from None


def _all(element: etree._Element, *path: str) -> list[etree._Element]:
    """The descendants along ``path`` of local names, whatever their namespace."""
    found = [element]
    for step in path:
        found = [
            c
            for e in found
            for c in e
            if isinstance(c.tag, str) and etree.QName(c).localname == step
        ]
    return found


def _text(element: etree._Element, *path: str) -> str | None:
    found = _all(element, *path)
    if not found or found[0].text is None:
        return None
    return found[0].text.strip() or None


# --- writing: what a bank sends -----------------------------------------------------------------


@dataclass(frozen=True)
class Credit:
    """One incoming payment for :func:`write_camt054`."""

    kid: str
    amount_ore: int
    payer_name: str | None = None


def write_camt054(
    message_id: str,
    booked_on: date,
    credits: list[Credit],
    *,
    account: str,
    created: datetime | None = None,
) -> bytes:
    """A camt.054.001.08 notification of one day's credits to ``account``, as a Norwegian bank
    sends its OCR/KID payments: one booked batch entry (``Ntry`` with ``Btch`` and a ``TxDtls``
    per payment, KID as the structured creditor reference ``SCOR``). Used by the demo to
    produce the bank's file that ``payments import`` then reads; nothing else writes camt."""
    ns = f"{NAMESPACE_PREFIX}08"

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str):  # noqa: ANN202
        element = etree.SubElement(parent, f"{{{ns}}}{tag}", attrib)
        if text is not None:
            element.text = text
        return element

    def amount(parent: etree._Element, tag: str, ore: int) -> None:
        sub(parent, tag, f"{ore // 100}.{ore % 100:02d}", Ccy="NOK")

    created = created or datetime.combine(booked_on, datetime.min.time())
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    body = sub(root, "BkToCstmrDbtCdtNtfctn")
    header = sub(body, "GrpHdr")
    sub(header, "MsgId", message_id)
    sub(header, "CreDtTm", created.isoformat(timespec="seconds"))
    notification = sub(body, "Ntfctn")
    sub(notification, "Id", f"{message_id}-1")
    sub(notification, "CreDtTm", created.isoformat(timespec="seconds"))
    acct = sub(notification, "Acct")
    other = sub(sub(acct, "Id"), "Othr")
    sub(other, "Id", account)
    sub(sub(other, "SchmeNm"), "Cd", "BBAN")
    sub(acct, "Ccy", "NOK")
    if credits:
        total = sum(c.amount_ore for c in credits)
        entry = sub(notification, "Ntry")
        sub(entry, "NtryRef", "1")
        amount(entry, "Amt", total)
        sub(entry, "CdtDbtInd", "CRDT")
        sub(sub(entry, "Sts"), "Cd", "BOOK")
        sub(sub(entry, "BookgDt"), "Dt", booked_on.isoformat())
        sub(sub(entry, "ValDt"), "Dt", booked_on.isoformat())
        sub(entry, "AcctSvcrRef", f"{message_id}-1")
        code = sub(sub(entry, "BkTxCd"), "Domn")  # mandatory: a received credit transfer
        sub(code, "Cd", "PMNT")
        family = sub(code, "Fmly")
        sub(family, "Cd", "RCDT")
        sub(family, "SubFmlyCd", "DMCT")
        details = sub(entry, "NtryDtls")
        batch = sub(details, "Btch")
        sub(batch, "NbOfTxs", str(len(credits)))
        amount(batch, "TtlAmt", total)
        sub(batch, "CdtDbtInd", "CRDT")
        for index, credit in enumerate(credits, start=1):
            tx = sub(details, "TxDtls")
            sub(sub(tx, "Refs"), "AcctSvcrRef", f"{message_id}-1-{index}")
            amount(tx, "Amt", credit.amount_ore)
            sub(tx, "CdtDbtInd", "CRDT")
            if credit.payer_name:
                sub(sub(sub(sub(tx, "RltdPties"), "Dbtr"), "Pty"), "Nm", credit.payer_name)
            reference = sub(sub(sub(tx, "RmtInf"), "Strd"), "CdtrRefInf")
            sub(sub(sub(reference, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
            sub(reference, "Ref", credit.kid)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
