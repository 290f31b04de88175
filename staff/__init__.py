"""The staff console: clinic staff review conversations, work the handoff queue and see what the bot
could not answer. A Flask blueprint mounted by `web.app` under `/staff`; it shares the handoff models
and database sessions of `clinic.handoffs` and reads Rasa's tracker store table directly.
"""
