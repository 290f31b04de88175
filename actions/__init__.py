"""Custom actions, one module per concern; `rasa run actions` loads every module of this package.

Importing it does no work: the retry of spooled handoffs is started by the action server's entry
point (`python -m clinic.server run actions`, clinic.server).
"""
