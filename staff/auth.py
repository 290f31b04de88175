"""Who is logged in and what they may do: login sessions kept in the database, roles.

Every login creates a `staff_sessions` row with a new random token (the cookie carries the row id and
the token; the database only its hash), so the session identifier is new at every login and nothing
planted in a browser before the login survives it. A session ends when:
- the person logs out (that session), or gets a new password or is disabled (every session);
- STAFF_IDLE_MINUTES (default 15) pass without a request, or STAFF_SESSION_HOURS (default 8) pass
  since the login, whatever the activity. Both are checked on the server at every request.
Roles: `admin` reads the audit trail, exports all transcripts or handoffs and manages accounts;
`staff` gets 403 there (`admin_required`).
"""

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from functools import wraps
from typing import Callable, Optional

from flask import abort, current_app, flash
from flask_login import LoginManager, UserMixin, current_user, login_required
from sqlalchemy.orm import Session

from clinic.db import session_scope, utc_now
from staff import accounts
from staff.models import StaffSession, StaffUser

login_manager = LoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = "Please log in to see the staff console."
login_manager.session_protection = "strong"


def idle_limit() -> timedelta:
    return timedelta(minutes=float(os.environ.get("STAFF_IDLE_MINUTES", "15")))


def session_limit() -> timedelta:
    return timedelta(hours=float(os.environ.get("STAFF_SESSION_HOURS", "8")))


class StaffPrincipal(UserMixin):
    """The logged-in staff member, for one request."""

    def __init__(self, user: StaffUser, session_id: int, token: str):
        self.user_id = user.id
        self.username = user.username
        self.role = user.role
        self.session_id = session_id
        self._token = token

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return f"{self.session_id}:{self._token}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, user: StaffUser) -> StaffPrincipal:
    token = secrets.token_urlsafe(32)
    row = StaffSession(user_id=user.id, token_hash=_hash(token))
    session.add(row)
    session.flush()
    return StaffPrincipal(user, row.id, token)


def end_session(session: Session, session_id: int) -> None:
    session.query(StaffSession).filter(StaffSession.id == session_id).delete()


@login_manager.user_loader
def load_user(cookie_id: str) -> Optional[StaffPrincipal]:
    session_id, _, token = cookie_id.partition(":")
    if not (session_id.isascii() and session_id.isdigit()) or not token:
        return None
    with session_scope(current_app.config.get("DATABASE_URL")) as session:
        row = session.get(StaffSession, int(session_id))
        if row is None or not hmac.compare_digest(row.token_hash, _hash(token)):
            return None
        user = session.get(StaffUser, row.user_id)
        now = utc_now()
        ended = None
        if user is None or not user.active:
            ended = "the account is disabled"
        elif now - row.last_seen_at > idle_limit():
            ended = f"{idle_limit().total_seconds() / 60:g} minutes without activity"
        elif now - row.created_at > session_limit():
            ended = f"{session_limit().total_seconds() / 3600:g} hours since the login"
        if ended:
            session.delete(row)
            if user is not None:
                accounts.audit(session, user.username, "session_ended", user.username, ended)
            flash(f"Your session has ended ({ended}). Please log in again.", "info")
            return None
        row.last_seen_at = now
        return StaffPrincipal(user, row.id, token)


def admin_required(view: Callable) -> Callable:
    """Only for the `admin` role: anyone else logged in gets 403."""

    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return guarded
