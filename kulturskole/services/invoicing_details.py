"""The buyer's invoicing details of a case: who receives its invoices, where, and with which
reference ("deres ref."). Entered before the contract; stamped on every invoice at issue.

Each field left unset falls back to the municipality's own data when read
(:func:`effective_details`): the legal name "<own name> kommune" (kulturskole.names), the
municipality's organisation number, and the Peppol participant id ``0192:`` + the organisation
number that receives the invoices. E-mail address, postal address and reference have no
default: without a reference an invoice names the coordinator (kulturskole.invoicing.paperwork).

Rules where the issue is silent:

- The details can be changed on any case that has not ended (not ``completed``, ``terminated``
  or ``declined``): an invoice issued later uses them; an issued invoice keeps what it was
  stamped with.
- ``None`` leaves a field as it is; an empty string clears it (a cleared name, organisation
  number or Peppol id falls back to its default again).
- The history entry ``invoicing-details-changed`` names every field that changed and carries the
  new organisation number and Peppol id (public register data); the name, e-mail address,
  postal address and reference may name a person, and are kept out of the hashed history, like
  all personal data (README, "History and audit").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr

from kulturskole.contact import clean_email
from kulturskole.errors import InvalidInput
from kulturskole.history import Acting, record
from kulturskole.names import invoice_name
from kulturskole.services.cases import find_case
from models import Case
from models.invoicing_details import InvoicingDetails
from states.groups import END_STATES

NORWEGIAN_ORGNR_SCHEME = "0192"  # Peppol's ICD for Enhetsregisteret's organisation numbers
FIELDS = ("name", "org_number", "peppol_id", "email", "address", "reference")
REFERENCE_MAX = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_POSTCODE_LINE = re.compile(r"^([0-9]{4})\s+(\S.*)$")
_PEPPOL = re.compile(r"^([0-9]{4}):(\S{1,50})$")


@dataclass(frozen=True)
class InvoicingDetailsView:
    """The details as an invoice would be stamped with them now; ``defaults`` names the fields
    that fall back to the municipality's own data (nothing entered for them)."""

    name: str
    org_number: str | None
    peppol_id: str | None
    email: str | None
    address: tuple[str, ...]  # street line(s), then "postcode place"; () when none entered
    reference: str | None
    defaults: tuple[str, ...]

    @property
    def street(self) -> str | None:
        return ", ".join(self.address[:-1]) or None if self.address else None

    @property
    def postcode(self) -> str | None:
        match = _POSTCODE_LINE.match(self.address[-1]) if self.address else None
        return match.group(1) if match else None

    @property
    def city(self) -> str | None:
        match = _POSTCODE_LINE.match(self.address[-1]) if self.address else None
        return match.group(2) if match else None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["address"] = list(self.address)
        data["defaults"] = list(self.defaults)
        return data


def effective_details(case: Case) -> InvoicingDetailsView:
    """The case's details with every unset field filled from the municipality."""
    row: InvoicingDetails | None = case.invoicing_details
    municipality = case.municipality
    defaults = []

    def given(field: str) -> Any:
        value = getattr(row, field) if row is not None else None
        if value is None:
            defaults.append(field)
        return value

    name = given("name") or invoice_name(municipality)
    number = given("org_number") or municipality.org_number
    peppol = given("peppol_id") or (f"{NORWEGIAN_ORGNR_SCHEME}:{number}" if number else None)
    email, address, reference = given("email"), given("address"), given("reference")
    return InvoicingDetailsView(
        name=name,
        org_number=number,
        peppol_id=peppol,
        email=email,
        address=tuple(address.split("\n")) if address else (),
        reference=reference,
        defaults=tuple(f for f in defaults if f in ("name", "org_number", "peppol_id")),
    )


def invoicing_details_of(case: Case) -> InvoicingDetailsView | None:
    """The case's details as invoices would carry them, or None when none were entered."""
    return effective_details(case) if case.invoicing_details is not None else None


