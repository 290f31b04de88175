"""A local, durable spool for handoffs that could not be written to the database yet.

One JSON file per handoff, named after its idempotency key, written atomically (temporary file,
fsync, rename, fsync of the folder), so a crash never leaves half a record and a retried action
never spools the same handoff twice.
"""

import hashlib
import json
import os
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

from clinic import settings


def _folder() -> Path:
    folder = settings.handoff_spool_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path_for(idempotency_key: str) -> Path:
    name = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return _folder() / f"{name}.json"


def find(idempotency_key: str) -> Optional[Dict]:
    path = _path_for(idempotency_key)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def save(record: Dict) -> None:
    path = _path_for(record["idempotency_key"])
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def pending() -> Iterator[Tuple[Path, Dict]]:
    """Spooled handoffs, oldest first."""
    for path in sorted(_folder().glob("*.json"), key=lambda p: p.stat().st_mtime):
        yield path, json.loads(path.read_text(encoding="utf-8"))


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
