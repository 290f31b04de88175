"""The staff console's pages. Every route but the login page requires a logged-in staff member; the
audit trail, exports of everything and the accounts page require the `admin` role (staff.auth)."""

import re
from datetime import date
from functools import partial
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from clinic import clinic_settings, office_hours
from clinic.alerts import outbox as alert_outbox
from clinic.db import session_scope
from clinic.handoffs import kinds, spool, statuses
from clinic.handoffs.contact import display_phone, parse_phone
from clinic.handoffs.models import Handoff
from clinic.sms.store import sender_id_for
from clinic.takeover import claims
from staff import accounts, auth, conversations, export, queue
from staff.auth import admin_required
from staff.models import AuditEntry, StaffSession, StaffUser

blueprint = Blueprint("staff", __name__, template_folder="templates")

REFERENCE = re.compile(r"^[A-Z0-9]{3}-?[A-Z0-9]{3}$")


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class StatusForm(FlaskForm):
    from_status = HiddenField(validators=[DataRequired()])
    to_status = SelectField("New status", choices=[(s, label) for s, label in statuses.LABELS.items()])


class AccountForm(FlaskForm):
    role = SelectField("Role", choices=[(role, role) for role in accounts.ROLES])
    active = SelectField("Account", choices=[("1", "active"), ("0", "disabled")])


class ActionForm(FlaskForm):
    """A button that changes something (logout, export): only its CSRF token."""

    sender_id = HiddenField()


def db():
    return session_scope(current_app.config.get("DATABASE_URL"))


def client_ip() -> str:
    return (request.remote_addr or "unknown")[:64]


@blueprint.after_request
def no_caching(response: Response) -> Response:
    # Patient data: never kept by the browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    # Same-origin only: Flask-WTF checks the Referer of forms posted over HTTPS.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@blueprint.app_context_processor
def shared_template_values():
    return {
        "action_form": ActionForm(),
        "status_labels": statuses.LABELS,
        "kinds": kinds,
        "display_phone": _phone,
    }


def _phone(value: Optional[str]) -> str:
    if not value:
        return ""
    try:
        return display_phone(value)
    except Exception:  # a number stored before normalisation: shown as it is
        return value


def _safe_next(target: Optional[str]) -> str:
    if target and target.startswith("/staff/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("staff.queue_page")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue_page"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        with db() as dbs:
            result = accounts.authenticate(dbs, form.username.data, form.password.data, client_ip())
            principal = auth.start_session(dbs, result.user) if result.user else None
        if principal:
            # A new session: nothing from before the login (a planted cookie) carries over.
            session.clear()
            session.permanent = True
            login_user(principal)
            return redirect(_safe_next(request.args.get("next")))
        if result.locked:
            flash(
                "Too many failed logins: this account or address is locked for a while. "
                "Try again later or ask an administrator.",
                "error",
            )
            status = 429
        else:
            flash("Wrong user name or password.", "error")
            status = 401
    return render_template("staff/login.html", form=form), status


@blueprint.post("/logout")
@login_required
def logout():
    with db() as dbs:
        auth.end_session(dbs, current_user.session_id)
        accounts.audit(dbs, current_user.username, "logout", current_user.username, ip=client_ip())
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("staff.login"))


@blueprint.get("/")
@login_required
def home():
    return redirect(url_for("staff.queue_page"))


@blueprint.get("/queue")
@login_required
def queue_page():
    view = request.args.get("view", "open")
    if view not in queue.VIEWS:
        view = "open"
    with db() as dbs:
        handoffs = queue.queue(dbs, view)
        history = queue.history(dbs, [h.id for h in handoffs])
        forms = {}
        for handoff in handoffs:
            form = StatusForm(formdata=None, prefix=f"h{handoff.id}", from_status=handoff.status)
            form.to_status.choices = [
                (s, statuses.LABELS[s]) for s in queue.next_statuses(handoff, current_user.is_admin)
            ]
            forms[handoff.id] = form
        return render_template(
            "staff/queue.html",
            handoffs=handoffs,
            history=history,
            forms=forms,
            view=view,
            views=list(queue.VIEWS),
            dead_letters=spool.dead_letters(),
            undelivered_alerts=alert_outbox.undelivered(dbs),
            taken_over=claims.holders(dbs, [h.sender_id for h in handoffs if h.sender_id]),
            received_when=partial(office_hours.received, clinic_settings.load()),
        )


