"""Staff accounts: `make staff-user` refuses weak passwords and stores Argon2 hashes; failed logins lock."""

import pytest

from clinic.db import session_scope
from staff import accounts
from staff.models import AuditEntry, StaffUser
from tests.support.make_run import make_target
from tests.support.seed import STAFF_PASSWORD, STAFF_USER
from tests.support.staff_console import csrf_token, log_in


def make_staff_user(database_url, password, *user_args):
    return make_target("staff-user", *user_args, env={"DATABASE_URL": database_url, "STAFF_PASSWORD": password})


def users(url):
    with session_scope(url) as session:
        return {u.username: u.password_hash for u in session.query(StaffUser)}


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Short-1", "at least 12 characters"),
        ("alllowercaseletters", "mix at least two"),
        ("123456789012345", "mix at least two"),
        ("aaaaaaAAAAAA", "too few different characters"),
        ("Password12345", "common word"),
        ("dr.jones-Secret-42", "must not contain the user name"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    with pytest.raises(accounts.WeakPassword, match=reason):
        accounts.check_password_strength(password, "dr.jones")


def test_make_staff_user_migrates_refuses_weak_and_creates_with_an_argon2_hash(empty_database):
    refused = make_staff_user(empty_database, "password", "USER=maria")
    assert refused.returncode != 0 and "Refused: The password must be at least 12 characters" in refused.stderr
    assert "STAFF_PASSWORD" in make_staff_user(empty_database, None, "USER=maria").stderr
    created = make_staff_user(empty_database, "Blue-kettle-morning-42", "USER=maria")
    assert created.returncode == 0, created.stderr
    assert "Staff account 'maria' created" in created.stdout
    hashes = users(empty_database)
    assert list(hashes) == ["maria"] and hashes["maria"].startswith("$argon2id$")
    assert "Blue-kettle-morning-42" not in hashes["maria"]
    # Again: a new password for the same account (how an administrator resets one).
    again = make_staff_user(empty_database, "Green-teapot-evening-17", "USER=maria")
    assert again.returncode == 0 and "updated with the new password" in again.stdout
    assert users(empty_database)["maria"] != hashes["maria"]


def test_make_staff_user_wants_the_user_name_on_the_command_line(tmp_path):
    # Not the shell's own $USER.
    result = make_staff_user(f"sqlite:///{tmp_path / 'clinic.db'}", STAFF_PASSWORD)
    assert result.returncode != 0 and "Usage: STAFF_PASSWORD=... make staff-user USER=name" in result.stderr


def test_repeated_failed_logins_lock_the_account_even_for_the_right_password(app, filled):
    with session_scope(filled.url) as session:
        accounts.set_password(session, "locked.user", STAFF_PASSWORD)
    client = app.test_client()
    for _ in range(accounts.max_failures()):
        assert log_in(client, "locked.user", "wrong-password-123").status_code == 401
    response = log_in(client, "locked.user", STAFF_PASSWORD)
    assert response.status_code == 429 and "Too many failed logins" in response.get_data(as_text=True)
    assert client.get("/staff/queue").status_code == 302
    with session_scope(filled.url) as session:
        actions = [a.action for a in session.query(AuditEntry).filter(AuditEntry.target == "locked.user")]
    assert actions.count("login_failed") == accounts.max_failures() and "login_refused_locked" in actions
    # Another account is not locked by it.
    assert log_in(app.test_client(), STAFF_USER, STAFF_PASSWORD).status_code == 302


def test_many_failures_from_one_address_lock_that_address_only(app, filled):
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for attempt in range(accounts.max_failures() * 4):
        log_in(attacker, f"guess-{attempt}", "wrong-password-123")
    assert log_in(attacker, STAFF_USER, STAFF_PASSWORD).status_code == 429  # even the right account and password, from there
    assert log_in(app.test_client(), STAFF_USER, STAFF_PASSWORD).status_code == 302


def test_the_session_cookie_can_be_made_secure(monkeypatch, filled):
    from web.app import create_app

    monkeypatch.setenv("STAFF_COOKIE_SECURE", "true")
    app = create_app(database_url=filled.url)
    client = app.test_client()
    response = client.post("/staff/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/staff/login"},
                           data={"username": "alice.staff", "password": STAFF_PASSWORD,
                                 "csrf_token": csrf_token(client)})
    assert "Secure" in response.headers.get("Set-Cookie", "")


def test_a_short_secret_key_is_refused_and_the_dev_key_is_kept_in_a_file(monkeypatch, tmp_path):
    from staff.web import secret_key

    monkeypatch.setenv("STAFF_SECRET_KEY", "too-short")
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        secret_key(tmp_path / "key")
    monkeypatch.delenv("STAFF_SECRET_KEY")
    first = secret_key(tmp_path / "key")
    assert len(first) == 64 and secret_key(tmp_path / "key") == first
    assert oct((tmp_path / "key").stat().st_mode & 0o777) == "0o600"
