"""Personal-data rights: access export (JSON and PDF), erasure, retention policy."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.auth import Actor
from core.db import Database, utcnow
from core.errors import ConflictError, NotFoundError, PermissionDenied
from core.installation import put_setting
from core.journal import verify_journal
from core.models import AuditEntry, Role
from mediation.accompagnements import record_accompagnement
from mediation.beneficiaires import search_beneficiaires
from mediation.diagnostics import DiagnosticData, record_diagnostic
from mediation.droits import (
    apply_retention,
    erase_beneficiaire,
    export_personal_data,
    retention_due,
    retention_held_by_mandates,
)
from mediation.mandats.creation import MandantIdentity, create_mandat
from mediation.mandats.revocation import revoke_mandat
from mediation.models import Accompagnement, Beneficiaire, Diagnostic
from tests.mediation.dossier_data import TODAY, Desks, add_person, individual, make_desks


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


@pytest.fixture
def followed(db: Database, desks: Desks) -> int:
    """Béatrice, with a needs assessment and an accompaniment with notes."""
    bid = add_person(
        db,
        desks.accueil_nord,
        nom="Lefèvre",
        prenom="Béatrice",
        annee_naissance=1950,
        genre="Féminin",
        statut="Retraité",
        telephone="05 46 12 34 56",
        email="beatrice@exemple.fr",
        notes="Préfère le matin",
    )
    with db.session() as s:
        record_diagnostic(
            s,
            desks.accueil_nord,
            bid,
            DiagnosticData(date=date(2026, 5, 1), thematiques=["Santé"], notes="Vit seule"),
            today=TODAY,
        )
        record_accompagnement(
            s,
            desks.accueil_nord,
            individual(
                bid,
                thematiques=["Aide aux démarches administratives"],
                sous_themes_admin=["Social - Santé"],
                demarche_nom="Carte Vitale",
                notes="Numéro de sécurité sociale noté",
            ),
            today=TODAY,
        )
    return bid


def test_access_export_holds_everything_as_json_and_a_readable_pdf(
    db: Database, desks: Desks, followed: int, tmp_path: Path
) -> None:
    with db.session() as s:
        written = export_personal_data(s, desks.accueil_nord, followed, tmp_path / "acces")
    assert sorted(p.name for p in written) == ["acces.json", "acces.pdf"]
    data = json.loads((tmp_path / "acces.json").read_text(encoding="utf-8"))
    assert data["beneficiaire"]["nom"] == "Lefèvre"
    assert data["beneficiaire"]["telephone"] == "+33546123456"
    assert data["beneficiaire"]["tranche_age"] == "70 ans et plus"
    assert data["diagnostics"][0]["thematiques"] == ["Santé"]
    assert data["accompagnements"][0]["thematiques"] == ["Aide aux démarches administratives"]
    pdf_text = " ".join(
        page.extract_text() for page in PdfReader(tmp_path / "acces.pdf").pages
    ).replace("\n", " ")
    for expected in ("Béatrice", "Lefèvre", "+33546123456", "Carte Vitale", "Préfère le matin"):
        assert expected in pdf_text
    with db.session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "beneficiaire.export_donnees")
        ).one()
        assert entry.entity_id == str(followed)
        assert "Lefèvre" not in json.dumps(entry.details, ensure_ascii=False)


def test_a_mediator_without_the_rights_permission_cannot_export_nor_erase(
    db: Database, desks: Desks, followed: int, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDenied), db.session() as s:
        export_personal_data(s, desks.mediateur_nord, followed, tmp_path / "x.json")
    with pytest.raises(PermissionDenied), db.session() as s:
        erase_beneficiaire(s, desks.mediateur_nord, followed)
    assert not (tmp_path / "x.json").exists()


def test_erasure_keeps_anonymous_statistics_and_the_journal(
    db: Database, desks: Desks, followed: int
) -> None:
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, followed)
    with db.session() as s:
        b = s.get(Beneficiaire, followed)
        assert b is not None
        assert b.nom == f"Personne effacée n° {followed}"
        assert (b.prenom, b.telephone, b.email, b.notes, b.annee_naissance) == (
            None,
            None,
            None,
            None,
            None,
        )
        assert (b.genre, b.statut, b.commune_insee, b.tranche_age_declaree) == (
            "Féminin",
            "Retraité",
            "17300",
            "70 ans et plus",
        )
        assert s.scalars(select(Diagnostic.notes)).all() == [None]
        acc = s.scalars(select(Accompagnement)).one()
        assert (acc.notes, acc.demarche_nom, acc.sous_themes_admin) == (
            None,
            None,
            ["Social - Santé"],
        )
        assert search_beneficiaires(s, desks.accueil_nord, "lefevre") == []
        actions = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_type == "beneficiaire", AuditEntry.entity_id == str(followed)
            )
        ).all()
        assert actions[0] == "beneficiaire.creation"
        assert actions[-1] == "beneficiaire.effacement"
        assert verify_journal(s).ok
    with pytest.raises(ConflictError), db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, followed)


def test_an_erased_file_can_no_longer_be_exported(
    db: Database, desks: Desks, followed: int, tmp_path: Path
) -> None:
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, followed)
    with pytest.raises(NotFoundError), db.session() as s:
        export_personal_data(s, desks.accueil_nord, followed, tmp_path / "x.json")


def _set_last_activity(db: Database, bid: int, when: datetime) -> None:
    with db.session() as s:
        b = s.get(Beneficiaire, bid)
        assert b is not None
        b.derniere_activite_at = when


def test_retention_lists_files_idle_for_the_configured_years_and_erases_after_confirmation(
    db: Database, desks: Desks
) -> None:
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    idle = add_person(db, desks.accueil_nord, nom="Ancien")
    recent = add_person(db, desks.accueil_nord, nom="Récent")
    other_desk = add_person(db, desks.accueil_sud, nom="Ailleurs")
    _set_last_activity(db, idle, datetime(2023, 6, 1, tzinfo=UTC))
    _set_last_activity(db, recent, datetime(2024, 1, 1, tzinfo=UTC))
    _set_last_activity(db, other_desk, datetime(2020, 1, 1, tzinfo=UTC))
    with db.session() as s:
        assert [c.id for c in retention_due(s, desks.accueil_nord, now=now)] == [idle]
        put_setting(s, "retention_years", 2)
        assert [c.id for c in retention_due(s, desks.accueil_nord, now=now)] == [idle, recent]
        put_setting(s, "retention_years", 3)
    # « recent » was listed earlier but is not due any more: confirming it erases nothing.
    with db.session() as s:
        assert apply_retention(s, desks.accueil_nord, [idle, recent], now=now) == 1
    with db.session() as s:
        assert s.get(Beneficiaire, idle).efface is True  # type: ignore[union-attr]
        assert s.get(Beneficiaire, recent).efface is False  # type: ignore[union-attr]
        assert s.get(Beneficiaire, other_desk).efface is False  # type: ignore[union-attr]
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "beneficiaire.effacement")
        ).one()
        assert entry.entity_id == str(idle)
        assert entry.details == {"motif": "conservation", "annees": 3}


def test_on_a_29_february_the_retention_listing_counts_back_to_the_28th(
    db: Database, desks: Desks
) -> None:
    # 2028-02-29 minus three years has no 29 February: the listing used to fail that day.
    now = datetime(2028, 2, 29, 12, tzinfo=UTC)
    before = add_person(db, desks.accueil_nord, nom="Avant")
    at_cutoff = add_person(db, desks.accueil_nord, nom="Limite")
    _set_last_activity(db, before, datetime(2025, 2, 28, 11, 59, tzinfo=UTC))
    _set_last_activity(db, at_cutoff, datetime(2025, 2, 28, 12, tzinfo=UTC))
    with db.session() as s:
        assert [c.id for c in retention_due(s, desks.accueil_nord, now=now)] == [before]


# --- mandates are kept longer than the file's idleness -------------------------------------------

ODILE = MandantIdentity("Lambert", "Odile", date(1950, 3, 14), "Rochefort")


def _mandate(db: Database, aidant: Actor, bid: int, signed: datetime, days: int = 365) -> int:
    with db.session() as s:
        return create_mandat(
            s,
            aidant,
            bid,
            categories=["social"],
            duree_jours=days,
            identite=ODILE,
            mentions_lues=True,
            hors_mesure_protection=True,
            now=signed,
        ).id


def test_retention_holds_back_a_file_only_while_the_persons_mandate_runs(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    aidant = make_agent((Role.AIDANT, desks.nord))
    now = datetime(2030, 6, 15, 12, tzinfo=UTC)
    odile = add_person(db, desks.accueil_nord, nom="Lambert", prenom="Odile")
    idle = add_person(db, desks.accueil_nord, nom="Ancien")
    # A one-year mandate signed in January 2030 runs until January 2031.
    _mandate(db, aidant, odile, datetime(2030, 1, 5, 9, tzinfo=UTC))
    _set_last_activity(db, odile, datetime(2026, 1, 5, tzinfo=UTC))
    _set_last_activity(db, idle, datetime(2026, 1, 5, tzinfo=UTC))
    with db.session() as s:
        assert [c.id for c in retention_due(s, desks.accueil_nord, now=now)] == [idle]
        assert retention_held_by_mandates(s, desks.accueil_nord, now=now) == 1
        assert retention_held_by_mandates(s, desks.accueil_sud, now=now) == 0
    # Confirming a list that named her anyway keeps her while the mandate runs.
    with db.session() as s:
        assert apply_retention(s, desks.accueil_nord, [odile, idle], now=now) == 1
    with db.session() as s:
        assert s.get(Beneficiaire, odile).nom == "Lambert"  # type: ignore[union-attr]
    # The day after it ended, her file is due like any other: the six years of keeping the
    # signed paper no longer hold the whole file (phone, accompaniments) back.
    later = datetime(2031, 1, 6, 12, tzinfo=UTC)
    with db.session() as s:
        assert [c.id for c in retention_due(s, desks.accueil_nord, now=later)] == [odile]
        assert apply_retention(s, desks.accueil_nord, [odile], now=later) == 1
    with db.session() as s:
        assert s.get(Beneficiaire, odile).efface is True  # type: ignore[union-attr]


def test_only_files_idle_for_the_full_period_count_as_held_back_by_a_mandate(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    aidant = make_agent((Role.AIDANT, desks.nord))
    now = datetime(2030, 6, 15, 12, tzinfo=UTC)
    signed = datetime(2030, 1, 5, 9, tzinfo=UTC)  # one year: runs until January 2031
    idle = add_person(db, desks.accueil_nord, nom="Ancien", prenom="Odile")
    exactly = add_person(db, desks.accueil_nord, nom="Juste", prenom="Odile")
    recent = add_person(db, desks.accueil_nord, nom="Récent", prenom="Odile")
    for bid in (idle, exactly, recent):
        _mandate(db, aidant, bid, signed)
    # Three years (the default) before 15 June 2030 at noon is 15 June 2027 at noon: a file
    # last active at that very moment has not been idle *more* than three years.
    _set_last_activity(db, idle, datetime(2027, 6, 15, 11, 59, tzinfo=UTC))
    _set_last_activity(db, exactly, datetime(2027, 6, 15, 12, tzinfo=UTC))
    _set_last_activity(db, recent, datetime(2030, 5, 1, tzinfo=UTC))
    with db.session() as s:
        assert retention_held_by_mandates(s, desks.accueil_nord, now=now) == 1
        assert retention_due(s, desks.accueil_nord, now=now) == []


def test_a_file_whose_mandate_has_ended_by_the_day_the_policy_is_applied_is_erased_by_its_agent(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    aidant = make_agent((Role.AIDANT, desks.nord))
    # A mandate running today, for a year; the policy is applied 400 days from now, when the
    # mandate has ended and the file has been idle for more than three years.
    today = utcnow()
    odile = add_person(db, desks.accueil_nord, nom="Lambert", prenom="Odile")
    _mandate(db, aidant, odile, today - timedelta(days=10))
    _set_last_activity(db, odile, datetime(2020, 1, 1, tzinfo=UTC))
    later = today + timedelta(days=400)
    with db.session() as s:
        assert [c.id for c in retention_due(s, desks.accueil_nord, now=later)] == [odile]
        assert apply_retention(s, desks.accueil_nord, [odile], now=later) == 1
    with db.session() as s:
        assert s.get(Beneficiaire, odile).efface is True  # type: ignore[union-attr]
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "beneficiaire.effacement")
        ).one()
        assert (entry.entity_id, entry.agent_id) == (str(odile), desks.accueil_nord.agent_id)


def test_a_revoked_mandate_no_longer_holds_the_file_back(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    aidant = make_agent((Role.AIDANT, desks.nord))
    odile = add_person(db, desks.accueil_nord, nom="Lambert", prenom="Odile")
    mandat = _mandate(db, aidant, odile, datetime(2026, 1, 10, 9, tzinfo=UTC))
    during = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with pytest.raises(ConflictError), db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, odile, now=during)
    with db.session() as s:
        revoke_mandat(s, aidant, mandat, now=datetime(2026, 3, 1, 9, tzinfo=UTC))
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, odile, now=during)
    with db.session() as s:
        assert s.get(Beneficiaire, odile).efface is True  # type: ignore[union-attr]


def test_erasing_on_request_is_refused_while_a_mandate_runs_with_the_date_it_becomes_possible(
    db: Database, desks: Desks, followed: int, make_agent
) -> None:  # type: ignore[no-untyped-def]
    aidant = make_agent((Role.AIDANT, desks.nord))
    # Signed on 1 June 2026 for 365 days: runs until 1 June 2027.
    _mandate(db, aidant, followed, datetime(2026, 6, 1, 9, tzinfo=UTC))
    with pytest.raises(ConflictError) as refused, db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, followed, now=datetime(2026, 6, 15, tzinfo=UTC))
    message = str(refused.value)
    assert "mandat en cours" in message
    assert "1 juin 2027" in message
    assert "révoqué" in message
    with db.session() as s:
        b = s.get(Beneficiaire, followed)
        assert b is not None and (b.nom, b.efface) == ("Lefèvre", False)
        assert (
            s.scalars(
                select(AuditEntry).where(AuditEntry.action == "beneficiaire.effacement")
            ).all()
            == []
        )
    # Once it has ended, the request is honoured.
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, followed, now=datetime(2027, 6, 2, tzinfo=UTC))
    with db.session() as s:
        assert s.get(Beneficiaire, followed).efface is True  # type: ignore[union-attr]


def test_erasing_another_structures_erased_file_is_refused_without_saying_it_was_erased(
    db: Database, desks: Desks, followed: int
) -> None:
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, followed)
    # Another structure's desk learns nothing about the file, erased or not.
    with pytest.raises(PermissionDenied) as refused, db.session() as s:
        erase_beneficiaire(s, desks.accueil_sud, followed)
    assert "effacé" not in str(refused.value)
    # A role without the right is refused before anything is looked up.
    with pytest.raises(PermissionDenied), db.session() as s:
        erase_beneficiaire(s, desks.mediateur_nord, 999_999)


def test_the_administrator_lists_the_files_due_for_retention_and_answers_requests(
    db: Database, desks: Desks, admin: Actor, tmp_path: Path
) -> None:
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    idle = add_person(db, desks.accueil_nord, nom="Ancien")
    elsewhere = add_person(db, desks.accueil_sud, nom="Ailleurs")
    _set_last_activity(db, idle, datetime(2023, 6, 1, tzinfo=UTC))
    _set_last_activity(db, elsewhere, datetime(2022, 6, 1, tzinfo=UTC))
    with db.session() as s:
        assert {c.id for c in retention_due(s, admin, now=now)} == {idle, elsewhere}
        export_personal_data(s, admin, idle, tmp_path / "acces.json")
    with db.session() as s:
        erase_beneficiaire(s, admin, idle)
    with db.session() as s:
        assert s.get(Beneficiaire, idle).efface is True  # type: ignore[union-attr]
