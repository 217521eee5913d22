"""The applicant register: municipalities (kommuner) and the council's county branches
(fylkesavdelinger), the reference data every case points to.

"Alle kommuner og fylkesavdelinger i Norsk kulturskoleråd kan søke om deltakelse": an applicant
is a municipality or a county branch. Both live in this one table, told apart by ``kind``, so
that a case keeps one foreign key (``cases.municipality_number``) and everything that reads a
case's number, name and county (lists, filters, advisors by county, history keys) works for both.

- A municipality (``kind`` "municipality") has its 4-digit kommunenummer ("5001") and
  Statistics Norway's name ("Trondheim - Tråante"); it is invoiced by its organisasjonsnummer.
- A county branch (``kind`` "county-branch") has the number "F" + the 2-digit fylkesnummer
  ("F50"), a form no kommunenummer can take, and the name the council gives it ("Norsk
  kulturskoleråd Trøndelag"). It is part of the council itself: it has no organisation number
  of its own and is never invoiced the participation fee (kulturskole.services.applicants).
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

APPLICANT_KINDS = ("municipality", "county-branch")


class Municipality(Base):
    """An applicant: a kommune (4-digit number) or a county branch of the council ("F50")."""

    __tablename__ = "municipality"

    number: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    county_number: Mapped[str] = mapped_column(String(2))
    county_name: Mapped[str] = mapped_column(String(200))
    org_number: Mapped[str | None] = mapped_column(String(9), nullable=True)
    # One of APPLICANT_KINDS; only kulturskole.services.applicants writes "county-branch".
    kind: Mapped[str] = mapped_column(
        String(20), default="municipality", server_default="municipality"
    )

    @property
    def is_county_branch(self) -> bool:
        return self.kind == "county-branch"
