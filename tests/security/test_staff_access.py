"""Staff console access as an attacker or a careless colleague would try it: roles, deactivated
accounts, idle and total session limits, session fixation, what the audit trail records and shows.
The real website (its app factory) on a real database, SQLite and PostgreSQL."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from clinic.db import session_scope
from staff import accounts, auth
from staff.models import AuditEntry, StaffUser
from tests.handoff_db import migrate
from tests.support.database import add_handoff, save_conversation
from tests.support.make_run import make_target
from tests.support.staff_console import Console, csrf_token, log_in

COOKIE = "clinic_staff_session"


def audit(url, action):
    with session_scope(url) as session:
        return [(a.username, a.target, a.detail) for a in
                session.query(AuditEntry).filter(AuditEntry.action == action).order_by(AuditEntry.id)]


def admin_only_requests(client, url):
    """Every request only an administrator may make, with a valid CSRF token."""
    token = csrf_token(client, "/staff/queue")
    with session_scope(url) as session:
        other = session.query(StaffUser).filter(StaffUser.username == "other.person").one().id
    return {
        "audit trail": client.get("/staff/audit"),
        "accounts page": client.get("/staff/accounts"),
        "change an account": client.post(f"/staff/accounts/{other}", data={
            "csrf_token": token, f"u{other}-role": "admin", f"u{other}-active": "1"}),
        "export all handoffs": client.post("/staff/export/handoffs.csv", data={"csrf_token": token}),
        "export all transcripts": client.post("/staff/export/transcripts.csv", data={"csrf_token": token}),
    }


def test_an_account_from_before_the_upgrade_becomes_admin_and_logs_in_as_before(empty_database):
    migrate(empty_database, "0003_staff_console")
    engine = sa.create_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO staff_users (username, password_hash, active, created_at, password_changed_at, "
            "session_token) VALUES ('old.hand', :hash, :active, :now, :now, 'old-token')"),
            {"hash": accounts.HASHER.hash(Console.PASSWORD), "active": True, "now": datetime(2026, 11, 30)})
    engine.dispose()
    migrate(empty_database)
    console = Console(empty_database)
    assert console.browser("old.hand").get("/staff/audit").status_code == 200
    with session_scope(empty_database) as session:
        assert session.query(StaffUser).one().role == "admin"
    console.account("new.hire")  # created after the upgrade: staff
    assert console.browser("new.hire").get("/staff/audit").status_code == 403


def test_a_staff_account_gets_403_where_only_administrators_may_go(console):
    console.account("ann.admin", "admin")
    console.account("sam.staff")
    console.account("other.person")
    staff = console.browser("sam.staff")
    refused = admin_only_requests(staff, console.url)
    assert {what: r.status_code for what, r in refused.items()} == {what: 403 for what in refused}
    with session_scope(console.url) as session:
        assert session.query(StaffUser).filter(StaffUser.username == "other.person").one().role == "staff"
    queue = staff.get("/staff/queue").get_data(as_text=True)
    assert "Audit trail" not in queue and "Accounts" not in queue and "Export all handoffs" not in queue
    # What staff may do: the queue, the conversations, one transcript's export.
    assert staff.get("/staff/conversations").status_code == 200
    assert staff.post("/staff/export/transcripts.csv", data={
        "csrf_token": csrf_token(staff, "/staff/queue"), "sender_id": "someone"}).status_code == 200

    admin = console.browser("ann.admin")
    allowed = admin_only_requests(admin, console.url)
    assert allowed.pop("change an account").status_code == 303
    assert {what: r.status_code for what, r in allowed.items()} == {what: 200 for what in allowed}
    with session_scope(console.url) as session:
        assert session.query(StaffUser).filter(StaffUser.username == "other.person").one().role == "admin"


def test_make_staff_user_sets_roles_and_disable_logs_a_live_session_out(console):
    env = {"DATABASE_URL": console.url, "STAFF_PASSWORD": console.PASSWORD}
    created = make_target("staff-user", "USER=nora", env=env)
    assert created.returncode == 0 and "(role: staff)" in created.stdout, created.stderr
    assert "(role: admin)" in make_target("staff-user", "USER=ada", "ROLE=admin", env=env).stdout
    refused = make_target("staff-user", "USER=nora", "ROLE=root", env=env)
    assert refused.returncode != 0 and "The role must be one of: admin, staff" in refused.stderr

    nora = console.browser("nora")
    assert nora.get("/staff/audit").status_code == 403
    # Promoted without a new password: effective at her next request.
    promoted = make_target("staff-user", "USER=nora", "ROLE=admin", env={**env, "STAFF_PASSWORD": None})
    assert promoted.returncode == 0, promoted.stderr
    assert nora.get("/staff/audit").status_code == 200

    disabled = make_target("staff-user", "USER=nora", "DISABLE=1", env={**env, "STAFF_PASSWORD": None})
    assert disabled.returncode == 0 and "disabled" in disabled.stdout, disabled.stderr
    response = nora.get("/staff/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")
    assert log_in(console.app.test_client(), "nora", console.PASSWORD).status_code == 401
    assert ("cli", "nora", "") in audit(console.url, "account_disabled")
    assert [detail for *_, detail in audit(console.url, "login_failed")] == ["account disabled"]


def test_an_administrator_disabling_an_account_on_the_page_ends_its_sessions(console):
    console.account("ann.admin", "admin")
    console.account("sam.staff")
    sam_at_desk, sam_on_laptop = console.browser("sam.staff"), console.browser("sam.staff")
    admin = console.browser("ann.admin")
    with session_scope(console.url) as session:
        sam = session.query(StaffUser).filter(StaffUser.username == "sam.staff").one().id
    response = admin.post(f"/staff/accounts/{sam}", data={
        "csrf_token": csrf_token(admin, "/staff/accounts"), f"u{sam}-role": "staff", f"u{sam}-active": "0"},
        follow_redirects=True)
    assert "sam.staff: staff, disabled" in response.get_data(as_text=True)
    for browser in (sam_at_desk, sam_on_laptop):
        assert browser.get("/staff/queue").status_code == 302
    assert ("ann.admin", "sam.staff", "") in audit(console.url, "account_disabled")


@pytest.fixture
def clock(monkeypatch):
    """The console's clock, moved on by the test instead of waiting."""
    real = auth.utc_now
    offset = {"by": timedelta(0)}
    monkeypatch.setattr(auth, "utc_now", lambda: real() + offset["by"])

    def advance(**delta):
        offset["by"] += timedelta(**delta)

    return advance


