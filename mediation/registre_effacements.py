"""The erasure ledger: which files were erased, and when, kept beside the database.

A backup taken before an erasure still holds the person's identity; restoring it would bring
them back. Each erasure therefore appends one line to ``effacements.jsonl`` in the data folder
(outside the database file, so that a restore does not replace it), and the restore replays the
ledger on the restored database (``mediation.droits.after_restore``).

A line holds the file's number, the instant the file was created and the instant it was erased:
pseudonymous identifiers and dates, no personal data. The creation instant tells the same file
from another one that would carry the same number in an unrelated database, so that replaying
the ledger on another installation's backup erases nobody by mistake.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core import paths

LEDGER_NAME = "effacements.jsonl"


@dataclass(frozen=True)
class LedgerEntry:
    beneficiaire_id: int
    cree_le: datetime
    efface_le: datetime


def ledger_file() -> Path:
    return paths.data_dir() / LEDGER_NAME


def append(entry: LedgerEntry) -> None:
    """Write the line and force it to disk before the erasure is committed: a ledger line for
    an erasure that then failed only repeats a request that was allowed, while an erasure
    without its line would come back with the next restore."""
    line = json.dumps(
        {
            "beneficiaire": entry.beneficiaire_id,
            "cree_le": entry.cree_le.isoformat(),
            "efface_le": entry.efface_le.isoformat(),
        }
    )
    with ledger_file().open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def entries() -> list[LedgerEntry]:
    """Every line that can be read (a line cut by a crash while being written is skipped)."""
    path = ledger_file()
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            raw = json.loads(line)
            found.append(
                LedgerEntry(
                    int(raw["beneficiaire"]),
                    datetime.fromisoformat(raw["cree_le"]),
                    datetime.fromisoformat(raw["efface_le"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return found
