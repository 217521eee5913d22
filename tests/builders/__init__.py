"""Builders: programmes, cases, invoices and visits made through the functions users call."""
