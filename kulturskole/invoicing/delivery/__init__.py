"""Handing EHF documents to an access point: one interface, :class:`AccessPoint`, and its
adapters, a folder drop (:class:`FolderDrop`) and an access point's REST API
(:class:`HttpAccessPoint`). ``send`` hands a document over; ``status`` asks what became of one
handed over. Nothing here touches the database: the caller stores the receipt.
"""

from kulturskole.invoicing.delivery.configured import (
    AccessPointNotConfigured,
    configured_access_point,
)
from kulturskole.invoicing.delivery.document import (
    CHANNEL,
    CREDIT_NOTE_DOCUMENT_TYPE,
    INVOICE_DOCUMENT_TYPE,
    PROCESS_ID,
    AccessPoint,
    DeliveryUnavailable,
    Receipt,
    UblDocument,
    participant_id,
)
from kulturskole.invoicing.delivery.folder import (
    MANIFEST,
    RECEIPTS,
    DocumentConflict,
    FolderDrop,
)
from kulturskole.invoicing.delivery.rest import HttpAccessPoint

__all__ = [
    "CHANNEL",
    "CREDIT_NOTE_DOCUMENT_TYPE",
    "INVOICE_DOCUMENT_TYPE",
    "MANIFEST",
    "PROCESS_ID",
    "RECEIPTS",
    "AccessPoint",
    "AccessPointNotConfigured",
    "DeliveryUnavailable",
    "DocumentConflict",
    "FolderDrop",
    "HttpAccessPoint",
    "Receipt",
    "UblDocument",
    "configured_access_point",
    "participant_id",
]
