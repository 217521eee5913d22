"""The outbox: every message to a municipality or advisor, queued in the transaction that
caused it and delivered later by the ``send-notifications`` flow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, UTCDateTime, utcnow

MESSAGE_STATUSES = ("queued", "sent", "failed")


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    template: Mapped[str] = mapped_column(String(60))
    # Lists of {"name": ..., "address": ...}
    to: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    cc: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # {"name": ..., "address": ...}: who an answer should reach (the programme contact, or the
    # advisor for a visit), since the mail comes from a no-reply address; None: no Reply-To.
    reply_to: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="Attachment.id"
    )


class Attachment(Base):
    __tablename__ = "message_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    # None until the delivery makes it: ``made_from`` says from what (notifications.attachments).
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # What the content is made from when it was not stored with the message: "invoice-pdf" (the
    # PDF of the invoice this message carries, laid out from its stored HTML document); None:
    # the content was given when the message was queued.
    made_from: Mapped[str | None] = mapped_column(String(40), nullable=True)

    message: Mapped[Message] = relationship(back_populates="attachments")
