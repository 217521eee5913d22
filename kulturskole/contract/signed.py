"""The signed contract as a PDF, stored with the case when it is contracted.

The contract is complete when the chief executive, the culture school head and the council's
director have signed (``states.conditions.signed``); the ``contract`` transition requires it, and
its reaction renders the contract with the three names and dates (``contract.html``) to PDF and
stores it with its SHA-256, which the case's history records. An administrator gets it back with
``kulturskole cases contract-document`` or from the case page; a stored file whose hash no longer
matches is refused rather than handed out.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.errors import InvalidInput
from kulturskole.history import Acting, record
from models import Case, SignedContract
from notifications.case_mail import common_context, coordinator_or_contact
from notifications.documents import contract_name, contract_pdf
from states.conditions import Context, signed


class ContractAltered(InvalidInput):
    """The stored file no longer matches the SHA-256 recorded when it was stored."""


def signatures_of(case: Case) -> dict[str, Any]:
    """The three signatures as the contract prints them."""
    return {
        "chief_executive": case.chief_executive_signatory.name,
        "culture_school_head": case.culture_school_head_signatory.name,
        "signed_on": case.signed_on,
        "director": case.director_signatory.name,
        "director_signed_on": case.director_signed_on,
    }


def store_signed_contract(session: Session, case: Case, acting: Acting) -> SignedContract:
    """Render and store the signed contract (in the transaction that contracts the case);
    storing the same document again changes nothing."""
    lacking = signed(case, Context(as_of=acting.as_of))
    if lacking is not None:
        raise InvalidInput(f"the contract of {_who(case)} is not complete: {lacking}")
    made_on = max(case.signed_on, case.director_signed_on)  # the day it became complete
    context = common_context(case, coordinator_or_contact(case)) | {
        "signatures": signatures_of(case)
    }
    content = contract_pdf(context, made_on)
    digest = hashlib.sha256(content).hexdigest()
    row = _stored(session, case)
    if row is not None and row.sha256 == digest:
        return row
    replaced = row is not None
    if row is None:
        row = SignedContract(case_id=case.id)
        session.add(row)
    row.filename = contract_name(case.programme, case.municipality_number, signed=True)
    row.content, row.sha256, row.made_on = content, digest, made_on
    session.flush()
    record(
        session,
        case,
        acting,
        "contract-stored",
        details={
            "filename": row.filename,
            "sha256": digest,
            "made_on": made_on.isoformat(),
            "replaced": replaced,
        },
    )
    return row


def signed_contract(session: Session, case: Case) -> SignedContract:
    """The stored signed contract; a clear refusal when there is none (yet) or it was altered."""
    row = _stored(session, case)
    if row is None:
        lacking = signed(case, Context(as_of=case.applied_on))
        if lacking is not None:
            raise InvalidInput(f"{_who(case)} has no signed contract: {lacking}")
        if case.state in ("applied", "selected"):
            raise InvalidInput(
                f"{_who(case)} has no signed contract yet: it is stored when the case is "
                f"contracted (it is {case.state})"
            )
        raise InvalidInput(f"{_who(case)} has no signed contract: none was stored for it")
    if hashlib.sha256(row.content).hexdigest() != row.sha256:
        raise ContractAltered(
            f"the stored contract of {_who(case)} does not match its SHA-256 "
            f"({row.sha256[:12]}…): it was altered after it was stored"
        )
    return row


def _stored(session: Session, case: Case) -> SignedContract | None:
    return session.scalars(
        select(SignedContract).where(SignedContract.case_id == case.id)
    ).one_or_none()


def _who(case: Case) -> str:
    return f"{case.municipality_number} {case.municipality.name}"
