"""A programme and its timetable, loaded from a YAML file under ``programmes/``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, UTCDateTime, utcnow
from models.definition import ProgrammeDefinition


class Programme(Base):
    __tablename__ = "programme"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    fee_ore: Mapped[int] = mapped_column(Integer)
    # The whole validated definition as JSON; read it through ``rules``, never directly.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    events: Mapped[list[ProgrammeEvent]] = relationship(
        back_populates="programme",
        order_by="ProgrammeEvent.position",
        cascade="all, delete-orphan",
    )

    @property
    def rules(self) -> ProgrammeDefinition:
        """The stored definition, validated and typed: every default comes from the schema.

        Validated once per definition dict: a reloaded file or a row read again from the
        database brings a new dict, and with it a fresh validation.
        """
        definition = self.definition
        cached = self.__dict__.get("_rules")
        if cached is None or cached[0] is not definition:
            cached = (definition, ProgrammeDefinition.model_validate(definition))
            self.__dict__["_rules"] = cached
        return cached[1]


class ProgrammeEvent(Base):
    """One line of the timetable: a gathering, a meeting, a visit window, the sharing arena."""

    __tablename__ = "programme_event"

    programme_id: Mapped[str] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str | None] = mapped_column(String(20), nullable=True)
    start: Mapped[date | None] = mapped_column(Date, nullable=True)
    end: Mapped[date | None] = mapped_column(Date, nullable=True)
    weeks: Mapped[list[int]] = mapped_column(JSONType, default=list)
    tentative: Mapped[bool] = mapped_column(Boolean, default=False)
    when: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    programme: Mapped[Programme] = relationship(back_populates="events")
