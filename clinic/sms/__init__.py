"""SMS: what the Twilio channel and the actions share (senders, opt-outs, replies shaped for SMS)."""
