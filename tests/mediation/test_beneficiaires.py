"""Beneficiaries: registration checks, type-ahead search, visibility, duplicates and merge."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text

from core.auth import Actor
from core.db import Database
from core.errors import NotFoundError, PermissionDenied, ValidationError
from core.journal import verify_journal
from core.models import AuditEntry
from mediation.accompagnements import record_accompagnement
from mediation.beneficiaires import (
    ProbableDuplicateError,
    commune_hors_territoire,
    count_statement,
    create_beneficiaire,
    find_probable_duplicates,
    get_beneficiaire,
    list_statement,
    merge_beneficiaires,
    merge_preview,
    page_rows,
    record_consent,
    search_beneficiaires,
    search_statements,
    update_beneficiaire,
)
from mediation.diagnostics import DiagnosticData, record_diagnostic
from mediation.models import AccompagnementParticipant, Beneficiaire, Diagnostic
from tests.mediation.dossier_data import TODAY, Desks, add_person, individual, make_desks, person


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _names(rows: list) -> list[tuple[str | None, str | None]]:  # type: ignore[type-arg]
    return [(r.nom, r.prenom) for r in rows]


def test_typing_beatrice_without_accent_finds_beatrice(db: Database, desks: Desks) -> None:
    add_person(db, desks.accueil_nord, nom="Lefèvre", prenom="Béatrice")
    add_person(db, desks.accueil_nord, nom="Martin", prenom="Bernard")
    add_person(db, desks.accueil_nord, nom="Beaulieu", prenom="Hélène")
    with db.session() as s:
        assert _names(search_beneficiaires(s, desks.accueil_nord, "beatrice")) == [
            ("Lefèvre", "Béatrice")
        ]
        assert _names(search_beneficiaires(s, desks.accueil_nord, "BEA")) == [
            ("Beaulieu", "Hélène"),
            ("Lefèvre", "Béatrice"),
        ]
        assert _names(search_beneficiaires(s, desks.accueil_nord, "lefe")) == [
            ("Lefèvre", "Béatrice")
        ]


def test_name_and_first_name_prefixes_together_narrow_the_search(
    db: Database, desks: Desks
) -> None:
    add_person(db, desks.accueil_nord, nom="Dupré", prenom="François")
    add_person(db, desks.accueil_nord, nom="Dupré", prenom="Zoé")
    add_person(db, desks.accueil_nord, nom="Durand", prenom="Françoise")
    with db.session() as s:
        assert _names(search_beneficiaires(s, desks.accueil_nord, "dup fran")) == [
            ("Dupré", "François")
        ]
        assert _names(search_beneficiaires(s, desks.accueil_nord, "françois du")) == [
            ("Dupré", "François"),
            ("Durand", "Françoise"),
        ]


def test_search_wildcards_are_taken_literally(db: Database, desks: Desks) -> None:
    add_person(db, desks.accueil_nord, nom="Martin", prenom="Paul")
    with db.session() as s:
        assert search_beneficiaires(s, desks.accueil_nord, "%") == []
        assert search_beneficiaires(s, desks.accueil_nord, "m_rtin") == []
        assert search_beneficiaires(s, desks.accueil_nord, "   ") == []


def test_an_agent_finds_only_the_beneficiaries_of_its_structures(
    db: Database, desks: Desks
) -> None:
    add_person(db, desks.accueil_nord, nom="Nordin", prenom="Anne")
    sud_id = add_person(db, desks.accueil_sud, nom="Nordmann", prenom="Luc")
    with db.session() as s:
        assert _names(search_beneficiaires(s, desks.accueil_nord, "nord")) == [("Nordin", "Anne")]
        with pytest.raises(PermissionDenied):
            get_beneficiaire(s, desks.accueil_nord, sud_id)


def test_a_coordinator_sees_no_names_unless_it_holds_a_desk_role_there(
    db: Database, desks: Desks
) -> None:
    nord_id = add_person(db, desks.accueil_nord, nom="Nordin", prenom="Anne")
    sud_id = add_person(db, desks.accueil_sud, nom="Sudre", prenom="Marc")
    with db.session() as s:
        with pytest.raises(PermissionDenied):
            search_beneficiaires(s, desks.coordinateur, "nordin")
        with pytest.raises(PermissionDenied):
            get_beneficiaire(s, desks.coordinateur, nord_id)
        assert s.scalar(count_statement(list_statement(desks.coordinateur))) == 0
        both = desks.coordinateur_au_guichet_sud
        assert get_beneficiaire(s, both, sud_id).nom == "Sudre"
        with pytest.raises(PermissionDenied):
            get_beneficiaire(s, both, nord_id)


def test_an_unknown_file_is_not_found(db: Database, desks: Desks) -> None:
    with db.session() as s, pytest.raises(NotFoundError):
        get_beneficiaire(s, desks.accueil_nord, 999_999)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"date_naissance": date(2026, 7, 1), "annee_naissance": None}, "date_naissance"),
        ({"annee_naissance": 2027}, "annee_naissance"),
        ({"annee_naissance": 1850}, "annee_naissance"),
        ({"commune_insee": "99999"}, "code_insee"),
        ({"telephone": "05 46 12"}, "telephone"),
        ({"email": "beatrice.exemple.fr"}, "email"),
        ({"genre": "Autre"}, "genre"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(
    db: Database, desks: Desks, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught, db.session() as s:
        create_beneficiaire(s, desks.accueil_nord, person(**values), today=TODAY)
    assert caught.value.field == field
    assert str(caught.value)
    with db.session() as s:
        assert s.scalar(select(Beneficiaire.id)) is None


def test_an_anonymous_beneficiary_has_no_name_but_keeps_statistics_values(
    db: Database, desks: Desks
) -> None:
    with db.session() as s:
        b = create_beneficiaire(
            s,
            desks.accueil_nord,
            person(
                nom=None,
                prenom=None,
                anonyme=True,
                annee_naissance=None,
                tranche_age_declaree="60 - 69 ans",
                genre="Féminin",
            ),
            today=TODAY,
        )
        assert (b.anonyme, b.nom, b.genre, b.tranche_age_declaree) == (
            True,
            None,
            "Féminin",
            "60 - 69 ans",
        )
    with pytest.raises(ValidationError), db.session() as s:
        create_beneficiaire(s, desks.accueil_nord, person(anonyme=True), today=TODAY)


def test_a_resident_outside_the_territory_is_accepted_and_marked(
    db: Database, desks: Desks
) -> None:
    with db.session() as s:
        rochefort = create_beneficiaire(
            s, desks.accueil_nord, person(commune_insee="17299"), today=TODAY
        )
        assert rochefort.commune_insee == "17299"
        assert commune_hors_territoire(s, "17299") is True
        assert commune_hors_territoire(s, "17300") is False


def test_phone_is_stored_in_international_form_and_consent_remembers_the_agent(
    db: Database, desks: Desks
) -> None:
    with db.session() as s:
        b = create_beneficiaire(
            s,
            desks.accueil_nord,
            person(telephone="05 46 12 34 56", email="Beatrice@Exemple.FR", consentement=True),
            today=TODAY,
        )
        assert b.telephone == "+33546123456"
        assert b.email == "beatrice@exemple.fr"
        assert b.consentement_agent_id == desks.accueil_nord.agent_id
        assert b.consentement_at is not None


def test_two_matching_fields_after_normalisation_warn_of_a_duplicate(
    db: Database, desks: Desks
) -> None:
    first = add_person(db, desks.accueil_nord, nom="Lefèvre", prenom="Béatrice", telephone=None)
    with pytest.raises(ProbableDuplicateError) as caught, db.session() as s:
        create_beneficiaire(
            s, desks.accueil_nord, person(nom="LEFEVRE", prenom="beatrice"), today=TODAY
        )
    assert [c.id for c in caught.value.candidates] == [first]
    assert caught.value.candidates[0].matches == ("nom", "prenom")
    with db.session() as s:
        confirmed = create_beneficiaire(
            s,
            desks.accueil_nord,
            person(nom="LEFEVRE", prenom="beatrice"),
            confirm_not_duplicate=True,
            today=TODAY,
        )
        assert confirmed.id != first


def test_phone_and_email_alone_also_make_a_probable_duplicate(db: Database, desks: Desks) -> None:
    first = add_person(
        db, desks.accueil_nord, nom="Martin", prenom="Zoé", telephone="0612345678", email="z@ex.fr"
    )
    with db.session() as s:
        found = find_probable_duplicates(
            s,
            desks.accueil_nord,
            person(nom="Autre", prenom="Nom", telephone="+33612345678", email="z@ex.fr"),
        )
        assert [(c.id, c.matches) for c in found] == [(first, ("telephone", "email"))]


def test_a_single_matching_field_is_not_a_duplicate(db: Database, desks: Desks) -> None:
    add_person(db, desks.accueil_nord, nom="Martin", prenom="Zoé")
    with db.session() as s:
        b = create_beneficiaire(
            s, desks.accueil_nord, person(nom="Martin", prenom="Hugo"), today=TODAY
        )
        assert b.id


def test_merge_preview_shows_what_the_merge_then_does(db: Database, desks: Desks) -> None:
    actor = desks.accueil_nord
    kept = add_person(db, actor, nom="Crépeau", prenom="Hélène", telephone=None, genre="Féminin")
    other = add_person(
        db,
        actor,
        nom="CREPEAU",
        prenom="Helene",
        annee_naissance=1961,
        telephone="0612345678",
        statut="Retraité",
    )
    with db.session() as s:
        record_accompagnement(s, actor, individual(other), today=TODAY)
        record_diagnostic(s, actor, other, DiagnosticData(date=date(2026, 6, 1)), today=TODAY)
    with db.session() as s:
        preview = merge_preview(s, actor, kept, other)
        assert {c.field: c.result for c in preview.changes} == {
            "telephone": "+33612345678",
            "statut": "Retraité",
        }
        assert {c.field: c.result for c in preview.conflicts} == {
            "nom": "Crépeau",
            "prenom": "Hélène",
            "annee_naissance": 1950,
        }
        assert (preview.accompagnements_moved, preview.diagnostics_moved) == (1, 1)
    with db.session() as s:
        merged = merge_beneficiaires(s, actor, kept, other)
        assert (merged.nom, merged.annee_naissance, merged.telephone, merged.statut) == (
            "Crépeau",
            1950,
            "+33612345678",
            "Retraité",
        )
    with db.session() as s:
        participants = s.scalars(select(AccompagnementParticipant.beneficiaire_id)).all()
        assert participants == [kept]
        assert s.scalars(select(Diagnostic.beneficiaire_id)).all() == [kept]
        assert _names(search_beneficiaires(s, actor, "crepeau")) == [("Crépeau", "Hélène")]
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "beneficiaire.fusion")
        ).one()
        assert entry.entity_id == str(kept)
        assert entry.details["fusionne"] == other
        assert verify_journal(s).ok


def test_update_records_changed_field_names_but_no_personal_values(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord)
    with db.session() as s:
        update_beneficiaire(
            s, desks.accueil_nord, bid, person(telephone="05 46 00 00 01"), today=TODAY
        )
    with db.session() as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "beneficiaire")
        ).all()
        assert [e.action for e in entries] == ["beneficiaire.creation", "beneficiaire.modification"]
        assert entries[1].details == {"champs": ["telephone"]}
        dumped = repr([e.details for e in entries])
        assert "Lefèvre" not in dumped and "546" not in dumped


def test_the_list_pages_and_sorts_in_sql(db: Database, desks: Desks) -> None:
    for nom in ("Zola", "Élie", "Martin", "Abadie", "Noël"):
        add_person(db, desks.accueil_nord, nom=nom, prenom="Test")
    with db.session() as s:
        stmt = list_statement(desks.accueil_nord)
        assert s.scalar(count_statement(stmt)) == 5
        assert [r.nom for r in page_rows(s, stmt, 0, 2)] == ["Abadie", "Élie"]
        assert [r.nom for r in page_rows(s, stmt, 2, 2)] == ["Martin", "Noël"]
        desc = list_statement(desks.accueil_nord, sort="nom", descending=True)
        assert [r.nom for r in page_rows(s, desc, 0, 1)] == ["Zola"]


def test_type_ahead_search_is_answered_from_the_name_indexes(db: Database, desks: Desks) -> None:
    add_person(db, desks.accueil_nord)
    with db.session() as s:
        by_nom, by_prenom = search_statements(desks.accueil_nord, "bea")
        plans = []
        for stmt in (by_nom, by_prenom):
            compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            if s.get_bind().dialect.name == "sqlite":
                rows = s.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
                plans.append(" ".join(str(r[-1]) for r in rows))
            else:
                s.execute(text("SET LOCAL enable_seqscan = off"))
                plans.append(" ".join(r[0] for r in s.execute(text(f"EXPLAIN {compiled}"))))
        assert "ix_beneficiaire_nom_cle" in plans[0]
        assert "ix_beneficiaire_prenom_cle" in plans[1]
        # Walking the index in order: no sort of all the matches.
        assert all("TEMP B-TREE" not in p and "Sort" not in p for p in plans)


def test_consent_given_later_records_when_and_before_which_agent(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord)
    with db.session() as s:
        assert get_beneficiaire(s, desks.accueil_nord, bid).consentement_at is None
        record_consent(s, desks.mediateur_nord, bid)
    with db.session() as s:
        b = get_beneficiaire(s, desks.accueil_nord, bid)
        assert b.consentement_at is not None
        assert b.consentement_agent_id == desks.mediateur_nord.agent_id
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(bid))).all()
        assert "beneficiaire.consentement" in actions
