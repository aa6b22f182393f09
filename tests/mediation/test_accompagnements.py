"""Accompaniments and needs assessments: national rules, anonymous counts, duplication,
timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied, ValidationError
from mediation.accompagnements import (
    AnonymousCount,
    duplicate_data,
    participant_count,
    record_accompagnement,
    timeline,
)
from mediation.beneficiaires import get_beneficiaire
from mediation.diagnostics import DiagnosticData, record_diagnostic
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementThematique,
    ParticipantsAnonymes,
)
from tests.mediation.dossier_data import TODAY, Desks, add_person, individual, make_desks


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"thematiques": []}, "thematiques"),
        ({"sous_themes_admin": ["Logement"]}, "sous_themes_admin"),
        ({"demarche_nom": "CAF"}, "sous_themes_admin"),
        ({"date": date(2026, 6, 16)}, "date"),
        ({"duree_min": 0}, "duree_min"),
        ({"lieu_type": "Au café"}, "lieu_type"),
        ({"materiel": ["Pas de matériel", "Ordinateur"]}, "materiel"),
        ({"atelier_titre": "Atelier"}, "titre"),
        ({"thematiques": ["Cuisine"]}, "thematiques"),
    ],
)
def test_an_accompaniment_breaking_a_national_rule_is_refused(
    db: Database, desks: Desks, values: dict[str, object], field: str
) -> None:
    bid = add_person(db, desks.accueil_nord)
    with pytest.raises(ValidationError) as caught, db.session() as s:
        record_accompagnement(s, desks.accueil_nord, individual(bid, **values), today=TODAY)
    assert caught.value.field == field
    with db.session() as s:
        assert s.scalar(select(Accompagnement.id)) is None


def test_administrative_help_takes_sub_themes_and_the_procedure_name(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord)
    with db.session() as s:
        acc = record_accompagnement(
            s,
            desks.accueil_nord,
            individual(
                bid,
                thematiques=["Aide aux démarches administratives", "E-mail", "E-mail"],
                sous_themes_admin=["Logement", "Argent - Impôts"],
                demarche_nom="  Demande d'APL ",
                oriente=True,
                orientation="Structure d'aide sociale (maison des solidarités, centre social…)",
            ),
            today=TODAY,
        )
        themes = s.scalars(
            select(AccompagnementThematique.thematique).order_by(
                AccompagnementThematique.thematique
            )
        ).all()
        assert themes == ["Aide aux démarches administratives", "E-mail"]
        assert acc.sous_themes_admin == ["Logement", "Argent - Impôts"]
        assert acc.demarche_nom == "Demande d'APL"
        assert s.scalars(select(AccompagnementMateriel.materiel)).all() == ["Ordinateur"]


def test_an_individual_accompaniment_concerns_exactly_one_person(
    db: Database, desks: Desks
) -> None:
    a = add_person(db, desks.accueil_nord, nom="Un")
    b = add_person(db, desks.accueil_nord, nom="Deux")
    with pytest.raises(ValidationError), db.session() as s:
        record_accompagnement(
            s, desks.accueil_nord, individual(a, beneficiaire_ids=[a, b]), today=TODAY
        )


def test_an_atelier_counts_named_and_anonymous_participants(db: Database, desks: Desks) -> None:
    a = add_person(db, desks.accueil_nord, nom="Un")
    with db.session() as s:
        acc = record_accompagnement(
            s,
            desks.mediateur_nord,
            individual(
                a,
                type="Atelier collectif",
                atelier_titre="Premiers pas sur la tablette",
                atelier_niveau="Débutant",
                duree_min=90,
                anonymes=[
                    AnonymousCount("Féminin", "70 ans et plus", "Retraité", 3),
                    AnonymousCount("Masculin", "60 - 69 ans", "Retraité", 2),
                    AnonymousCount("Féminin", "70 ans et plus", "Retraité", 1),
                ],
            ),
            today=TODAY,
        )
        assert participant_count(s, acc.id) == 1 + 3 + 2 + 1
        groups = {
            (p.genre, p.tranche_age, p.nombre) for p in s.scalars(select(ParticipantsAnonymes))
        }
        assert groups == {("Féminin", "70 ans et plus", 4), ("Masculin", "60 - 69 ans", 2)}
    with pytest.raises(ValidationError) as caught, db.session() as s:
        record_accompagnement(
            s,
            desks.mediateur_nord,
            individual(a, type="Atelier collectif", atelier_titre=None),
            today=TODAY,
        )
    assert caught.value.field == "atelier_titre"


def test_recording_moves_the_last_activity_date_forward_only(db: Database, desks: Desks) -> None:
    bid = add_person(db, desks.accueil_nord)
    with db.session() as s:
        b = get_beneficiaire(s, desks.accueil_nord, bid)
        b.derniere_activite_at = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as s:
        record_accompagnement(
            s, desks.accueil_nord, individual(bid, date=date(2026, 3, 1)), today=TODAY
        )
        record_accompagnement(
            s, desks.accueil_nord, individual(bid, date=date(2026, 2, 1)), today=TODAY
        )
    with db.session() as s:
        last = get_beneficiaire(s, desks.accueil_nord, bid).derniere_activite_at
        assert last.date() == date(2026, 3, 1)


def test_a_participant_from_an_invisible_structure_is_refused(db: Database, desks: Desks) -> None:
    sud = add_person(db, desks.accueil_sud)
    with pytest.raises(PermissionDenied), db.session() as s:
        record_accompagnement(s, desks.accueil_nord, individual(sud), today=TODAY)


def test_duplicating_copies_the_activity_for_today_without_notes_nor_people(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord)
    with db.session() as s:
        acc = record_accompagnement(
            s,
            desks.accueil_nord,
            individual(
                bid,
                thematiques=["Navigation sur internet", "E-mail"],
                duree_min=45,
                lieu_type="À domicile",
                autonomie="Autonome",
                notes="Revenir avec le mot de passe",
            ),
            today=TODAY,
        )
    with db.session() as s:
        copy = duplicate_data(s, desks.accueil_nord, acc.id, on=TODAY)
        assert copy.date == TODAY
        assert (copy.type, copy.duree_min, copy.lieu_type, copy.autonomie) == (
            "Accompagnement individuel",
            45,
            "À domicile",
            "Autonome",
        )
        assert copy.thematiques == ["Navigation sur internet", "E-mail"]
        assert copy.notes is None and copy.beneficiaire_ids == []
        copy.beneficiaire_ids = [bid]
        again = record_accompagnement(s, desks.accueil_nord, copy, today=TODAY)
        assert again.id != acc.id


def test_the_timeline_lists_accompaniments_and_assessments_most_recent_first(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord)
    with db.session() as s:
        record_accompagnement(
            s, desks.accueil_nord, individual(bid, date=date(2026, 5, 2)), today=TODAY
        )
        record_diagnostic(
            s,
            desks.accueil_nord,
            bid,
            DiagnosticData(date=date(2026, 5, 1), thematiques=["E-mail"], autonomie="Avec guidage"),
            today=TODAY,
        )
        record_accompagnement(
            s, desks.accueil_nord, individual(bid, date=date(2026, 6, 1)), today=TODAY
        )
    with db.session() as s:
        events = timeline(s, desks.accueil_nord, bid)
        assert [(e.kind, e.date) for e in events] == [
            ("accompagnement", date(2026, 6, 1)),
            ("accompagnement", date(2026, 5, 2)),
            ("diagnostic", date(2026, 5, 1)),
        ]
        assert events[0].thematiques == ("E-mail",)


def test_a_needs_assessment_in_the_future_or_with_an_impossible_score_is_refused(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord)
    for data in (
        DiagnosticData(date=date(2026, 7, 1)),
        DiagnosticData(date=date(2026, 6, 1), abc_diag_score=140),
        DiagnosticData(date=date(2026, 6, 1), equipement=["Minitel"]),
    ):
        with pytest.raises(ValidationError), db.session() as s:
            record_diagnostic(s, desks.accueil_nord, bid, data, today=TODAY)
