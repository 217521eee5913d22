"""What may happen to a case, and why not: the shared state machine and its conditions."""
