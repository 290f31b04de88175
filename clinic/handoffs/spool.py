"""A local, durable spool for handoffs that could not be written to the database yet, and beside it
the dead-letter folder for handoffs the database refused for another reason.

One JSON file per handoff, named after its idempotency key, written atomically (temporary file,
fsync, rename, fsync of the folder), so a crash never leaves half a record and a retried action
never spools the same handoff twice. A dead letter is the record with the reason it was refused
(`HANDOFF_DEAD_LETTER_DIR`, default `<spool>/dead-letter`); the staff console lists them on the queue
page. Once the cause is fixed, moving the file's `record` back into the spool folder retries it.
"""

import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from clinic import settings
from clinic.db import utc_now


def _folder() -> Path:
    folder = settings.handoff_spool_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _dead_letter_folder() -> Path:
    folder = settings.handoff_dead_letter_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _name_for(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32] + ".json"


def _path_for(idempotency_key: str) -> Path:
    return _folder() / _name_for(idempotency_key)


def _load(path: Path) -> Optional[Dict]:
    """The file's JSON, or None when there is no such file. Every action server's flusher works on the
    one spool folder: a file seen a moment ago may have been written to the database and removed since."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def find(idempotency_key: str) -> Optional[Dict]:
    for path in (_path_for(idempotency_key), _dead_letter_folder() / _name_for(idempotency_key)):
        data = _load(path)
        if data is not None:
            return data.get("record", data)
    return None


def waiting(idempotency_key: str) -> Optional[Dict]:
    """The record spooled under the key and still waiting for the database (not a dead letter), or None."""
    return _load(_path_for(idempotency_key))


def _write_durably(path: Path, data: Dict) -> None:
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@contextmanager
def _folder_lock() -> Iterator[None]:
    """Every action server's flusher and actions work on the one spool folder: a save and a flusher's
    check-then-remove of the same file take turns."""
    with open(_folder() / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save(record: Dict) -> None:
    with _folder_lock():
        _write_durably(_path_for(record["idempotency_key"]), record)


def pending() -> Iterator[Tuple[Path, Optional[Dict]]]:
    """Spooled handoffs, oldest first; the record is None for a file that is not valid JSON. A file
    another flusher removed meanwhile (written to the database) is left out."""
    aged = []
    for path in _folder().glob("*.json"):
        try:
            aged.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    for _, path in sorted(aged):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            record = None
        yield path, record if isinstance(record, dict) else None


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def remove_if_unchanged(path: Path, record: Dict) -> bool:
    """Removes the spool file if it still holds `record` (what the flusher wrote to the database);
    False when it was saved again since (the form's answers added): the next flush writes that."""
    with _folder_lock():
        if _load(path) not in (None, record):
            return False
        remove(path)
        return True


def dead_letter(record: Optional[Dict], reason: str, spooled: Optional[Path] = None) -> Path:
    """Keeps a refused handoff (with the reason) in the dead-letter folder; removes its spool file."""
    key = (record or {}).get("idempotency_key")
    name = _name_for(key) if isinstance(key, str) else (spooled.name if spooled else _name_for(repr(record)))
    path = _dead_letter_folder() / name
    if record is None and spooled is not None:
        raw = spooled.read_text(encoding="utf-8", errors="replace")
        record = {"unreadable_spool_file": raw[:10000]}
    _write_durably(path, {"record": record, "reason": reason, "at": utc_now().isoformat(timespec="seconds")})
    if spooled is not None:
        remove(spooled)
    return path


@dataclass(frozen=True)
class DeadLetter:
    file: str
    at: str
    reason: str
    record: Dict

    def field(self, name: str) -> str:
        value = self.record.get(name)
        return "" if value is None else str(value)


def dead_letters() -> List[DeadLetter]:
    """Every dead-lettered handoff, urgent ones first, then newest."""
    letters = []
    for path in _dead_letter_folder().glob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            data = {"record": {}, "reason": f"unreadable dead-letter file ({type(error).__name__})", "at": ""}
        record = data.get("record") if isinstance(data.get("record"), dict) else {}
        letters.append(DeadLetter(path.name, str(data.get("at", "")), str(data.get("reason", "")), record))
    letters.sort(key=lambda letter: letter.at, reverse=True)
    return sorted(letters, key=lambda letter: not letter.record.get("urgent"))
