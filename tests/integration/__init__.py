"""Integration tests: the service layer against a real database, SQLite and PostgreSQL."""
