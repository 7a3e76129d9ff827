"""What a pool's state (state_dir, plugins/module_utils/user_state.py) holds, read back for the tests' verdicts."""

from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path
from typing import Any


def state_file(state_dir: Path, pool_id: str) -> Path:
    return Path(state_dir) / f"{pool_id}.sqlite3"


def not_enrolled(state_dir: Path, pool_id: str) -> dict[str, dict[str, Any]]:
    """{username: {since, read_at}} (ISO 8601, UTC) of the users the state knows as refused as not enrolled; {} without
    a state file."""
    path = state_file(state_dir, pool_id)
    if not path.exists():
        return {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT username, since, read_at FROM users WHERE outcome = 'not_enrolled'").fetchall()
    return {name: {"since": iso(since), "read_at": iso(read_at)} for name, since, read_at in rows}


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
