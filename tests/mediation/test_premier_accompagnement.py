"""The date of each person's first accompaniment, stored on the file for « Nouveaux
bénéficiaires », stays equal to the earliest accompaniment recorded for them, whatever wrote it.

Every check compares the stored dates with a MIN over the accompaniments computed here, on the
database of the test's engine (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core import migrate
from core.auth import Actor
from core.db import Database
from core.demo import DemoSizes, create_demo
from domaines import DOMAINES
from mediation import referentiel as ref
from mediation.accompagnements import AccompagnementData, record_accompagnement
from mediation.beneficiaires import merge_beneficiaires
from mediation.importation import apply_import, importer_par_lots, prepare_import
from mediation.models import Accompagnement, AccompagnementParticipant, Beneficiaire
from mediation.statistiques import Perimetre, calculer_statistiques
from tests.mediation.dossier_data import TODAY, Desks, add_person, individual, make_desks


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _stored(db: Database) -> dict[int, date | None]:
    with db.read_session() as s:
        return dict(s.execute(select(Beneficiaire.id, Beneficiaire.premier_accompagnement)).all())


def _earliest(db: Database) -> dict[int, date | None]:
    """Every file's earliest accompaniment date, None for those never accompanied."""
    with db.read_session() as s:
        earliest = (
            select(func.min(Accompagnement.date))
            .join(AccompagnementParticipant)
            .where(AccompagnementParticipant.beneficiaire_id == Beneficiaire.id)
            .scalar_subquery()
        )
        return dict(s.execute(select(Beneficiaire.id, earliest)).all())


def _assert_exact(db: Database) -> None:
    assert _stored(db) == _earliest(db)


def _atelier(ids: list[int], jour: date) -> AccompagnementData:
    return AccompagnementData(
        type=ref.TYPE_COLLECTIF,
        date=jour,
        duree_min=90,
        lieu_type="Lieu d'activité",
        thematiques=["E-mail"],
        materiel=["Ordinateur"],
        beneficiaire_ids=ids,
        atelier_titre="Premiers pas",
    )


def test_an_accompaniment_typed_in_late_moves_the_first_accompaniment_date_back(
    db: Database, desks: Desks
) -> None:
    actor = desks.accueil_nord
    lea, marc = add_person(db, actor, prenom="Léa"), add_person(db, actor, prenom="Marc")
    jamais = add_person(db, actor, prenom="Jamais")
    with db.session() as s:
        record_accompagnement(s, actor, individual(lea, date=date(2026, 5, 1)), today=TODAY)
        record_accompagnement(s, actor, _atelier([lea, marc], date(2026, 6, 1)), today=TODAY)
    assert _stored(db)[lea] == date(2026, 5, 1)
    # An earlier atelier recorded afterwards: it is now the first, for both participants.
    with db.session() as s:
        record_accompagnement(s, actor, _atelier([lea, marc], date(2026, 2, 3)), today=TODAY)
        record_accompagnement(s, actor, individual(marc, date=date(2026, 4, 1)), today=TODAY)
    stored = _stored(db)
    assert (stored[lea], stored[marc], stored[jamais]) == (date(2026, 2, 3), date(2026, 2, 3), None)
    _assert_exact(db)


@pytest.mark.parametrize("earlier", ["kept", "other"])
def test_a_merged_file_keeps_the_earlier_of_both_first_accompaniments(
    db: Database, desks: Desks, earlier: str
) -> None:
    actor = desks.accueil_nord
    kept = add_person(db, actor, nom="Crépeau", prenom="Hélène")
    other = add_person(db, actor, nom="CREPEAU", prenom="Helene", annee_naissance=1961)
    days = {"kept": date(2026, 3, 1), "other": date(2026, 1, 15)}
    if earlier == "kept":
        days = {"kept": date(2026, 1, 15), "other": date(2026, 3, 1)}
    with db.session() as s:
        record_accompagnement(s, actor, individual(kept, date=days["kept"]), today=TODAY)
        record_accompagnement(s, actor, individual(other, date=days["other"]), today=TODAY)
        # An atelier both records attended: after the merge one participation remains.
        record_accompagnement(s, actor, _atelier([kept, other], date(2026, 5, 5)), today=TODAY)
    with db.session() as s:
        merge_beneficiaires(s, actor, kept, other)
    stored = _stored(db)
    assert (stored[kept], stored[other]) == (date(2026, 1, 15), None)
    _assert_exact(db)


