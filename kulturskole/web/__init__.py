"""The administrators' web console: a second door to the same services as the CLI.

Pages read through ``kulturskole.read``; actions call the same services the CLI calls, with the
logged-in person as the actor. No business rule lives in a route. The interface is in Norwegian
bokmål; code and URLs are in English.
"""
