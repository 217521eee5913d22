"""What is stored. Importing this package registers every table on ``Base.metadata``."""

from models.base import Base
from models.case import ROLES, Case, GroupMember, Person
from models.history import HistoryEntry
from models.invoice import INVOICE_KINDS, INVOICE_STATUSES, Invoice, InvoiceSeries
from models.message import MESSAGE_STATUSES, Attachment, Message
from models.municipality import Municipality
from models.programme import Programme, ProgrammeEvent

__all__ = [
    "INVOICE_KINDS",
    "INVOICE_STATUSES",
    "MESSAGE_STATUSES",
    "ROLES",
    "Attachment",
    "Base",
    "Case",
    "GroupMember",
    "HistoryEntry",
    "Invoice",
    "InvoiceSeries",
    "Message",
    "Municipality",
    "Person",
    "Programme",
    "ProgrammeEvent",
]
