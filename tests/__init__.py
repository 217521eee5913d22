"""The tests: unit (no database), integration (SQLite and PostgreSQL), e2e (CLI, flows, demo).

Builders of rows and cases live in ``tests.builders``, test infrastructure (SMTP server, EHF
validator, CLI runner) in ``tests.support``; fixtures live in the conftest.py files.
"""
