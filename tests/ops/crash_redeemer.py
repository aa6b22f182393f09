"""Child process of the redemption crash test: a desk redeeming passes one after the other.

Arguments: the database URL, the redeeming agent's id, the file of scans (one QR text a line) and
the day of the scans (ISO). After each committed redemption the pass serial is printed and
flushed; the parent kills the process while it works.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from core import i18n
from core.auth import actor_for
from core.db import Database
from core.models import Agent
from pass_numerique.redemption import redeem


def main(url: str, agent_id: int, scans_file: Path, today: date) -> None:
    i18n.set_language("fr")
    db = Database(url)
    with db.session() as session:
        agent = session.get(Agent, agent_id)
        assert agent is not None
        actor = actor_for(session, agent)
    for scan in scans_file.read_text(encoding="utf-8").split():
        with db.session() as session:
            result = redeem(session, actor, scan, today=today)
        if result.accepted:
            print(result.serial, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), date.fromisoformat(sys.argv[4]))
