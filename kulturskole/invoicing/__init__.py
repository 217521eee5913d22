"""Invoicing the participation fee: instalments, numbering, KID, documents, EHF."""
