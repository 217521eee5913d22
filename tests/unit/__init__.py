"""Unit tests: no database, no Prefect, no processes; they run in seconds."""
