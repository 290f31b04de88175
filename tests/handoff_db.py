"""Databases for handoff tests: a migrated SQLite file, a migrated PostgreSQL schema, a breakable proxy."""

import socket
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def migrate(url: str, revision: str = "head") -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    command.upgrade(config, revision)


@contextmanager
def fresh_postgres_database(server_url: str, template: Optional[str] = None):
    """A new database on the PostgreSQL server (a copy of the database at URL `template`, which nobody
    may be connected to), dropped afterwards."""
    name = f"clinic_test_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{sa.engine.make_url(template).database}"' if template else ""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    url = sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from clinic.db import engine_for, forget_engines

        engine_for(url).dispose()  # its pooled connections closed: the DROP need not end them (about 1 s)
        forget_engines()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def copy_sqlite(url: str, to_url: str) -> None:
    """A copy of a SQLite database (SQLite's online backup: whatever is still in its write-ahead log too)."""
    source = sqlite3.connect(sa.engine.make_url(url).database)
    target = sqlite3.connect(sa.engine.make_url(to_url).database)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def delete_all_rows(url: str) -> None:
    """Every table of the database emptied (the schema and its Alembic version kept)."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                if table.name != "alembic_version":
                    connection.execute(table.delete())
    finally:
        engine.dispose()


class TcpProxy:
    """Forwards a local port to the database; `cut()` takes the database away, `restore()` brings it back."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._connections = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self._open.clear()
        with self._lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self._connections.clear()

    def restore(self) -> None:
        self._open.set()

    def close(self) -> None:
        self.cut()
        self._server.close()
