"""Erasure of a person who gave mandates: the identity goes everywhere, the proof stays, and a
restored backup does not bring the person back."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.backup import backup_sqlite
from core.db import Database
from core.models import Role
from mediation.accompagnements import record_accompagnement
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire
from mediation.diagnostics import DiagnosticData, record_diagnostic
from mediation.droits import erase_beneficiaire
from mediation.mandats.creation import MandantIdentity, create_mandat
from mediation.mandats.lecture import Filtre, list_mandats
from mediation.mandats.models import Mandat, MandatCategorie
from mediation.mandats.revocation import revoke_mandat
from mediation.mandats.verification import verify_mandat
from mediation.models import Beneficiaire
from mediation.registre_effacements import ledger_file
from tests.mediation.dossier_data import TODAY, Desks, individual, make_desks

# Distinctive synthetic values, so that finding them in the raw bytes cannot be a coincidence.
NOM, PRENOM, LIEU = "Zyxquorth", "Wendolyne", "Xerbourg-sur-Test"
TELEPHONE, EMAIL = "05 46 99 88 77", "wendolyne.zyx@exemple.test"
SECRETS = (
    NOM,
    PRENOM,
    LIEU,
    "+33546998877",
    EMAIL,
    "Carnetsecretnote",
    "Diagsecretnote",
    "Demarchesecrete",
    "Actionsecrete",
)
SIGNED = datetime(2026, 6, 1, 9, tzinfo=UTC)
AFTER_REVOCATION = datetime(2026, 7, 1, 12, tzinfo=UTC)


@pytest.fixture
def desks(db: Database, admin, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _person_with_everything(db: Database, desks: Desks, make_agent) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A followed person with contact, notes, a needs assessment, an accompaniment and a
    mandate with specific actions, revoked a month later."""
    aidant = make_agent((Role.AIDANT, desks.nord))
    with db.session() as s:
        bid = create_beneficiaire(
            s,
            desks.accueil_nord,
            BeneficiaireData(
                nom=NOM,
                prenom=PRENOM,
                annee_naissance=1951,
                date_naissance=date(1951, 2, 3),
                telephone=TELEPHONE,
                email=EMAIL,
                notes="Carnetsecretnote",
                commune_insee="17300",
            ),
            confirm_not_duplicate=True,
            today=TODAY,
        ).id
        record_diagnostic(
            s,
            desks.accueil_nord,
            bid,
            DiagnosticData(date=date(2026, 5, 1), thematiques=["Santé"], notes="Diagsecretnote"),
            today=TODAY,
        )
        record_accompagnement(
            s,
            desks.accueil_nord,
            individual(
                bid,
                thematiques=["Aide aux démarches administratives"],
                sous_themes_admin=["Social - Santé"],
                demarche_nom="Demarchesecrete",
                notes="Carnetsecretnote",
            ),
            today=TODAY,
        )
    with db.session() as s:
        mandat = create_mandat(
            s,
            aidant,
            bid,
            categories=["social", "papiers"],
            duree_jours=365,
            identite=MandantIdentity(NOM, PRENOM, date(1951, 2, 3), LIEU),
            mentions_lues=True,
            hors_mesure_protection=True,
            actions_specifiques="Actionsecrete",
            now=SIGNED,
        )
        mandat_id = mandat.id
    with db.session() as s:
        revoke_mandat(s, aidant, mandat_id, now=datetime(2026, 6, 20, 9, tzinfo=UTC))
    return bid, mandat_id


def test_an_ended_mandate_keeps_only_the_proof_that_it_existed(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    bid, mandat_id = _person_with_everything(db, desks, make_agent)
    aidant = make_agent((Role.AIDANT, desks.nord))
    with db.session() as s:
        before = s.get(Mandat, mandat_id)
        assert before is not None
        proof = (
            before.reference,
            before.structure_id,
            before.debut,
            before.fin,
            before.revoque_at,
            before.template_version,
            before.integrity_code,
        )
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)
    with db.session() as s:
        kept = s.get(Mandat, mandat_id)
        assert kept is not None
        assert (
            kept.reference,
            kept.structure_id,
            kept.debut,
            kept.fin,
            kept.revoque_at,
            kept.template_version,
            kept.integrity_code,
        ) == proof
        assert {c.categorie for c in kept.categories} == {"social", "papiers"}
        assert kept.mandant_nom == f"Personne effacée n° {bid}"
        assert (kept.mandant_prenom, kept.mandant_date_naissance) == ("", None)
        assert (kept.mandant_lieu_naissance, kept.actions_specifiques) == ("", "")
        assert kept.mandant_efface_at == AFTER_REVOCATION
        # The list shows the pseudonym; a search by the former name finds nothing.
        rows = list_mandats(s, aidant, Filtre.TOUS, now=AFTER_REVOCATION)
        assert [r.mandant for r in rows] == [f"Personne effacée n° {bid}"]
        assert list_mandats(s, aidant, Filtre.TOUS, NOM, now=AFTER_REVOCATION) == []