@blueprint.post("/handoffs/<int:handoff_id>/status")
@login_required
def change_status(handoff_id: int):
    form = StatusForm(prefix=f"h{handoff_id}")
    form.to_status.choices = [(s, label) for s, label in statuses.LABELS.items()]
    if not form.validate_on_submit():
        abort(400)
    try:
        with db() as dbs:
            handoff = queue.change_status(
                dbs,
                handoff_id,
                form.from_status.data,
                form.to_status.data,
                current_user.username,
                ip=client_ip(),
                may_close_urgent=current_user.is_admin,
            )
            flash(f"{handoff.reference} is now {statuses.LABELS[handoff.status].lower()}.", "info")
    except queue.StatusChangeRefused as refused:
        flash(str(refused), "error")
        return redirect(_safe_next(request.form.get("next") or url_for("staff.queue_page"))), 303
    return redirect(_safe_next(request.form.get("next") or url_for("staff.queue_page")), 303)


def _date_arg(name: str) -> Optional[date]:
    value = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        flash(f"Ignored the {name} date {value!r}: use YYYY-MM-DD.", "error")
        return None


@blueprint.get("/conversations")
@login_required
def conversations_page():
    start, end = _date_arg("start"), _date_arg("end")
    channel = request.args.get("channel") or None
    if channel not in conversations.CHANNEL_CHOICES:
        channel = None
    flags = [flag for flag in request.args.getlist("flag") if flag in conversations.FLAGS]
    with db() as dbs:
        found = conversations.list_conversations(dbs, start=start, end=end, channel=channel, flags=flags)
    return render_template(
        "staff/conversations.html",
        conversations=found,
        start=start,
        end=end,
        channel=channel,
        flags=flags,
        flag_names=conversations.FLAGS,
        limit=conversations.LIST_LIMIT,
    )


@blueprint.get("/conversations/<path:sender_id>")
@login_required
def transcript_page(sender_id: str):
    with db() as dbs:
        entries = conversations.transcript(dbs, sender_id)
        handoffs = dbs.query(Handoff).filter(Handoff.sender_id == sender_id).order_by(Handoff.created_at).all()
        if not entries and not handoffs:
            abort(404)
        accounts.audit(
            dbs,
            current_user.username,
            "view_transcript",
            sender_id,
            f"{sum(e.kind != 'session' for e in entries)} messages",
            ip=client_ip(),
        )
        return render_template(
            "staff/transcript.html",
            sender_id=sender_id,
            entries=entries,
            handoffs=handoffs,
            holder=claims.holder(dbs, sender_id),
        )


@blueprint.get("/search")
@login_required
def search_page():
    query = request.args.get("q", "").strip()[:200]
    results: Dict[str, Any] = {"messages": [], "handoffs": [], "conversations": [], "phone": None}
    with db() as dbs:
        if query:
            results["messages"] = conversations.search_messages(dbs, query)
            results["handoffs"] = _handoffs_matching(dbs, query, results)
            senders = {h.sender_id for h in results["handoffs"]}
            if results["phone"]:
                senders.add(sender_id_for(results["phone"]))
            if senders:
                results["conversations"] = conversations.list_conversations(dbs, sender_ids=senders)
            # Who looked for what kind of thing and how much was found (never the query: it may be a
            # phone number).
            kind = "phone" if results["phone"] else "reference" if REFERENCE.match(query.upper()) else "text"
            accounts.audit(
                dbs,
                current_user.username,
                "search",
                kind,
                f"{len(results['messages'])} messages, {len(results['handoffs'])} handoffs, "
                f"{len(results['conversations'])} conversations",
                ip=client_ip(),
            )
        return render_template("staff/search.html", query=query, **results)


