"""Alerts for new handoffs against a real SMTP server and a real webhook receiver (tests/support/alerts.py):
one per event, nothing personal in them, retried after an outage, escalated when a crisis waits,
never sent twice by concurrent senders."""

import json
import threading
from datetime import timedelta

import pytest

from clinic.alerts import outbox
from clinic.alerts.models import AlertOutbox
from clinic.db import session_scope, utc_now
from clinic.handoffs import kinds
from clinic.handoffs.models import Handoff
from clinic.handoffs.service import HandoffRequest, record_handoff
from clinic.takeover import claims
from staff import queue
from tests.support.alerts import SmtpServer, WebhookReceiver
from tests.support.staff_console import Console

SECRET = "webhook-test-secret"
CONSOLE = "https://clinic.example/staff"
NAME, PHONE, EMAIL, PREFERRED = "Sarah Jones", "+14155552671", "sarah@example.com", "weekday mornings"
PERSONAL = (NAME, "Sarah", PHONE, "4155552671", "555", EMAIL, PREFERRED, "unanswered question")


@pytest.fixture(autouse=True)
def spool_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_SPOOL_DIR", str(tmp_path / "spool"))


@pytest.fixture
def smtp():
    server = SmtpServer(username="alerts", password="p@ss word").start()
    yield server
    server.stop()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver(SECRET)
    yield receiver
    receiver.stop()


