"""A case's contract meeting (avtale- og kontraktsmøte) and its stored signed contract, as the
case page shows them (times in Oslo time; the PDF itself is fetched on its own)."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from models import ContractMeeting, SignedContract


class ContractMeetingRow(TypedDict):
    start: str  # ISO 8601 with the Oslo offset
    end: str
    mode: str
    host_name: str
    host_email: str
    status: str  # scheduled | held | cancelled
    held_on: str | None


class SignedContractRow(TypedDict):
    filename: str
    sha256: str
    made_on: str
    size: int


def contract_meeting_row(session: Session, case_id: int) -> ContractMeetingRow | None:
    row = session.scalars(
        select(ContractMeeting).where(ContractMeeting.case_id == case_id)
    ).one_or_none()
    if row is None:
        return None
    tz = get_settings().tz
    return ContractMeetingRow(
        start=row.start.astimezone(tz).isoformat(),
        end=row.end.astimezone(tz).isoformat(),
        mode=row.mode,
        host_name=row.host_name,
        host_email=row.host_email,
        status=row.status,
        held_on=row.held_on.isoformat() if row.held_on else None,
    )


def signed_contract_row(session: Session, case_id: int) -> SignedContractRow | None:
    found = session.execute(
        select(
            SignedContract.filename,
            SignedContract.sha256,
            SignedContract.made_on,
            SignedContract.content,
        ).where(SignedContract.case_id == case_id)
    ).one_or_none()
    if found is None:
        return None
    filename, sha256, made_on, content = found
    return SignedContractRow(
        filename=filename, sha256=sha256, made_on=made_on.isoformat(), size=len(content)
    )
