"""Staff accounts: strong passwords hashed with Argon2, roles, deactivation, logins throttled in the
database, an audit trail."""

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from clinic.db import utc_now
from staff.models import AuditEntry, LoginFailure, StaffSession, StaffUser

HASHER = PasswordHasher()
# Verified when the account does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not-a-real-password-only-for-timing")

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
ROLES = ("admin", "staff")
DEFAULT_ROLE = "staff"
# Shown on the audit page instead of a user name nobody has: what was typed may be a password.
UNKNOWN_USER = "(unknown user)"
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
        raise WeakPassword(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long (it has {len(password)})."
        )
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


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"The role must be one of: {', '.join(ROLES)} (not {role!r}).")
    return role


def find_user(session: Session, username: str) -> Optional[StaffUser]:
    return session.query(StaffUser).filter(StaffUser.username == username).one_or_none()


def set_password(session: Session, username: str, password: str, role: Optional[str] = None, by: str = "cli") -> bool:
    """Creates the account (role `staff` unless given), or sets a new password on an existing one (its
    role kept unless given), which also re-activates it and ends its sessions. True when created."""
    username = check_username(username)
    check_password_strength(password, username)
    user = find_user(session, username)
    created = user is None
    password_hash = HASHER.hash(password)
    if created:
        user = StaffUser(
            username=username, active=True, role=check_role(role or DEFAULT_ROLE), password_hash=password_hash
        )
        session.add(user)
        session.flush()
    elif role:
        set_role(session, username, role, by)
    assert user is not None
    user.password_hash = password_hash
    user.password_changed_at = utc_now()
    user.active = True
    end_sessions(session, user.id)
    session.query(LoginFailure).filter(LoginFailure.username == username).delete()
    audit(
        session, by, "account_created" if created else "password_set", username, f"role {user.role}" if created else ""
    )
    return created


def set_role(session: Session, username: str, role: str, by: str = "cli") -> StaffUser:
    user = _existing(session, username)
    check_role(role)
    if user.role != role:
        audit(session, by, "account_role", username, f"{user.role} -> {role}")
        user.role = role
    return user


def set_active(session: Session, username: str, active: bool, by: str = "cli") -> StaffUser:
    """Deactivating ends every session of the account at once (a logged-in person is logged out at
    their next request); the account and its history stay."""
    user = _existing(session, username)
    if not active:
        end_sessions(session, user.id)
    if user.active == active:
        return user
    user.active = active
    audit(session, by, "account_enabled" if active else "account_disabled", username)
    return user


def _existing(session: Session, username: str) -> StaffUser:
    user = find_user(session, username)
    if user is None:
        raise ValueError(f"There is no staff account {username!r}.")
    return user


def end_sessions(session: Session, user_id: int) -> int:
    """Ends every login session of the account, even copied cookies. Returns how many."""
    return session.query(StaffSession).filter(StaffSession.user_id == user_id).delete()


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


def failure_name(username: str, user: Optional[StaffUser]) -> str:
    """What the throttle counts failures under: the account's name, or for a name no account has, a
    hash of it (the typed text may be a password and is never stored)."""
    if user is not None:
        return username
    return "?" + hashlib.sha256(username.encode("utf-8")).hexdigest()[:40]


def authenticate(session: Session, username: str, password: str, ip: str) -> LoginResult:
    """Checks the password unless the account or address is locked; records failures."""
    username = (username or "").strip()[:100]
    user = find_user(session, username)
    shown = username if user is not None else UNKNOWN_USER
    counted = failure_name(username, user)
    if is_locked(session, counted, ip):
        audit(session, shown, "login_refused_locked", shown, ip=ip)
        return LoginResult(None, locked=True)
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        valid = user is not None and user.active
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        session.add(LoginFailure(username=counted, ip=ip))
        session.query(LoginFailure).filter(LoginFailure.at < utc_now() - 2 * lockout_window()).delete()
        detail = "account disabled" if user is not None and not user.active else ""
        audit(session, shown, "login_failed", shown, detail, ip=ip)
        return LoginResult(None)
    assert user is not None  # valid
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    user.last_login_at = utc_now()
    session.query(LoginFailure).filter(LoginFailure.username == username).delete()
    audit(session, username, "login", username, ip=ip)
    return LoginResult(user)


def audit(
    session: Session, username: str, action: str, target: str = "", detail: str = "", ip: Optional[str] = None
) -> None:
    session.add(AuditEntry(username=username, action=action, target=str(target)[:255], detail=detail, ip=ip))
