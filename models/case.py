"""A municipality's participation in a programme (the case), its people and its group."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.municipality import Municipality
from models.programme import Programme

ROLES = (
    "coordinator",
    "school-owner",
    "culture-school-head",
    "chief-executive",
    "elected",
    "other",
)


class Person(Base):
    """Personal data lives here and only here, so that it can be erased on request (GDPR).

    History entries refer to a person by id; the hashed history never contains a name,
    e-mail address or phone number.
    """

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Case(Base):
    """Deltakelse: one municipality in one programme, moved along by the shared state machine."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("programme_id", "municipality_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programme.id"))
    municipality_number: Mapped[str] = mapped_column(ForeignKey("municipality.number"))
    state: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    # The application (søknad)
    applied_on: Mapped[date] = mapped_column(Date)
    contact_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    motivation: Mapped[str | None] = mapped_column(Text, nullable=True)
    development_area: Mapped[str | None] = mapped_column(Text, nullable=True)
    county_dialogue: Mapped[bool] = mapped_column(Boolean, default=False)

    # Preparations for the contract
    role_mapping_done: Mapped[bool] = mapped_column(Boolean, default=False)
    chief_executive_signatory_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id"), nullable=True
    )
    culture_school_head_signatory_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id"), nullable=True
    )
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The council's director (direktør) signs for the council, on a day of their own.
    director_signatory_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id"), nullable=True
    )
    director_signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    # The council's advisor (veileder) for this municipality
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisor.id"), nullable=True)

    # Head of the history chain, so that removing the newest entries is detected too.
    history_seq: Mapped[int] = mapped_column(Integer, default=0)
    history_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    programme: Mapped[Programme] = relationship()
    municipality: Mapped[Municipality] = relationship()
    contact: Mapped[Person] = relationship(foreign_keys=[contact_person_id])
    chief_executive_signatory: Mapped[Person | None] = relationship(
        foreign_keys=[chief_executive_signatory_id]
    )
    culture_school_head_signatory: Mapped[Person | None] = relationship(
        foreign_keys=[culture_school_head_signatory_id]
    )
    director_signatory: Mapped[Person | None] = relationship(foreign_keys=[director_signatory_id])
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="GroupMember.id"
    )

    # Optimistic lock: a stale write raises instead of silently winning.
    __mapper_args__ = {"version_id_col": version}

    def __init__(self, **kwargs: object) -> None:
        # mapped_column(default=...) only applies at INSERT; the machine needs a state now.
        kwargs.setdefault("state", "applied")
        super().__init__(**kwargs)


class GroupMember(Base):
    """A member of the municipal group (kommunegruppe) with a role."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str] = mapped_column(String(30))

    case: Mapped[Case] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(lazy="joined")
