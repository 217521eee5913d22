"""End-to-end tests: the CLI, the Prefect flows, the production path, the demo, the README."""
