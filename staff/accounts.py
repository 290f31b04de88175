"""Staff accounts: strong passwords hashed with Argon2, logins throttled in the database, an audit trail."""

import os
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from clinic.handoffs.models import utc_now
from staff.models import AuditEntry, LoginFailure, StaffUser

HASHER = PasswordHasher()
# Verified when the account does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not-a-real-password-only-for-timing")

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
_COMMON_WORDS = ("password", "passw0rd", "123456", "qwerty", "letmein", "welcome", "ketamine", "clinic", "admin")


class WeakPassword(ValueError):
    pass


class LoginLocked(Exception):
    """Too many recent failed logins for this account or from this address."""


def max_failures() -> int:
    return int(os.environ.get("STAFF_LOGIN_MAX_FAILURES", "5"))


def lockout_window() -> timedelta:
    return timedelta(minutes=int(os.environ.get("STAFF_LOGIN_LOCK_MINUTES", "15")))


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise ValueError(
            "The user name must be 2-100 characters: letters, digits and . _ @ - (starting with a letter or digit)."
        )
    return username


def check_password_strength(password: str, username: str = "") -> None:
    """Raises WeakPassword with the reason; passwords of 12+ characters mixing at least two kinds pass."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long (it has {len(password)}).")
    kinds = sum(bool(re.search(pattern, password)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if kinds < 2:
        raise WeakPassword("The password must mix at least two of: lower-case letters, capitals, digits, symbols.")
    if len(set(password)) < 5:
        raise WeakPassword("The password repeats too few different characters.")
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise WeakPassword("The password must not contain the user name.")
    for word in _COMMON_WORDS:
        if word in lowered and len(lowered.replace(word, "")) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(f"The password is built on a common word ({word!r}): choose a passphrase.")


def set_password(session: Session, username: str, password: str) -> bool:
    """Creates the account, or sets a new password on an existing one. Returns True when created."""
    username = check_username(username)
    check_password_strength(password, username)
    user = session.query(StaffUser).filter(StaffUser.username == username).one_or_none()
    created = user is None
    if created:
        user = StaffUser(username=username, active=True)
        session.add(user)
    user.password_hash = HASHER.hash(password)
    user.password_changed_at = utc_now()
    user.session_token = new_session_token()
    user.active = True
    session.query(LoginFailure).filter(LoginFailure.username == username).delete()
    audit(session, "cli", "account_created" if created else "password_set", username)
    return created


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


def end_sessions(session: Session, user_id: int) -> None:
    """Logout: every session of this account stops working, even a copied cookie."""
    user = session.get(StaffUser, user_id)
    if user is not None:
        user.session_token = new_session_token()


def is_locked(session: Session, username: str, ip: str) -> bool:
    since = utc_now() - lockout_window()
    recent = session.query(sa.func.count(LoginFailure.id)).filter(LoginFailure.at >= since)
    by_account = recent.filter(LoginFailure.username == username).scalar()
    by_address = recent.filter(LoginFailure.ip == ip).scalar()
    # An address may try a few accounts (a shared front desk), not many.
    return by_account >= max_failures() or by_address >= max_failures() * 4


@dataclass(frozen=True)
class LoginResult:
    user: Optional[StaffUser]
    locked: bool = False


def authenticate(session: Session, username: str, password: str, ip: str) -> LoginResult:
    """Checks the password unless the account or address is locked; records failures."""
    username = (username or "").strip()[:100]
    if is_locked(session, username, ip):
        audit(session, username or "?", "login_refused_locked", username, ip=ip)
        return LoginResult(None, locked=True)
    user = session.query(StaffUser).filter(StaffUser.username == username).one_or_none()
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        valid = user is not None and user.active
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        session.add(LoginFailure(username=username, ip=ip))
        session.query(LoginFailure).filter(LoginFailure.at < utc_now() - 2 * lockout_window()).delete()
        audit(session, username or "?", "login_failed", username, ip=ip)
        return LoginResult(None)
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    user.last_login_at = utc_now()
    user.session_token = user.session_token or new_session_token()
    session.query(LoginFailure).filter(LoginFailure.username == username).delete()
    audit(session, username, "login", username, ip=ip)
    return LoginResult(user)


def audit(session: Session, username: str, action: str, target: str = "", detail: str = "",
          ip: Optional[str] = None) -> None:
    session.add(AuditEntry(username=username, action=action, target=str(target)[:255], detail=detail, ip=ip))