def test_a_merge_into_a_file_never_accompanied_takes_the_other_files_date(
    db: Database, desks: Desks
) -> None:
    actor = desks.accueil_nord
    kept = add_person(db, actor, nom="Crépeau", prenom="Hélène")
    other = add_person(db, actor, nom="CREPEAU", prenom="Helene", annee_naissance=1961)
    with db.session() as s:
        record_accompagnement(s, actor, individual(other, date=date(2026, 4, 2)), today=TODAY)
    with db.session() as s:
        merge_beneficiaires(s, actor, kept, other)
    assert _stored(db)[kept] == date(2026, 4, 2)
    _assert_exact(db)


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("Nom;Prénom;Année de naissance\r\n" + "\r\n".join(rows) + "\r\n")
    return path


@pytest.mark.parametrize("mode", ["one transaction", "chunks"])
def test_imported_files_have_no_first_accompaniment_and_others_keep_theirs(
    db: Database, desks: Desks, tmp_path: Path, mode: str
) -> None:
    actor = desks.accueil_nord
    lea = add_person(db, actor, prenom="Léa")
    with db.session() as s:
        record_accompagnement(s, actor, individual(lea, date=date(2026, 3, 3)), today=TODAY)
    path = _csv(tmp_path / "import.csv", ["Importé;Paul;1970", "Importée;Anne;1981"])
    with db.read_session() as s:
        report = prepare_import(s, actor, path, today=TODAY)
    if mode == "chunks":
        ids = importer_par_lots(db, actor, report)
    else:
        with db.session() as s:
            ids = apply_import(s, actor, report, today=TODAY)
    assert len(ids) == 2
    # Then one of them is accompanied: the imported file gets its date like any other.
    with db.session() as s:
        record_accompagnement(s, actor, _atelier([ids[0], lea], date(2026, 6, 1)), today=TODAY)
    stored = _stored(db)
    assert (stored[lea], stored[ids[0]], stored[ids[1]]) == (
        date(2026, 3, 3),
        date(2026, 6, 1),
        None,
    )
    _assert_exact(db)


def test_the_migration_fills_in_the_date_from_the_accompaniments_already_recorded(
    db: Database, desks: Desks
) -> None:
    actor = desks.accueil_nord
    lea, marc = add_person(db, actor, prenom="Léa"), add_person(db, actor, prenom="Marc")
    add_person(db, actor, prenom="Jamais")
    with db.session() as s:
        record_accompagnement(s, actor, _atelier([lea, marc], date(2026, 5, 1)), today=TODAY)
        record_accompagnement(s, actor, individual(marc, date=date(2026, 2, 1)), today=TODAY)
    migrate.downgrade(db, "mediation_0001")
    migrate.upgrade(db, backup=False)
    stored = _stored(db)
    assert (stored[lea], stored[marc]) == (date(2026, 5, 1), date(2026, 2, 1))
    _assert_exact(db)


def test_the_demo_generator_stores_the_first_accompaniment_of_its_bulk_files(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    create_demo(DemoSizes(beneficiaires=40, accompagnements=150, passes=0), DOMAINES)
    stored = _stored(db)
    assert len([d for d in stored.values() if d is not None]) > 20
    _assert_exact(db)


def test_new_beneficiaries_are_read_from_the_stored_first_accompaniment(
    db: Database, desks: Desks
) -> None:
    actor = desks.accueil_nord
    lea, marc = add_person(db, actor, prenom="Léa"), add_person(db, actor, prenom="Marc")
    with db.session() as s:
        record_accompagnement(s, actor, _atelier([lea, marc], date(2026, 5, 1)), today=TODAY)
        record_accompagnement(s, actor, individual(marc, date=date(2025, 11, 2)), today=TODAY)
    year = Perimetre(date(2026, 1, 1), date(2026, 12, 31))
    with db.read_session() as s:
        assert calculer_statistiques(s, desks.coordinateur, year).nouveaux_beneficiaires == 1
    # The statistics trust the stored date, not the participations: Marc made new by hand
    # counts as new, which a lookup through his 2025 accompaniment would not.
    with db.session() as s:
        s.execute(
            update(Beneficiaire)
            .where(Beneficiaire.id == marc)
            .values(premier_accompagnement=date(2026, 5, 1))
        )
    with db.read_session() as s:
        assert calculer_statistiques(s, desks.coordinateur, year).nouveaux_beneficiaires == 2
