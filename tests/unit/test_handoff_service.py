"""The handoff log: migrations, one row per idempotency key, nothing lost in an outage."""

import threading
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from clinic.db import session_scope
from clinic.handoffs import service, spool
from clinic.handoffs.models import Handoff
from clinic.handoffs.service import HandoffRequest, flush_spool, record_handoff, spool_flusher
from tests.handoff_db import ROOT, TcpProxy
from tests.support.processes import wait_until


@pytest.fixture(autouse=True)
def spool_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_SPOOL_DIR", str(tmp_path / "spool"))
    return tmp_path / "spool"


@pytest.fixture
def sqlite_url(migrated_sqlite):
    return migrated_sqlite


@pytest.fixture
def postgres_db(migrated_postgresql):
    return migrated_postgresql


def booking(key="booking:s1:m1", **changes) -> HandoffRequest:
    values = dict(
        idempotency_key=key,
        channel="rest",
        sender_id="s1",
        reason="Asked to book a consultation",
        topics=["faq/boosters", "out_of_scope/cost"],
        consent=True,
        name="Sarah Jones",
        phone="+14155552671",
        email="sarah@example.com",
        preferred_time="weekday mornings",
    )
    values.update(changes)
    return HandoffRequest(**values)


def rows(url):
    with session_scope(url) as session:
        return [
            {c.name: getattr(h, c.name) for c in Handoff.__table__.columns}
            for h in session.query(Handoff).order_by(Handoff.id)
        ]


@pytest.mark.parametrize("database", ["sqlite_url", "postgres_db"])
def test_a_handoff_is_stored_with_every_field(database, request):
    url = request.getfixturevalue(database)
    receipt = record_handoff(booking(), url)
    assert receipt.stored
    [row] = rows(url)
    assert row["reference"] == receipt.reference
    assert row["phone"] == "+14155552671" and row["email"] == "sarah@example.com"
    assert row["topics"] == "faq/boosters,out_of_scope/cost"
    assert row["status"] == "new" and row["consent"] is True and row["urgent"] is False
    assert abs((datetime.utcnow() - row["created_at"]).total_seconds()) < 60


@pytest.mark.parametrize("database", ["sqlite_url", "postgres_db"])
def test_a_retried_action_produces_one_row(database, request):
    url = request.getfixturevalue(database)
    first = record_handoff(booking(), url)
    again = record_handoff(booking(), url)
    assert again.reference == first.reference
    assert len(rows(url)) == 1


