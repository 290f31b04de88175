"""After the retention period nothing joins a purged conversation back to a phone number: SMS numbers
that did not opt out go with their conversations, and finished handoffs lose their conversation id.
`make purge-conversations` as the clinic runs it, on SQLite and PostgreSQL."""

from datetime import timedelta

from clinic.db import session_scope, utc_now
from clinic.handoffs.models import Handoff
from clinic.sms.models import SmsSender
from clinic.sms.store import sender_id_for
from staff.retention import REDACTED_SENDER
from tests.support.database import add_handoff, save_conversation
from tests.support.make_run import make_target

GONE, OPTED_OUT, TALKING = "+14155550101", "+14155550102", "+14155550103"


def add_sender(url, phone, opted_out, days_ago):
    with session_scope(url) as session:
        session.add(SmsSender(sender_id=sender_id_for(phone), phone=phone, opted_out=opted_out, last_options="[]",
                              updated_at=utc_now() - timedelta(days=days_ago)))


def test_purge_forgets_numbers_without_conversation_or_opt_out_and_redacts_sender_ids(console):
    url = console.url
    for phone, opted_out in ((GONE, False), (OPTED_OUT, True), (TALKING, False)):
        add_sender(url, phone, opted_out, 100)
        recent = [(1, "a question yesterday")] if phone == TALKING else []
        save_conversation(url, sender_id_for(phone), [(100, "an old question"), *recent])
    add_handoff(url, "OLD-CLO", 100, "closed", sender_id=sender_id_for(GONE))
    add_handoff(url, "OLD-NEW", 100, "new", sender_id=sender_id_for(TALKING))
    add_handoff(url, "WAS-RED", 400, "booked", sender_id=sender_id_for(OPTED_OUT))
    with session_scope(url) as session:  # redacted by the purge of an earlier version: sender id kept
        session.query(Handoff).filter(Handoff.reference == "WAS-RED").update(
            {"name": None, "phone": None, "email": None, "redacted_at": utc_now() - timedelta(days=30)})

    result = make_target("purge-conversations", "DAYS=30", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "1 SMS number(s) deleted" in result.stdout and "1 finished handoff(s) redacted" in result.stdout

    with session_scope(url) as session:
        assert {s.phone for s in session.query(SmsSender)} == {OPTED_OUT, TALKING}
        handoffs = {h.reference: h for h in session.query(Handoff)}
        assert handoffs["OLD-CLO"].sender_id == REDACTED_SENDER and handoffs["OLD-CLO"].phone is None
        assert handoffs["WAS-RED"].sender_id == REDACTED_SENDER
        assert handoffs["OLD-NEW"].sender_id == sender_id_for(TALKING)  # open: kept whole
        assert handoffs["OLD-CLO"].channel == "rest" and handoffs["OLD-CLO"].topics == "faq/dose"

    console.account("ann.admin", "admin")
    admin = console.browser("ann.admin")
    queue = admin.get("/staff/queue?view=all").get_data(as_text=True)
    row = queue[queue.index('id="handoff-OLD-CLO"'):]
    assert "/staff/conversations/" not in row[:row.index("</tr>")]  # no link to a conversation that is gone
    found = admin.get("/staff/search?q=415-555-0101").get_data(as_text=True)
    assert sender_id_for(GONE) not in found and "OLD-CLO" not in found
