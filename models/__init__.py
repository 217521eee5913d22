"""What is stored. Importing this package registers every table on ``Base.metadata``."""

from models.base import Base
from models.case import ROLES, Case, GroupMember, Person
from models.history import HistoryEntry
from models.invoice import INVOICE_KINDS, INVOICE_STATUSES, Invoice, InvoiceSeries
from models.message import MESSAGE_STATUSES, Attachment, Message
from models.municipality import Municipality
from models.programme import Programme, ProgrammeEvent
from models.visit import BLOCK_SCOPES, VISIT_MODES, VISIT_STATUSES, Advisor, BlockedPeriod, Visit

__all__ = [
    "BLOCK_SCOPES",
    "INVOICE_KINDS",
    "INVOICE_STATUSES",
    "MESSAGE_STATUSES",
    "ROLES",
    "VISIT_MODES",
    "VISIT_STATUSES",
    "Advisor",
    "Attachment",
    "BlockedPeriod",
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
    "Visit",
]
