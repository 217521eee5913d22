"""What the tests run against: the backends, the CLI runner, an SMTP server, an EHF validator."""