def test_a_session_ends_after_the_idle_limit_without_activity(console, clock, monkeypatch):
    monkeypatch.setenv("STAFF_IDLE_MINUTES", "15")
    console.account("sam.staff")
    browser = console.browser("sam.staff")
    clock(minutes=14)
    assert browser.get("/staff/queue").status_code == 200  # activity: the 15 minutes start again
    clock(minutes=14)
    assert browser.get("/staff/queue").status_code == 200
    clock(minutes=16)
    response = browser.get("/staff/queue", follow_redirects=True)
    assert response.request.path == "/staff/login"
    assert "Your session has ended (15 minutes without activity)" in response.get_data(as_text=True)
    clock(minutes=-16)  # the cookie is dead for good, whatever the clock says
    assert browser.get("/staff/queue").status_code == 302
    assert audit(console.url, "session_ended") == [("sam.staff", "sam.staff", "15 minutes without activity")]


def test_a_session_ends_after_its_total_limit_however_active(console, clock, monkeypatch):
    monkeypatch.setenv("STAFF_SESSION_HOURS", "8")
    console.account("sam.staff")
    browser = console.browser("sam.staff")
    for _ in range(8 * 6 - 1):  # a request every 10 minutes for 7 h 50 min
        clock(minutes=10)
        assert browser.get("/staff/queue").status_code == 200
    clock(minutes=11)
    response = browser.get("/staff/queue", follow_redirects=True)
    assert response.request.path == "/staff/login"
    assert "8 hours since the login" in response.get_data(as_text=True)


