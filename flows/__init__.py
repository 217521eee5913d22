"""Prefect flows: in which order things happen to cases, and when.

A flow calls service functions; it holds no business rule. Domain code never imports Prefect.
"""