def _handoffs_matching(dbs, query: str, results) -> List[Handoff]:
    """Handoffs by reference code or by phone number (any way of writing it)."""
    matches = []
    code = query.upper().replace(" ", "")
    if REFERENCE.match(code):
        code = code if "-" in code else f"{code[:3]}-{code[3:]}"
        matches += dbs.query(Handoff).filter(Handoff.reference == code).all()
    phone = parse_phone(query) if sum(ch.isdigit() for ch in query) >= 7 else None
    if phone:
        results["phone"] = phone
        matches += dbs.query(Handoff).filter(Handoff.phone == phone).order_by(Handoff.created_at.desc()).all()
    return matches


@blueprint.get("/unanswered")
@login_required
def unanswered_page():
    with db() as dbs:
        questions = conversations.unanswered_questions(dbs)
    return render_template("staff/unanswered.html", questions=questions)


def _csv_response(body: str, filename: str) -> Response:
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.post("/export/handoffs.csv")
@admin_required
def export_handoffs():
    with db() as dbs:
        body, rows = export.handoffs_csv(dbs)
        accounts.audit(dbs, current_user.username, "export_handoffs", "handoffs.csv", f"{rows} rows", ip=client_ip())
    return _csv_response(body, f"handoffs-{date.today().isoformat()}.csv")


@blueprint.post("/export/transcripts.csv")
@login_required
def export_transcripts():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    sender_id = (form.sender_id.data or "").strip() or None
    if sender_id is None and not current_user.is_admin:
        abort(403)  # one transcript: any staff member; all of them: administrators only
    with db() as dbs:
        body, rows = export.transcripts_csv(dbs, [sender_id] if sender_id else None)
        accounts.audit(
            dbs,
            current_user.username,
            "export_transcripts",
            sender_id or "all conversations",
            f"{rows} rows",
            ip=client_ip(),
        )
    name = "transcript" if sender_id else "transcripts"
    return _csv_response(body, f"{name}-{date.today().isoformat()}.csv")


@blueprint.get("/audit")
@admin_required
def audit_page():
    with db() as dbs:
        entries = dbs.query(AuditEntry).order_by(AuditEntry.id.desc()).limit(500).all()
        return render_template("staff/audit.html", entries=entries)


@blueprint.get("/accounts")
@admin_required
def accounts_page():
    with db() as dbs:
        users = dbs.query(StaffUser).order_by(StaffUser.username).all()
        open_sessions = dict(
            dbs.query(StaffSession.user_id, sa.func.count(StaffSession.id)).group_by(StaffSession.user_id).all()
        )
        forms = {
            user.id: AccountForm(
                formdata=None, prefix=f"u{user.id}", role=user.role, active="1" if user.active else "0"
            )
            for user in users
        }
        return render_template("staff/accounts.html", users=users, forms=forms, open_sessions=open_sessions)


@blueprint.post("/accounts/<int:user_id>")
@admin_required
def change_account(user_id: int):
    form = AccountForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        abort(400)
    with db() as dbs:
        user = dbs.get(StaffUser, user_id)
        if user is None:
            abort(404)
        if user.id == current_user.user_id:
            flash(
                "You cannot change your own role or disable your own account here: "
                "another administrator can (or make staff-user).",
                "error",
            )
            return redirect(url_for("staff.accounts_page"), 303)
        accounts.set_role(dbs, user.username, form.role.data, by=current_user.username)
        accounts.set_active(dbs, user.username, form.active.data == "1", by=current_user.username)
        flash(
            f"{user.username}: {user.role}, {'active' if user.active else 'disabled (logged out everywhere)'}.", "info"
        )
    return redirect(url_for("staff.accounts_page"), 303)
