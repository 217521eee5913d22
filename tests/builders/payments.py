"""Small bank files whose KIDs and amounts are those of the built invoices.

They follow the structure of the fixtures in tests/fixtures/payments/ (camt.054.001.08 and
Nets OCR giro, records 10/20/30/31/88/89), with counts and sums that add up.
"""

from __future__ import annotations

from datetime import date

# (KID, amount in øre, booking date)
Pay = tuple[str, int, str]


def ocr_file(payments: list[Pay], transmission: int = 1) -> bytes:
    """One transmission of one assignment holding a transaction (records 30 and 31) per payment."""

    def ddmmyy(day: str) -> str:
        return date.fromisoformat(day).strftime("%d%m%y")

    last = ddmmyy(max(p[2] for p in payments)) if payments else "010125"
    total = sum(p[1] for p in payments)
    records = [
        f"NY000010{'00008080':8}{transmission:07d}00010010".ljust(80, "0"),
        f"NY090020001234567{transmission:07d}15031234567".ljust(80, "0"),
    ]
    for number, (kid, amount, day) in enumerate(payments, start=1):
        records.append(
            f"NY091030{number:07d}{ddmmyy(day)}01151{number:05d}0{amount:017d}{kid:>25}000000"
        )
        records.append(
            f"NY091031{number:07d}{0:010d}{number:09d}{0:07d}{ddmmyy(day)}16021234561".ljust(
                80, "0"
            )
        )
    n = len(payments)
    records.append(f"NY090088{n:08d}{2 * n + 2:08d}{total:017d}{last}".ljust(80, "0"))
    records.append(f"NY000089{n:08d}{2 * n + 4:08d}{total:017d}{last}".ljust(80, "0"))
    assert all(len(r) == 80 for r in records)
    return ("\n".join(records) + "\n").encode("iso-8859-1")


def camt_file(payments: list[Pay], message: str = "NTF1") -> bytes:
    """One notification with one booked credit entry (one TxDtls) per payment."""
    entries = "".join(
        f"""
      <Ntry>
        <NtryRef>{n}</NtryRef>
        <Amt Ccy="NOK">{amount // 100}.{amount % 100:02d}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <AcctSvcrRef>{message}-{n}</AcctSvcrRef>
        <NtryDtls>
          <TxDtls>
            <Refs><AcctSvcrRef>{message}-{n}-1</AcctSvcrRef></Refs>
            <Amt Ccy="NOK">{amount // 100}.{amount % 100:02d}</Amt>
            <RmtInf><Strd><CdtrRefInf><Ref>{kid}</Ref></CdtrRefInf></Strd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>"""
        for n, (kid, amount, day) in enumerate(payments, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>{message}</MsgId><CreDtTm>2024-10-01T06:00:00+02:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>{message}</Id>{entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()
