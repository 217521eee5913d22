"""Obligations: attendance, deliverables, rules, breaches and termination decisions."""
