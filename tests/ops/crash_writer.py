"""Child process of the crash test: writes to the database without end until it is killed.

Each operation is one committed transaction with its journal entry, like a desk's work: a single
setting (a small write), or every fifth operation an « import » of 200 structures (a long
transaction, so that the kill often lands in the middle of one). After each commit the operation
number is printed and flushed: the parent then knows it was committed.
"""

from __future__ import annotations

import sys

from core import journal
from core.db import Database
from core.models import InstallationSetting, Structure

IMPORT_SIZE = 200


def main(start: int) -> None:
    db = Database()
    op = start
    while True:
        with db.session() as session:
            if op % 5 == 0:
                session.add_all(
                    Structure(nom=f"Structure importée {op}-{i}", code_postal="17000")
                    for i in range(IMPORT_SIZE)
                )
                journal.record(session, None, "crash.import", "structure", op, {"n": IMPORT_SIZE})
            else:
                session.add(InstallationSetting(key=f"op-{op}", value=op))
                journal.record(session, None, "crash.ecriture", "installation_setting", op)
        print(op, flush=True)
        op += 1


if __name__ == "__main__":
    main(int(sys.argv[1]))
