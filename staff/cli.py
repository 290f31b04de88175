"""Staff console administration, run by the Makefile:

    STAFF_PASSWORD=... python -m staff.cli create-user NAME [--role admin|staff]
                                                      (make staff-user USER=NAME [ROLE=admin|staff])
    python -m staff.cli create-user NAME --role R     (no STAFF_PASSWORD: only the role of an account)
    python -m staff.cli disable-user NAME             (make staff-user USER=NAME DISABLE=1)
    python -m staff.cli purge-conversations [--days N]            (make purge-conversations DAYS=N)
    python -m staff.cli export-reviewed [--out FILE]              (make export-reviewed [OUT=FILE])

All migrate the database of DATABASE_URL first. Non-interactive: the password comes from the
STAFF_PASSWORD environment variable, never from the command line (it would show in `ps`).
A new account is `staff` unless --role admin; an existing one keeps its role unless --role is given.
"""

import argparse
import os
import sys
from typing import List, Optional

from alembic import command
from alembic.config import Config

from clinic import settings
from clinic.db import session_scope
from staff import accounts, retention


def migrate(url: str) -> None:
    config = Config(str(settings.PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(settings.PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = url
    command.upgrade(config, "head")


def create_user(args) -> int:
    password = os.environ.get("STAFF_PASSWORD", "")
    try:
        username = accounts.check_username(args.username)
        if args.role:
            accounts.check_role(args.role)
        if password:
            accounts.check_password_strength(password, username)
    except ValueError as refused:
        print(f"Refused: {refused}", file=sys.stderr)
        return 2
    url = settings.database_url()
    migrate(url)
    with session_scope(url) as session:
        exists = accounts.find_user(session, username) is not None
        if not password and not (exists and args.role):
            print(
                "Set the password in the STAFF_PASSWORD environment variable, e.g.\n"
                "  read -rs STAFF_PASSWORD && export STAFF_PASSWORD && make staff-user USER=name\n"
                "(or, for an existing account, give only ROLE=admin|staff to change its role)",
                file=sys.stderr,
            )
            return 2
        if password:
            created = accounts.set_password(session, username, password, args.role)
            done = "created" if created else "updated with the new password"
        else:
            accounts.set_role(session, username, args.role)
            done = "updated"
        user = accounts.find_user(session, username)
        assert user is not None  # just created or updated
        role = user.role
    print(f"Staff account {username!r} {done} (role: {role}). Log in at /staff/login on the website (make web).")
    return 0


def disable_user(args) -> int:
    url = settings.database_url()
    migrate(url)
    try:
        with session_scope(url) as session:
            accounts.set_active(session, args.username, False)
    except ValueError as refused:
        print(f"Refused: {refused}", file=sys.stderr)
        return 2
    print(
        f"Staff account {args.username!r} disabled; its sessions are ended. "
        "A new password (make staff-user USER=name) enables it again."
    )
    return 0


def purge_conversations(args) -> int:
    days = args.days if args.days is not None else retention.retention_days()
    if days < 1:
        print("Refused: DAYS must be at least 1.", file=sys.stderr)
        return 2
    url = settings.database_url()
    migrate(url)
    with session_scope(url) as session:
        result = retention.purge(session, days)
    print(f"Removed conversation events older than {days} days (before {retention.cutoff_description(days)}):")
    print(f"  {result.events_deleted} events deleted from {result.conversations_affected} conversation(s)")
    print(f"  {result.sms_messages_deleted} processed SMS message id(s) deleted")
    print(f"  {result.sms_numbers_deleted} SMS number(s) deleted (no conversation left, not opted out)")
    print(f"  {result.feedback_deleted} feedback row(s) deleted (votes on answers, SMS ratings)")
    print(f"  {result.decisions_masked} review example(s) masked (names, phone numbers, emails)")
    print(
        f"  {result.handoffs_redacted} finished handoff(s) redacted (contact details, reason and conversation id "
        "removed; open handoffs are kept whole)"
    )
    return 0


def export_reviewed(args) -> int:
    from pathlib import Path

    from staff.review_export import OUTPUT
    from staff.review_export import export_reviewed as export

    url = settings.database_url()
    migrate(url)
    with session_scope(url) as session:
        for line in export(session, Path(args.out) if args.out else OUTPUT):
            print(line)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m staff.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    user = commands.add_parser("create-user", help="create a staff account (password from STAFF_PASSWORD)")
    user.add_argument("username")
    user.add_argument("--role", help=f"one of {', '.join(accounts.ROLES)} (new accounts: {accounts.DEFAULT_ROLE})")
    user.set_defaults(run=create_user)
    disable = commands.add_parser("disable-user", help="deactivate a staff account and end its sessions")
    disable.add_argument("username")
    disable.set_defaults(run=disable_user)
    purge = commands.add_parser("purge-conversations", help="delete conversations older than the retention period")
    purge.add_argument("--days", type=int, help="default: CONVERSATION_RETENTION_DAYS, else 365")
    purge.set_defaults(run=purge_conversations)
    reviewed = commands.add_parser("export-reviewed", help="write the review inbox's decisions as training data")
    reviewed.add_argument("--out", help="default: data/nlu/reviewed.yml")
    reviewed.set_defaults(run=export_reviewed)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
