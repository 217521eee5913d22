"""The service layer: one function per business action, run inside a unit of work."""
