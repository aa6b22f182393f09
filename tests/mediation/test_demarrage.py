"""The desk's start-up question « is there anything to redo? », asked without the models.

``mediation.demarrage.nothing_to_redo`` lets a desk skip loading the domains' models at start;
it must say « nothing » exactly when ``droits.at_start`` would neither replay an erasure nor
delete a file. Each case below is a situation of a desk, with what the start-up work must do in
it written by hand, and both answers checked against it (on SQLite and on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core import fichiers_nominatifs, paths
from core.auth import Actor
from core.db import Database
from mediation import registre_effacements as ledger
from mediation.demarrage import LEDGER_IDS_PER_QUERY, nothing_to_redo
from mediation.droits import at_start, erase_beneficiaire
from mediation.models import Beneficiaire
from tests.mediation.dossier_data import Desks, add_person, make_desks

ERASED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _erase(db: Database, desks: Desks, bid: int) -> None:
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, bid)


def _as_if_restored(db: Database, bid: int) -> None:
    """The ledger says this desk erased the person; the (restored) database does not know it."""
    with db.read_session() as s:
        person = s.get(Beneficiaire, bid)
        assert person is not None and not person.efface
        created = person.created_at
    ledger.append(ledger.LedgerEntry(bid, created, ERASED_AT))


def _file_naming(name: str, *ids: int) -> Path:
    path = paths.export_dir() / name
    path.write_text("Synthetic export naming people by number only.\n", encoding="utf-8")
    assert fichiers_nominatifs.record(path, ids)
    return path


def test_a_new_desk_has_nothing_to_redo(db: Database, desks: Desks) -> None:
    add_person(db, desks.accueil_nord, nom="Sansrien")
    assert nothing_to_redo(db)
    assert at_start(db) == ""


def test_an_erasure_the_database_already_holds_is_nothing_to_redo(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Dejaefface")
    _erase(db, desks, bid)
    assert [e.beneficiaire_id for e in ledger.entries()] == [bid]  # the desk's ledger has it
    assert nothing_to_redo(db)
    assert at_start(db) == ""


def test_an_erasure_a_restored_database_lacks_is_redone_at_start(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Revenant")
    _as_if_restored(db, bid)
    assert not nothing_to_redo(db)
    assert "1 effacement" in at_start(db)
    with db.read_session() as s:
        person = s.get(Beneficiaire, bid)
        assert person is not None and person.efface
    assert nothing_to_redo(db)  # done once: the next start has nothing left


def test_a_file_naming_someone_still_followed_is_nothing_to_redo(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Suivie")
    kept = _file_naming("acces-suivie.pdf", bid)
    assert nothing_to_redo(db)
    assert at_start(db) == ""
    assert kept.exists()


def test_a_file_naming_someone_erased_at_another_desk_is_deleted_at_start(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Ailleurs")
    other = add_person(db, desks.accueil_nord, nom="Restee")
    _erase(db, desks, bid)
    # A copy made before the erasure (at another desk, say), which that erasure could not reach.
    leftover = _file_naming("acces-ailleurs.pdf", bid, other)
    assert not nothing_to_redo(db)
    assert "1 fichier" in at_start(db)
    assert not leftover.exists()
    assert nothing_to_redo(db)


def test_the_one_erasure_to_redo_is_found_beyond_the_first_query_of_ids(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Loin")
    # Ledger lines for people this database never had (another database's numbers), sorted
    # before the one that matters, so that it falls in the second batch of ids asked for.
    for missing in range(-LEDGER_IDS_PER_QUERY - 50, 0):
        ledger.append(ledger.LedgerEntry(missing, ERASED_AT, ERASED_AT))
    _as_if_restored(db, bid)
    assert sorted(e.beneficiaire_id for e in ledger.entries()).index(bid) > LEDGER_IDS_PER_QUERY
    assert not nothing_to_redo(db)
    assert "1 effacement" in at_start(db)


def test_the_one_erased_person_a_file_names_is_found_beyond_the_first_query_of_ids(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Tardif")
    _erase(db, desks, bid)
    numbers = [*range(-LEDGER_IDS_PER_QUERY - 50, 0), bid]
    leftover = _file_naming("liste-longue.csv", *numbers)
    assert sorted(fichiers_nominatifs.named()).index(bid) > LEDGER_IDS_PER_QUERY
    assert not nothing_to_redo(db)
    assert "1 fichier" in at_start(db)
    assert not leftover.exists()
