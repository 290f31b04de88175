"""Patients' feedback (issue 17): a 👍 or 👎 after each FAQ answer in the website widget, with what they
were looking for after a 👎; by SMS, one optional rating of the whole chat.

- `models.py`: the `answer_feedback` table (schema: migrations/versions/0007_feedback_and_review.py);
- `store.py`: checking a feedback request against the conversation and recording it (once per answer:
  a second vote on the same answer replaces the first);
- `channel.py`: the Rasa server's `POST /webhooks/feedback/answer`, the widget's way in (credentials.yml),
  open from ALLOWED_ORIGINS only (clinic/cors.py), limited in size and rate;
- `ratings.py`: by SMS, one optional "Reply 1-5" at the end of a booking or a takeover (table
  `conversation_ratings`).
"""