def test_the_paper_of_an_erased_mandate_still_verifies_against_its_recorded_code(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    bid, mandat_id = _person_with_everything(db, desks, make_agent)
    aidant = make_agent((Role.AIDANT, desks.nord))
    with db.session() as s:
        mandat = s.get(Mandat, mandat_id)
        assert mandat is not None
        qr = f"MEDIANUM-MANDAT;1;{mandat.reference};{mandat.integrity_code}"
        erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)
    with db.session() as s:
        result = verify_mandat(s, aidant, qr, now=AFTER_REVOCATION)
    assert result.message.startswith("RÉVOQUÉ")
    assert "identité" in result.message and "effacée" in result.message
    assert NOM not in result.message


def test_an_erased_persons_identity_is_in_neither_the_database_file_nor_its_wal(
    db: Database, desks: Desks, make_agent, engine_name: str
) -> None:  # type: ignore[no-untyped-def]
    if engine_name != "sqlite":
        pytest.skip("the bytes of a SQLite file")
    bid, _mandat = _person_with_everything(db, desks, make_agent)
    database_file = Path(str(db.url.database))
    # Another desk's connection stays open throughout, as in a shared office.
    other_desk = sqlite3.connect(database_file)
    try:
        other_desk.execute("SELECT count(*) FROM beneficiaire").fetchone()
        raw = database_file.read_bytes() + _wal(database_file)
        assert NOM.encode() in raw  # the check below can fail: the name was there
        with db.session() as s:
            erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)
        raw = database_file.read_bytes() + _wal(database_file)
        for secret in SECRETS:
            assert secret.encode().lower() not in raw.lower(), secret
    finally:
        other_desk.close()


def test_erasures_committed_one_after_the_other_in_one_session_each_leave_the_wal_clean(
    db: Database, desks: Desks, make_agent, engine_name: str
) -> None:  # type: ignore[no-untyped-def]
    """A caller may commit and go on with the same session: the second erasure's values leave
    the write-ahead log as the first's did."""
    if engine_name != "sqlite":
        pytest.skip("the bytes of a SQLite file")
    first, _mandat = _person_with_everything(db, desks, make_agent)
    database_file = Path(str(db.url.database))
    other_desk = sqlite3.connect(database_file)
    try:
        other_desk.execute("SELECT count(*) FROM beneficiaire").fetchone()
        with db.session() as s:
            erase_beneficiaire(s, desks.accueil_nord, first, now=AFTER_REVOCATION)
            s.commit()
            second, _mandat = _person_with_everything(db, desks, make_agent)
            raw = database_file.read_bytes() + _wal(database_file)
            assert NOM.encode() in raw  # the second person's name, written since
            erase_beneficiaire(s, desks.accueil_nord, second, now=AFTER_REVOCATION)
        raw = database_file.read_bytes() + _wal(database_file)
        for secret in SECRETS:
            assert secret.encode().lower() not in raw.lower(), secret
    finally:
        other_desk.close()


