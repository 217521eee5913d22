"""What is stored. Importing this package registers every table on ``Base.metadata``."""

from models.base import Base
from models.case import ROLES, Case, GroupMember, Person
from models.delivery import DELIVERY_CHANNELS, DELIVERY_STATUSES, InvoiceDelivery
from models.history import HistoryEntry
from models.invoice import INVOICE_KINDS, INVOICE_STATUSES, Invoice, InvoiceSeries
from models.message import MESSAGE_STATUSES, Attachment, Message
from models.municipality import Municipality
from models.obligation import BREACH_STATUSES, DELIVERABLES, Attendance, Breach, Deliverable
from models.payment import Payment
from models.programme import Programme, ProgrammeEvent
from models.run_record import RunRecord
from models.user import USER_ROLES, User
from models.visit import BLOCK_SCOPES, VISIT_MODES, VISIT_STATUSES, Advisor, BlockedPeriod, Visit

__all__ = [
    "BLOCK_SCOPES",
    "BREACH_STATUSES",
    "DELIVERABLES",
    "DELIVERY_CHANNELS",
    "DELIVERY_STATUSES",
    "INVOICE_KINDS",
    "INVOICE_STATUSES",
    "MESSAGE_STATUSES",
    "USER_ROLES",
    "ROLES",
    "VISIT_MODES",
    "VISIT_STATUSES",
    "Advisor",
    "Attachment",
    "Attendance",
    "BlockedPeriod",
    "Breach",
    "Base",
    "Case",
    "Deliverable",
    "GroupMember",
    "HistoryEntry",
    "Invoice",
    "InvoiceDelivery",
    "InvoiceSeries",
    "Message",
    "Municipality",
    "Payment",
    "Person",
    "Programme",
    "ProgrammeEvent",
    "RunRecord",
    "User",
    "Visit",
]
from models.invoicing_details import InvoicingDetails  # noqa: E402, F401  (registers the table)
from models.payment_reminder import MAX_PAYMENT_REMINDERS, PaymentReminder  # noqa: E402
from models.refund import REFUND_STATUSES, Refund  # noqa: E402

__all__ += ["MAX_PAYMENT_REMINDERS", "REFUND_STATUSES", "PaymentReminder", "Refund"]
from models.contract import (  # noqa: E402
    CONTRACT_MEETING_STATUSES,
    ContractMeeting,
    SignedContract,
)

__all__ += ["CONTRACT_MEETING_STATUSES", "ContractMeeting", "SignedContract"]
