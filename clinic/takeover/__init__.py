"""Live takeover (issue 16, items 3-4): a staff member claims a conversation, the bot stays silent in it
(but for a crisis), the staff member's replies reach the patient, and "return to the bot" hands it back.

- `models.py`: `conversation_claims`, one row per claimed conversation (unique `sender_id`: two staff
  cannot hold one conversation);
- `claims.py`: claim, return, idle expiry (TAKEOVER_IDLE_MINUTES), in the database so every process
  and every restart sees the same state;
- `silence.py`: the Rasa server's side: a claimed conversation's message is stored, nothing answered;
- `relay.py`: the Rasa server's internal endpoint that stores a staff message in the tracker and sends it
  to the patient;
- `client.py`: the console's side of it, and the joined/returned notes (no Rasa import: the website
  never loads Rasa or TensorFlow);
- `sms_out.py`: a staff message to a texter by Twilio's REST API.
- `idle.py`: the Rasa server's thread that returns claims left idle to the bot, telling the patient.
The console's pages are `staff/takeover.py`.
"""
