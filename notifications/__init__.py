"""What is said to whom, and its delivery (templates, outbox, SMTP)."""