def test_the_session_is_new_at_every_login_and_a_planted_cookie_gets_nothing(console):
    console.account("sam.staff")
    victim = console.app.test_client()
    csrf_token(victim)  # the login page: an anonymous session cookie, which an attacker could plant
    planted = victim.get_cookie(COOKIE).value
    assert log_in(victim, "sam.staff", console.PASSWORD).status_code == 302
    first = victim.get_cookie(COOKIE).value
    assert first != planted
    attacker = console.app.test_client()
    attacker.set_cookie(COOKIE, planted)
    assert attacker.get("/staff/queue").status_code == 302

    victim.post("/staff/logout", data={"csrf_token": csrf_token(victim, "/staff/queue")})
    assert log_in(victim, "sam.staff", console.PASSWORD).status_code == 302
    second = victim.get_cookie(COOKIE).value
    assert second not in (first, planted)
    thief = console.app.test_client()
    thief.set_cookie(COOKIE, first)  # a cookie of the earlier login
    assert thief.get("/staff/queue").status_code == 302
    assert victim.get("/staff/queue").status_code == 200


def test_a_password_typed_as_a_user_name_never_reaches_the_audit_page(console):
    console.account("ann.admin", "admin")
    typed = "Blue-kettle-morning-42"  # a password, typed in the user name field by mistake
    for _ in range(2):
        assert log_in(console.app.test_client(), typed, "whatever-else-1").status_code == 401
    page = console.browser("ann.admin").get("/staff/audit").get_data(as_text=True)
    assert typed not in page and "(unknown user)" in page
    with session_scope(console.url) as session:
        stored = " ".join(f"{a.username} {a.target} {a.detail}" for a in session.query(AuditEntry))
    assert typed not in stored
    assert audit(console.url, "login_failed") == [("(unknown user)", "(unknown user)", "")] * 2


def test_opening_a_transcript_searching_and_exporting_are_audited(console):
    console.account("ann.admin", "admin")
    save_conversation(console.url, "patient-7", [(0, "how long does one infusion take?")])
    admin = console.browser("ann.admin")
    assert "how long does one infusion take?" in admin.get("/staff/conversations/patient-7").get_data(as_text=True)
    assert admin.get("/staff/search?q=infusion").status_code == 200
    token = csrf_token(admin, "/staff/queue")
    assert admin.post("/staff/export/transcripts.csv", data={"csrf_token": token}).status_code == 200
    assert admin.post("/staff/export/handoffs.csv", data={"csrf_token": token}).status_code == 200
    assert audit(console.url, "view_transcript") == [("ann.admin", "patient-7", "2 messages")]
    assert audit(console.url, "search") == [("ann.admin", "text", "1 messages, 0 handoffs, 0 conversations")]
    assert audit(console.url, "export_transcripts") == [("ann.admin", "all conversations", "2 rows")]
    assert audit(console.url, "export_handoffs") == [("ann.admin", "handoffs.csv", "0 rows")]


def close(client, handoff_id):
    return client.post(f"/staff/handoffs/{handoff_id}/status", data={
        "csrf_token": csrf_token(client, "/staff/queue"), f"h{handoff_id}-from_status": "new",
        f"h{handoff_id}-to_status": "closed"}, follow_redirects=True)


def test_only_an_administrator_closes_an_urgent_handoff(console):
    from clinic.handoffs.models import Handoff

    console.account("ann.admin", "admin")
    console.account("sam.staff")
    add_handoff(console.url, "URG-001", 0, "new", urgent=True)
    add_handoff(console.url, "ORD-001", 0, "new")
    with session_scope(console.url) as session:
        ids = {h.reference: h.id for h in session.query(Handoff)}
    staff = console.browser("sam.staff")
    refused = close(staff, ids["URG-001"]).get_data(as_text=True)
    assert "Only an administrator can close an urgent (crisis) handoff" in refused
    assert "is now closed" in close(staff, ids["ORD-001"]).get_data(as_text=True)  # an ordinary one: staff may
    with session_scope(console.url) as session:
        assert {h.reference: h.status for h in session.query(Handoff)} == {"URG-001": "new", "ORD-001": "closed"}
    assert "is now closed" in close(console.browser("ann.admin"), ids["URG-001"]).get_data(as_text=True)
    with session_scope(console.url) as session:
        assert session.query(Handoff).filter(Handoff.reference == "URG-001").one().status == "closed"
