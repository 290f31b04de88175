"""Handoffs to the clinic's staff: booking requests, staff requests and crisis escalations.

`service.record_handoff` is the one way to create one; it is durable before it returns (written to
the database, or, when the database is unavailable, to a local spool that is retried until written).
"""