def set_invoicing_details(
    session: Session,
    municipality_number: str,
    acting: Acting,
    *,
    programme_id: str | None = None,
    reference: str | None = None,
    email: str | None = None,
    address: str | None = None,
    org_number: str | None = None,
    peppol_id: str | None = None,
    name: str | None = None,
) -> tuple[InvoicingDetailsView, list[str]]:
    """Set the given fields (a partial update); returns the details now and what changed.

    Every value is checked before anything is written: a bad one raises ``InvalidInput`` and
    changes nothing. An ``invoicing-details-changed`` history entry is written in the same
    transaction when anything changed.
    """
    case = find_case(session, municipality_number, programme_id, for_update=True)
    if case.state in END_STATES:
        raise InvalidInput(
            f"cannot change the invoicing details of {case.municipality_number} "
            f"{case.municipality.name}: the case is {case.state}"
        )
    wanted: dict[str, str | None] = {}
    if name is not None:
        wanted["name"] = clean_legal_name(name)
    if org_number is not None:
        wanted["org_number"] = clean_org_number(org_number)
    if peppol_id is not None:
        wanted["peppol_id"] = clean_peppol_id(peppol_id)
    if email is not None:
        wanted["email"] = clean_email(email) if email.strip() else None
    if address is not None:
        wanted["address"] = "\n".join(clean_address(address)) or None
    if reference is not None:
        wanted["reference"] = clean_reference(reference)

    row = case.invoicing_details
    if row is None:
        row = InvoicingDetails()
    changed = [f for f, value in wanted.items() if getattr(row, f) != value]
    if not changed:
        return effective_details(case), []
    for field in changed:
        setattr(row, field, wanted[field])
    if case.invoicing_details is None:
        case.invoicing_details = row
    session.flush()
    view = effective_details(case)
    record(
        session,
        case,
        acting,
        "invoicing-details-changed",
        details={
            "changed": [f for f in FIELDS if f in changed],
            "org_number": view.org_number,
            "peppol_id": view.peppol_id,
        },
    )
    return view, [f for f in FIELDS if f in changed]


# --- checking what is entered ------------------------------------------------------------------


def _one_line(value: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if _CONTROL.search(value):
        raise InvalidInput(f"{what} {value!r} contains control characters (line breaks)")
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters ({len(value)})")
    return value


def clean_legal_name(value: str) -> str | None:
    """The invoice receiver's legal name, one line; empty: back to "<own name> kommune"."""
    return _one_line(value, "the invoice receiver's name", 200) or None


def clean_reference(value: str) -> str | None:
    """The buyer's reference (bestillerreferanse), one line of at most 100 characters."""
    return _one_line(value, "the buyer's reference", REFERENCE_MAX) or None


def clean_org_number(value: str) -> str | None:
    """Nine digits with a valid MOD11 check digit (spaces allowed); empty: the municipality's."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return orgnr.validate(value)
    except StdnumError as exc:
        raise InvalidInput(
            f"organisation number {value!r} is invalid: {exc} "
            "(9 digits with a MOD11 check digit, e.g. 942110464)"
        ) from None


def clean_peppol_id(value: str) -> str | None:
    """A Peppol participant id ``NNNN:identifier`` (scheme ICD, e.g. ``0192:942110464``); for
    scheme 0192 the identifier must be a valid organisation number. Empty: the default."""
    value = (value or "").strip()
    if not value:
        return None
    match = _PEPPOL.match(value)
    if match is None:
        raise InvalidInput(
            f"Peppol id {value!r} is invalid: use the scheme's four digits, a colon and the "
            "identifier, e.g. 0192:942110464"
        )
    scheme, identifier = match.groups()
    if scheme == NORWEGIAN_ORGNR_SCHEME:
        try:
            identifier = orgnr.validate(identifier)
        except StdnumError as exc:
            raise InvalidInput(
                f"Peppol id {value!r} is invalid: scheme 0192 takes an organisation number, "
                f"and {identifier!r} is not one ({exc})"
            ) from None
    return f"{scheme}:{identifier}"


def clean_address(value: str) -> list[str]:
    """A postal address as lines: the street (or PO box) line(s), then "postcode place".

    Accepts lines separated by newlines, or one line separated by commas ("Postboks 2300
    Torgarden, 7004 Trondheim"). Empty: no address.
    """
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    parts = text.split("\n") if "\n" in text else text.split(",")
    lines = [re.sub(r"\s+", " ", part).strip() for part in parts]
    lines = [line for line in lines if line]
    for line in lines:
        if _CONTROL.search(line):
            raise InvalidInput(f"the postal address line {line!r} contains control characters")
        if len(line) > 100:
            raise InvalidInput(f"the postal address line {line[:40]!r}… is over 100 characters")
    if len(lines) > 4:
        raise InvalidInput(f"the postal address has {len(lines)} lines; at most 4")
    if not _POSTCODE_LINE.match(lines[-1]):
        raise InvalidInput(
            f"the postal address must end with the postcode and place (e.g. '7004 Trondheim'), "
            f"not {lines[-1]!r}"
        )
    return lines