@pytest.fixture
def alerting(monkeypatch, smtp, webhook):
    monkeypatch.setenv("SMTP_URL", f"smtp://alerts:p%40ss%20word@127.0.0.1:{smtp.port}")
    monkeypatch.setenv("ALERT_EMAIL_FROM", "assistant@clinic.example")
    monkeypatch.setenv("ALERT_EMAIL_TO", "front-desk@clinic.example, nurse@clinic.example")
    monkeypatch.setenv("ALERT_ESCALATE_TO", "medical-director@clinic.example")
    monkeypatch.setenv("ALERT_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("ALERT_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("STAFF_CONSOLE_URL", CONSOLE)
    monkeypatch.delenv("ALERT_ESCALATE_MINUTES", raising=False)
    return smtp, webhook


def handoff(key: str, urgent: bool = False, kind: str = kinds.REQUEST) -> str:
    return HandoffRequest(
        idempotency_key=key, channel="rest", sender_id=f"sender-{key}", topics=["faq/boosters", "out_of_scope/cost"],
        reason=f"Asked to book a consultation; unanswered question: can I come, I'm {NAME}?", urgent=urgent,
        kind=kind, consent=True, name=NAME, phone=PHONE, email=EMAIL, preferred_time=PREFERRED)


def outbox_rows(url):
    with session_scope(url) as session:
        return [(row.event, row.channel, row.status) for row in session.query(AlertOutbox).order_by(AlertOutbox.id)]


def assert_nothing_personal(text: str) -> None:
    for detail in PERSONAL:
        assert detail not in text


def test_each_new_handoff_alerts_once_by_email_and_signed_webhook(migrated_database, alerting):
    smtp, webhook = alerting
    crisis = record_handoff(handoff("crisis:s1", urgent=True, kind=kinds.CRISIS), migrated_database).reference
    booking = record_handoff(handoff("booking:s2"), migrated_database).reference
    # Written with the handoffs, before anyone was told: the escalation waits for its time.
    assert sorted(outbox_rows(migrated_database)) == sorted(
        [("new_handoff", "email", "pending"), ("new_handoff", "webhook", "pending"),
         ("escalation", "email", "pending"), ("escalation", "webhook", "pending")]
        + [("new_handoff", "email", "pending"), ("new_handoff", "webhook", "pending")])
    assert record_handoff(handoff("booking:s2"), migrated_database).reference == booking  # a retried action

    assert outbox.send_due(migrated_database) == 4
    assert outbox.send_due(migrated_database) == 0  # nothing twice

    assert len(smtp.mails) == 2 and smtp.logins == ["alerts", "alerts"]
    urgent_mail = next(mail for mail in smtp.mails if crisis in mail.subject)
    assert urgent_mail.subject.startswith("URGENT: crisis handoff")
    assert urgent_mail.message["X-Priority"].startswith("1")
    assert urgent_mail.recipients == ["front-desk@clinic.example", "nurse@clinic.example"]
    assert urgent_mail.sender == "assistant@clinic.example"
    booking_mail = next(mail for mail in smtp.mails if booking in mail.subject)
    assert booking_mail.subject == f"New handoff {booking}" and booking_mail.message["X-Priority"] is None
    assert f"{CONSOLE}/queue#handoff-{booking}" in booking_mail.body
    assert "faq/boosters, out_of_scope/cost" in booking_mail.body

    assert len(webhook.posts) == 2 and all(post.signature_ok for post in webhook.posts)
    bodies = {post.json["reference"]: post.json for post in webhook.posts}
    assert bodies[crisis]["urgent"] is True and bodies[booking]["urgent"] is False
    assert bodies[crisis]["event"] == "new_handoff"
    assert bodies[crisis]["console_url"] == f"{CONSOLE}/queue#handoff-{crisis}"
    assert bodies[booking]["topics"] == ["faq/boosters", "out_of_scope/cost"]
    for text in [mail.raw.decode() for mail in smtp.mails] + [post.body.decode() for post in webhook.posts]:
        assert_nothing_personal(text)


def test_a_possible_crisis_alerts_once_saying_so_never_urgent_and_never_escalated(migrated_database, alerting):
    smtp, webhook = alerting
    reference = record_handoff(handoff("possible_crisis:s3", kind=kinds.POSSIBLE_CRISIS), migrated_database).reference
    assert sorted(outbox_rows(migrated_database)) == [("new_handoff", "email", "pending"),
                                                     ("new_handoff", "webhook", "pending")]
    assert outbox.send_due(migrated_database) == 2
    [mail] = smtp.mails
    assert mail.subject == f"Possible crisis, not confirmed: handoff {reference} - please read the conversation"
    assert mail.message["X-Priority"] is None
    assert "may be a sign of crisis" in mail.body and "crisis line (988)" in mail.body
    assert "asked for the clinic's staff" not in mail.body
    [post] = webhook.posts
    assert post.signature_ok and (post.json["kind"], post.json["urgent"]) == ("possible_crisis", False)
    assert_nothing_personal(mail.raw.decode() + post.body.decode())


def test_a_failed_email_is_retried_with_backoff_shown_on_the_queue_page_and_sent_once(migrated_database, alerting):
    smtp, webhook = alerting
    smtp.stop()
    reference = record_handoff(handoff("booking:down"), migrated_database).reference
    now = utc_now()
    assert outbox.send_due(migrated_database, now=now) == 1  # the webhook went; the email did not
    with session_scope(migrated_database) as session:
        [failed] = outbox.undelivered(session)
    assert (failed.reference, failed.channel, failed.attempts) == (reference, "email", 1)
    assert "ConnectionRefusedError" in failed.last_error
    assert failed.next_try == now + timedelta(seconds=30)
    console = Console(migrated_database)
    page = console.browser(console.account("alice")).get("/staff/queue").get_data(as_text=True)
    assert "Alerts not delivered yet (1)" in page and "new handoff by email" in page
    assert "ConnectionRefusedError" in page

    smtp.start()
    assert outbox.send_due(migrated_database, now=now + timedelta(seconds=10)) == 0  # not before its time
    assert smtp.mails == []
    assert outbox.send_due(migrated_database, now=now + timedelta(seconds=31)) == 1
    assert outbox.send_due(migrated_database, now=now + timedelta(minutes=30)) == 0
    assert [mail.subject for mail in smtp.mails] == [f"New handoff {reference}"]
    assert len(webhook.posts) == 1
    with session_scope(migrated_database) as session:
        assert outbox.undelivered(session) == []
    assert "Alerts not delivered" not in console.browser("alice").get("/staff/queue").get_data(as_text=True)


def test_retries_back_off_to_fifteen_minutes():
    assert [outbox.retry_delay(n).total_seconds() for n in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]


def test_a_crisis_handoff_left_new_escalates_once_also_to_the_escalation_address(migrated_database, alerting,
                                                                                  monkeypatch):
    smtp, webhook = alerting
    monkeypatch.setenv("ALERT_ESCALATE_MINUTES", "10")
    waiting = record_handoff(handoff("crisis:waiting", urgent=True), migrated_database).reference
    taken = record_handoff(handoff("crisis:taken", urgent=True), migrated_database).reference
    with session_scope(migrated_database) as session:
        created = session.query(Handoff.created_at).filter(Handoff.reference == waiting).scalar()
    assert outbox.send_due(migrated_database, now=created + timedelta(seconds=1)) == 4
    with session_scope(migrated_database) as session:
        taken_id = session.query(Handoff.id).filter(Handoff.reference == taken).scalar()
        queue.change_status(session, taken_id, "new", "contacted", "alice")

    assert outbox.send_due(migrated_database, now=created + timedelta(minutes=9, seconds=50)) == 0
    assert outbox.send_due(migrated_database, now=created + timedelta(minutes=10, seconds=1)) == 2
    assert outbox.send_due(migrated_database, now=created + timedelta(hours=1)) == 0

    [escalation] = smtp.mails[2:]
    assert escalation.subject == f"URGENT, unclaimed for 10 min: crisis handoff {waiting}"
    assert escalation.recipients == ["front-desk@clinic.example", "nurse@clinic.example",
                                     "medical-director@clinic.example"]
    assert [post.json["event"] for post in webhook.posts[2:]] == ["escalation"]
    assert webhook.posts[2].json["reference"] == waiting
    assert_nothing_personal(escalation.raw.decode())
    assert ("escalation", "email", "dropped") in outbox_rows(migrated_database)


def test_a_crisis_conversation_a_staff_member_has_taken_over_does_not_escalate(migrated_database, alerting,
                                                                                monkeypatch):
    smtp, webhook = alerting
    monkeypatch.setenv("ALERT_ESCALATE_MINUTES", "10")
    reference = record_handoff(handoff("crisis:talking", urgent=True), migrated_database).reference
    with session_scope(migrated_database) as session:
        created, sender_id = session.query(Handoff.created_at, Handoff.sender_id).filter(
            Handoff.reference == reference).one()
        claims.claim(session, sender_id, "alice", now=created + timedelta(minutes=2))
    assert outbox.send_due(migrated_database, now=created + timedelta(seconds=1)) == 2  # the new handoff's
    assert outbox.send_due(migrated_database, now=created + timedelta(minutes=10, seconds=1)) == 0
    assert ("escalation", "email", "dropped") in outbox_rows(migrated_database)
    assert [post.json["event"] for post in webhook.posts] == ["new_handoff"]


def test_nothing_is_queued_while_alerts_are_not_configured(migrated_database, monkeypatch):
    for name in ("SMTP_URL", "ALERT_EMAIL_TO", "ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "http://127.0.0.1:9/never")  # without a secret: never posted unsigned
    record_handoff(handoff("crisis:quiet", urgent=True), migrated_database)
    assert outbox_rows(migrated_database) == []


def test_with_only_an_escalation_address_only_escalations_are_emailed(migrated_database, monkeypatch, smtp):
    for name in ("ALERT_EMAIL_TO", "ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMTP_URL", smtp.url)
    monkeypatch.setenv("ALERT_ESCALATE_TO", "medical-director@clinic.example")
    record_handoff(handoff("crisis:director", urgent=True), migrated_database)
    record_handoff(handoff("booking:director"), migrated_database)
    assert outbox_rows(migrated_database) == [("escalation", "email", "pending")]
    assert outbox.send_due(migrated_database, now=utc_now() + timedelta(minutes=11)) == 1
    assert [mail.recipients for mail in smtp.mails] == [["medical-director@clinic.example"]]


def test_concurrent_senders_never_send_one_alert_twice(migrated_database, monkeypatch, smtp):
    # A slow receiver keeps each send open while the other senders look for work.
    slow = WebhookReceiver(SECRET, delay_seconds=0.05)
    monkeypatch.setenv("SMTP_URL", smtp.url)
    monkeypatch.setenv("ALERT_EMAIL_TO", "front-desk@clinic.example")
    monkeypatch.setenv("ALERT_WEBHOOK_URL", slow.url)
    monkeypatch.setenv("ALERT_WEBHOOK_SECRET", SECRET)
    try:
        references = [record_handoff(handoff(f"booking:c{n}"), migrated_database).reference for n in range(8)]
        start = threading.Barrier(4)
        sent = []

        def sender():
            start.wait()
            sent.append(outbox.send_due(migrated_database))

        threads = [threading.Thread(target=sender) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        slow.stop()
    assert sum(sent) == 16
    assert sorted(json.loads(post.body)["reference"] for post in slow.posts) == sorted(references)
    assert sorted(mail.subject for mail in smtp.mails) == sorted(f"New handoff {r}" for r in references)


def test_email_goes_over_starttls_when_the_server_offers_it_and_never_to_an_untrusted_server(
        migrated_database, monkeypatch, tmp_path):
    from tests.support.production import self_signed_certificate

    cert, key = self_signed_certificate(tmp_path / "tls")
    server = SmtpServer(username="alerts", password="secret", certificate=(cert, key)).start()
    monkeypatch.setenv("SMTP_URL", f"smtp://alerts:secret@localhost:{server.port}")
    monkeypatch.setenv("ALERT_EMAIL_TO", "front-desk@clinic.example")
    for name in ("ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    try:
        reference = record_handoff(handoff("booking:tls"), migrated_database).reference
        now = utc_now()
        # The certificate is not trusted yet: nothing is sent in the clear instead, the alert waits.
        assert outbox.send_due(migrated_database, now=now) == 0
        with session_scope(migrated_database) as session:
            [failed] = outbox.undelivered(session)
        assert "CERTIFICATE_VERIFY_FAILED" in failed.last_error and server.mails == []

        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the clinic's trust store knows the server
        assert outbox.send_due(migrated_database, now=now + timedelta(minutes=1)) == 1
        [mail] = server.mails
        assert mail.tls and mail.subject == f"New handoff {reference}" and server.logins == ["alerts"]
    finally:
        server.stop()


def test_the_smtp_password_is_never_sent_unencrypted_to_another_machine(migrated_database, alerting, monkeypatch):
    from clinic.alerts import transports

    smtp, _ = alerting
    monkeypatch.setattr(transports, "LOOPBACK", set())  # as if the server were another machine
    record_handoff(handoff("booking:plain"), migrated_database)
    assert outbox.send_due(migrated_database) == 1  # the webhook only
    with session_scope(migrated_database) as session:
        [failed] = outbox.undelivered(session)
    assert "offers no STARTTLS" in failed.last_error
    assert smtp.logins == [] and smtp.mails == []
