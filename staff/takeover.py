"""Live takeover from the console (routes on the staff blueprint): claim a conversation, reply to the
patient, return it to the bot, and the conversation's new messages as JSON for the page to poll.

The claim is a database row (clinic.takeover.claims): two staff claiming at once get one winner, the
other a message saying who holds it. Messages and notes go through the Rasa server
(clinic.takeover.relay), which stores them in the conversation and sends them to the patient. Every
claim, message and return is an audit row (never the text: a length).
"""

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from clinic.takeover import claims
from clinic.takeover import client as relay
from clinic.takeover.client import JOINED_NOTE, RETURNED_NOTE
from staff import accounts, conversations
from staff.views import blueprint, client_ip, db


class ReplyForm(FlaskForm):
    sender_id = HiddenField(validators=[DataRequired(), Length(max=255)])
    text = TextAreaField("Your reply to the patient", validators=[DataRequired(), Length(max=relay.MAX_TEXT)])


class TakeoverForm(FlaskForm):
    sender_id = HiddenField(validators=[DataRequired(), Length(max=255)])


def _back(sender_id: str):
    return redirect(url_for("staff.transcript_page", sender_id=sender_id) + "#takeover", 303)


def _valid(form: FlaskForm) -> str:
    if not form.validate_on_submit():
        abort(400)
    return form.sender_id.data


@blueprint.post("/takeover/claim")
@login_required
def claim_conversation():
    sender_id = _valid(TakeoverForm())
    try:
        with db() as dbs:
            if not conversations.transcript(dbs, sender_id):
                abort(404)
            claims.claim(dbs, sender_id, current_user.username)
    except claims.AlreadyClaimed as taken:
        flash(str(taken), "error")
        return _back(sender_id)
    try:
        relay.send(sender_id, current_user.username, JOINED_NOTE, note="joined")
    except relay.RelayFailed as failed:
        with db() as dbs:
            claims.release(dbs, sender_id, current_user.username)
        flash(f"Not taken over: {failed}", "error")
        return _back(sender_id)
    with db() as dbs:
        accounts.audit(dbs, current_user.username, "takeover_claim", sender_id, ip=client_ip())
    flash("You have taken over this conversation: the assistant is silent until you return it.", "info")
    return _back(sender_id)


@blueprint.post("/takeover/reply")
@login_required
def reply_to_patient():
    form = ReplyForm()
    sender_id = _valid(form)
    with db() as dbs:
        held = claims.touch(dbs, sender_id, current_user.username)
    if not held:
        flash("Not sent: you no longer hold this conversation (returned to the assistant, or idle too long).", "error")
        return _back(sender_id)
    try:
        delivered = relay.send(sender_id, current_user.username, form.text.data)
    except relay.RelayFailed as failed:
        flash(f"Not sent: {failed}", "error")
        return _back(sender_id)
    with db() as dbs:
        accounts.audit(
            dbs,
            current_user.username,
            "takeover_message",
            sender_id,
            f"{len(form.text.data)} characters, {delivered}",
            ip=client_ip(),
        )
    return _back(sender_id)


@blueprint.post("/takeover/return")
@login_required
def return_to_bot():
    sender_id = _valid(TakeoverForm())
    with db() as dbs:
        held = claims.release(dbs, sender_id, current_user.username)
    if not held:
        flash("This conversation was not yours to return (already back with the assistant?).", "error")
        return _back(sender_id)
    try:
        relay.send(sender_id, current_user.username, RETURNED_NOTE, note="returned")
    except relay.RelayFailed as failed:
        flash(f"Returned to the assistant, but the patient was not told: {failed}", "error")
    with db() as dbs:
        accounts.audit(dbs, current_user.username, "takeover_return", sender_id, ip=client_ip())
    flash("The conversation is back with the assistant.", "info")
    return _back(sender_id)


@blueprint.get("/takeover/live")
@login_required
def live_messages():
    """The messages after the first `after` of the conversation, and who holds it (polled by the page)."""
    sender_id = request.args.get("sender_id", "")
    given = request.args.get("after", "0")
    after = int(given) if given.isascii() and given.isdigit() else 0
    with db() as dbs:
        entries = conversations.transcript(dbs, sender_id)
        holder = claims.holder(dbs, sender_id)
    return jsonify(
        {
            "holder": holder,
            "count": len(entries),
            "entries": [
                {"kind": e.kind, "staff": e.staff, "text": e.text, "at": e.at.strftime("%Y-%m-%d %H:%M:%S")}
                for e in entries[after:]
            ],
        }
    )