def _wal(database_file: Path) -> bytes:
    wal = Path(f"{database_file}-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_erasure_sets_secure_delete_on_every_connection(db: Database, engine_name: str) -> None:
    if engine_name != "sqlite":
        pytest.skip("a SQLite setting")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_a_restored_backup_does_not_bring_an_erased_person_back(
    db: Database, desks: Desks, make_agent, engine_name: str, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    if engine_name != "sqlite":
        pytest.skip("the built-in restore is SQLite's (PostgreSQL: pg_restore)")
    bid, mandat_id = _person_with_everything(db, desks, make_agent)
    database_file = Path(str(db.url.database))
    backup = backup_sqlite(database_file, tmp_path / "avant.sqlite3")
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)
    ledger = ledger_file().read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret.lower() not in ledger.lower()
    db.dispose()
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", f"sqlite:///{database_file}")
    from main import main

    assert main(["db", "restore", str(backup), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["apres_restauration"] == [
        "1 effacement(s) réappliqué(s) depuis le registre des effacements."
    ]
    restored = Database(f"sqlite:///{database_file}")
    try:
        with restored.session() as s:
            person = s.get(Beneficiaire, bid)
            assert person is not None and person.efface and person.nom != NOM
            mandat = s.get(Mandat, mandat_id)
            assert mandat is not None and mandat.mandant_date_naissance is None
    finally:
        restored.dispose()
    raw = database_file.read_bytes() + _wal(database_file)
    for secret in SECRETS:
        assert secret.encode().lower() not in raw.lower(), secret


def test_a_ledger_line_never_erases_another_installations_file(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    from mediation.droits import replay_erasure_ledger

    bid, _mandat = _person_with_everything(db, desks, make_agent)
    # A line about a file with the same number but created at another instant.
    ledger_file().write_text(
        json.dumps(
            {
                "beneficiaire": bid,
                "cree_le": "2020-01-01T00:00:00+00:00",
                "efface_le": "2026-07-01T12:00:00+00:00",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    with db.session() as s:
        assert replay_erasure_ledger(s) == 0
    with db.session() as s:
        assert s.get(Beneficiaire, bid).nom == NOM  # type: ignore[union-attr]


def test_two_current_authorisations_for_one_category_are_refused_by_the_database(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    bid, mandat_id = _person_with_everything(db, desks, make_agent)
    aidant = make_agent((Role.AIDANT, desks.nord))
    with db.session() as s:
        create_mandat(
            s,
            aidant,
            bid,
            categories=["social"],
            duree_jours=31,
            identite=MandantIdentity(NOM, PRENOM, date(1951, 2, 3), LIEU),
            mentions_lues=True,
            hors_mesure_protection=True,
            now=AFTER_REVOCATION,
        )
    with pytest.raises(IntegrityError), db.session() as s:
        line = s.scalars(
            select(MandatCategorie).where(
                MandatCategorie.mandat_id == mandat_id, MandatCategorie.categorie == "social"
            )
        ).one()
        line.courante = True
        s.flush()


def test_an_erased_person_is_in_neither_the_exports_nor_the_logs(
    db: Database, desks: Desks, make_agent, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    from core import paths
    from mediation.exports import exporter_accompagnements, exporter_beneficiaires
    from mediation.statistiques import Perimetre

    bid, _mandat = _person_with_everything(db, desks, make_agent)
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)
    year = Perimetre(date(2026, 1, 1), date(2026, 12, 31))
    # The desk agent once the administrator granted the nominative export right.
    exporting = replace(
        desks.accueil_nord, grants=desks.accueil_nord.grants | {(Role.EXPORT_NOMINATIF, None)}
    )
    written = [
        exporter(db, exporting, year, tmp_path / f"{exporter.__name__}.{ext}").chemin
        for exporter in (exporter_beneficiaires, exporter_accompagnements)
        for ext in ("csv", "xlsx")
    ]
    raw = b""
    for path in written:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                raw += b"".join(archive.read(n) for n in archive.namelist())
        else:
            raw += path.read_bytes()
    for log in paths.log_dir().glob("*"):
        raw += log.read_bytes()
    assert raw  # the exports were written
    for secret in SECRETS:
        assert secret.encode().lower() not in raw.lower(), secret


def test_merging_two_files_that_each_hold_a_current_authorisation_keeps_one(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    from mediation.beneficiaires import merge_beneficiaires
    from tests.mediation.dossier_data import add_person

    aidant = make_agent((Role.AIDANT, desks.nord))
    first = add_person(db, desks.accueil_nord, nom="Double", prenom="Anne")
    second = add_person(db, desks.accueil_nord, nom="Double", prenom="Anne")
    for bid in (first, second):
        with db.session() as s:
            create_mandat(
                s,
                aidant,
                bid,
                categories=["social"],
                duree_jours=365,
                identite=MandantIdentity("Double", "Anne", date(1950, 1, 2), "Niort"),
                mentions_lues=True,
                hors_mesure_protection=True,
            )
    with db.session() as s:
        merge_beneficiaires(s, desks.accueil_nord, first, second)
    with db.session() as s:
        current = s.scalars(
            select(MandatCategorie).where(
                MandatCategorie.beneficiaire_id == first, MandatCategorie.courante.is_(True)
            )
        ).all()
        assert len(current) == 1


def test_a_merge_moves_the_other_files_mandates_and_keeps_one_current_authorisation_each(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    """The kept file's current authorisation wins where both had one; the other file's
    authorisations for categories the kept file has none current for (never granted, or
    revoked) stay current; a third person's authorisations change nothing."""
    from mediation.beneficiaires import merge_beneficiaires
    from tests.mediation.dossier_data import add_person

    aidant = make_agent((Role.AIDANT, desks.nord))
    kept = add_person(db, desks.accueil_nord, nom="Double", prenom="Anne")
    other = add_person(db, desks.accueil_nord, nom="Double", prenom="Anne")
    third = add_person(db, desks.accueil_nord, nom="Tiers", prenom="Paul")

    def mandate(bid: int, categories: list[str]) -> int:
        with db.session() as s:
            return create_mandat(
                s,
                aidant,
                bid,
                categories=categories,
                duree_jours=365,
                identite=MandantIdentity("Double", "Anne", date(1950, 1, 2), "Niort"),
                mentions_lues=True,
                hors_mesure_protection=True,
            ).id

    kept_social = mandate(kept, ["social"])
    kept_logement = mandate(kept, ["logement"])
    with db.session() as s:
        revoke_mandat(s, aidant, kept_logement)
    others = mandate(other, ["social", "logement", "argent"])
    thirds = mandate(third, ["argent"])
    with db.session() as s:
        merge_beneficiaires(s, desks.accueil_nord, kept, other)
    with db.session() as s:
        moved = s.scalars(select(Mandat.id).where(Mandat.beneficiaire_id == kept)).all()
        assert sorted(moved) == sorted([kept_social, kept_logement, others])
        current = s.execute(
            select(
                MandatCategorie.beneficiaire_id,
                MandatCategorie.categorie,
                MandatCategorie.mandat_id,
            ).where(MandatCategorie.courante.is_(True))
        ).all()
        assert sorted(current) == sorted(
            [
                (kept, "social", kept_social),
                (kept, "logement", others),
                (kept, "argent", others),
                (third, "argent", thirds),
            ]
        )


def test_after_a_restore_an_erased_file_is_not_counted_as_held_back_by_its_restored_mandate(
    db: Database, desks: Desks, make_agent, engine_name: str, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    """The backup predates the revocation and the erasure: restored, the mandate looks in force
    again while the ledger erases the file again. The retention page must not count that erased
    file among the idle files a running mandate holds back."""
    if engine_name != "sqlite":
        pytest.skip("the built-in restore is SQLite's (PostgreSQL: pg_restore)")
    from mediation.droits import retention_held_by_mandates
    from tests.mediation.dossier_data import add_person

    aidant = make_agent((Role.AIDANT, desks.nord))
    bid = add_person(db, desks.accueil_nord, nom=NOM, prenom=PRENOM)
    with db.session() as s:
        mandat_id = create_mandat(
            s,
            aidant,
            bid,
            categories=["social"],
            duree_jours=365,
            identite=MandantIdentity(NOM, PRENOM, date(1950, 2, 3), LIEU),
            mentions_lues=True,
            hors_mesure_protection=True,
            now=SIGNED,
        ).id
    with db.session() as s:
        person = s.get(Beneficiaire, bid)
        assert person is not None
        person.derniere_activite_at = datetime(2020, 1, 1, tzinfo=UTC)  # idle for years
    database_file = Path(str(db.url.database))
    backup = backup_sqlite(database_file, tmp_path / "avant.sqlite3")
    with db.session() as s:
        revoke_mandat(s, aidant, mandat_id, now=datetime(2026, 6, 20, 9, tzinfo=UTC))
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)
    db.dispose()
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", f"sqlite:///{database_file}")
    from main import main

    assert main(["db", "restore", str(backup), "--json"]) == 0
    capsys.readouterr()
    restored = Database(f"sqlite:///{database_file}")
    try:
        with restored.session() as s:
            person = s.get(Beneficiaire, bid)
            assert person is not None and person.efface
            mandat = s.get(Mandat, mandat_id)
            assert mandat is not None and mandat.revoque_at is None  # as in the backup
            assert retention_held_by_mandates(s, desks.accueil_nord, now=AFTER_REVOCATION) == 0
    finally:
        restored.dispose()
