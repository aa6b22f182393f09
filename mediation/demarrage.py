"""Whether the desk's start-up work of mediation (``droits.at_start``) has anything to do.

Every desk runs that work when it opens its database, before anyone signs in. On nearly every
start there is nothing to redo, yet ``droits`` and the models it queries are a sixth of the
desk's start-up (SQLAlchemy's declarative scan of every domain's classes). This module asks the
same two questions as ``droits.at_start``, with SQLAlchemy Core on the two columns they read and
no model loaded; only when one of them finds a row does the desk load ``droits`` and do the work,
which then asks again and decides as before.

- the erasures in this desk's ledger that the database lacks (a person the ledger says was
  erased, still not erased there: a backup restored outside Médianum);
- the files of the data folder that name a person erased in the database.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, column, select, table

from core import fichiers_nominatifs
from core.db import Database
from mediation import registre_effacements as ledger

# Ids per ``IN (…)``: under SQLite's historical limit of 999 bound parameters.
LEDGER_IDS_PER_QUERY = 900

# The two columns of ``mediation.models.Beneficiaire`` the questions read, and nothing else.
_beneficiaire = table("beneficiaire", column("id", Integer), column("efface", Boolean))


def _any_person(db: Database, ids: list[int], *, erased: bool) -> bool:
    with db.read_session() as session:
        for start in range(0, len(ids), LEDGER_IDS_PER_QUERY):
            found = session.execute(
                select(_beneficiaire.c.id)
                .where(
                    _beneficiaire.c.id.in_(ids[start : start + LEDGER_IDS_PER_QUERY]),
                    _beneficiaire.c.efface.is_(erased),
                )
                .limit(1)
            ).first()
            if found is not None:
                return True
    return False


def nothing_to_redo(db: Database) -> bool:
    """True when ``droits.at_start`` would neither replay an erasure nor delete a file."""
    in_ledger = sorted({entry.beneficiaire_id for entry in ledger.entries()})
    if in_ledger and _any_person(db, in_ledger, erased=False):
        return False
    named = sorted(fichiers_nominatifs.named())
    return not (named and _any_person(db, named, erased=True))