def test_concurrent_retries_of_the_same_action_produce_one_row(postgres_db):
    results = []
    threads = [threading.Thread(target=lambda: results.append(record_handoff(booking(), postgres_db)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.reference for r in results}) == 1
    assert len(rows(postgres_db)) == 1


def test_an_unavailable_database_spools_and_the_retry_writes_it(sqlite_url, spool_dir):
    down = "postgresql://nobody@127.0.0.1:1/none"
    receipt = record_handoff(booking(), down)
    assert not receipt.stored
    assert len(list(spool.pending())) == 1
    assert record_handoff(booking(), down).reference == receipt.reference  # retried while down
    assert flush_spool(sqlite_url) == 1
    [row] = rows(sqlite_url)
    assert row["reference"] == receipt.reference and row["phone"] == "+14155552671"
    assert list(spool.pending()) == []


def test_database_taken_away_mid_conversation_then_back(postgres_db, monkeypatch):
    attempts = []
    monkeypatch.setattr(service, "flush_spool", lambda url=None: attempts.append(url) or flush_spool(url))
    target = sa.engine.make_url(postgres_db)
    proxy = TcpProxy(target.host, target.port)
    through_proxy = str(target.set(port=proxy.port).render_as_string(hide_password=False))
    try:
        assert record_handoff(booking("booking:s1:first"), through_proxy).stored
        proxy.cut()
        receipt = record_handoff(booking("booking:s1:second"), through_proxy)
        assert not receipt.stored
        flusher = spool_flusher(0.2, url=through_proxy).start()
        wait_until(lambda: len(attempts) >= 2, 30, "two retries while the database is away")
        assert [r["idempotency_key"] for r in rows(postgres_db)] == ["booking:s1:first"]
        proxy.restore()
        wait_until(lambda: len(rows(postgres_db)) >= 2, 30, "the spooled handoff to be written")
        flusher.stop()
        assert [r["reference"] for r in rows(postgres_db)][1] == receipt.reference
    finally:
        proxy.close()


def test_a_spool_file_removed_meanwhile_is_left_out_not_dead_lettered(sqlite_url, spool_dir):
    """Every action server's flusher works on the one spool folder: a file another one has just written
    to the database and removed is not taken for an unreadable record."""
    down = "postgresql://nobody@127.0.0.1:1/none"
    first = record_handoff(booking("booking:s1:first"), down)
    record_handoff(booking("booking:s1:second"), down)
    waiting = spool.pending()
    next(waiting)
    other_path = spool._path_for("booking:s1:second")
    spool.remove(other_path)  # the other flusher wrote it
    assert list(waiting) == []
    assert spool.find("booking:s1:second") is None and spool.waiting("booking:s1:second") is None
    assert flush_spool(sqlite_url) == 1
    assert spool.dead_letters() == []
    assert [row["reference"] for row in rows(sqlite_url)] == [first.reference]


def test_two_flushers_and_retried_actions_at_once_write_each_spooled_handoff_once(sqlite_url, spool_dir):
    down = "postgresql://nobody@127.0.0.1:1/none"
    keys = [f"booking:s{i}:m1" for i in range(30)]
    references = {key: record_handoff(booking(key), down).reference for key in keys}
    failures = []

    def run(job):
        try:
            job()
        except Exception as error:  # reported below
            failures.append(repr(error))

    def retry_actions():
        for key in keys:
            assert record_handoff(booking(key), sqlite_url).reference == references[key]

    threads = [threading.Thread(target=run, args=(job,))
               for job in (lambda: flush_spool(sqlite_url), lambda: flush_spool(sqlite_url), retry_actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    flush_spool(sqlite_url)
    assert failures == []
    assert spool.dead_letters() == [] and list(spool.pending()) == []
    assert sorted(row["reference"] for row in rows(sqlite_url)) == sorted(references.values())


ANSWERS = {"name": "Sarah Jones", "phone": "+14155552671", "preferred_time": "weekday mornings", "consent": True}


def staff_request(key="staff:s1:t0") -> HandoffRequest:
    return HandoffRequest(idempotency_key=key, channel="rest", sender_id="s1", reason="Asked to talk to a person")


def test_the_forms_answers_spooled_while_a_flusher_writes_the_request_reach_the_database(sqlite_url, monkeypatch):
    """The request for a person was spooled in an outage; the form's answers go into its spool file just
    as a flusher writes the file's first version: the next flush brings the row up to the answers."""
    down = "postgresql://nobody@127.0.0.1:1/none"
    receipt = record_handoff(staff_request(), down)
    write = service._write

    def answers_arrive_meanwhile(record, url):
        reference = write(record, url)
        service.update_open("staff:s1:t0", ANSWERS)  # the spool file is still there
        return reference

    monkeypatch.setattr(service, "_write", answers_arrive_meanwhile)
    flush_spool(sqlite_url)
    monkeypatch.setattr(service, "_write", write)
    assert rows(sqlite_url)[0]["phone"] is None  # the first version, its file kept
    flush_spool(sqlite_url)
    [row] = rows(sqlite_url)
    assert (row["reference"], row["name"], row["phone"], row["consent"]) == (
        receipt.reference, "Sarah Jones", "+14155552671", True)
    assert list(spool.pending()) == []


def test_the_forms_answers_spooled_just_after_a_flusher_removed_the_file_reach_the_database(sqlite_url, monkeypatch):
    down = "postgresql://nobody@127.0.0.1:1/none"
    record_handoff(staff_request(), down)
    waiting = spool.waiting("staff:s1:t0")
    flush_spool(sqlite_url)  # written and removed between update_open's read of the file and its save
    monkeypatch.setattr(spool, "waiting", lambda key: waiting)
    assert service.update_open("staff:s1:t0", ANSWERS, url=down) is not None
    assert rows(sqlite_url)[0]["phone"] is None
    flush_spool(sqlite_url)
    [row] = rows(sqlite_url)
    assert (row["name"], row["phone"], row["preferred_time"]) == ("Sarah Jones", "+14155552671", "weekday mornings")


def test_the_spool_is_not_logged_with_contact_details(caplog):
    with caplog.at_level("INFO"):
        record_handoff(booking(), "postgresql://nobody@127.0.0.1:1/none")
    assert "+14155552671" not in caplog.text and "sarah@example.com" not in caplog.text
    assert "spooled" in caplog.text


@pytest.mark.parametrize("database", ["sqlite_url", "postgres_db"])
def test_migrations_match_the_models(database, request):
    url = request.getfixturevalue(database)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    command.check(config)  # raises if the models and the migrations differ
    command.downgrade(config, "base")
    assert "handoffs" not in sa.inspect(sa.create_engine(url)).get_table_names()
