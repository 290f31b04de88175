"""Alerts to the clinic when a handoff is logged: email (SMTP) and a signed HTTP webhook.

How an alert travels, done once however many action servers run:
1. `outbox.enqueue` writes one `alert_outbox` row per (handoff, event, channel) in the same
   transaction as the handoff itself (clinic.handoffs.service), so the alert is as durable as the
   handoff and exists before the patient is told. A crisis handoff also gets an `escalation` row,
   due ALERT_ESCALATE_MINUTES later.
2. `outbox.send_due` (run every few seconds by the action server, `alert_sender`, started from
   clinic.server; tests call it directly with their own clock) claims each due row with one
   conditional UPDATE (pending, not leased by another sender), sends it, and marks it sent; a
   failure is retried with exponential backoff, and its error is shown on the staff queue page.
   An escalation whose handoff staff have already moved on from `new` is dropped, not sent.

Notifications carry the reference, urgency, topics and a console link: never names, phone numbers,
email addresses or what the patient wrote.
"""
