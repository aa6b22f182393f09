"""Rules of the personal-data rights that the other tests leave unsaid: what the start of a desk
does with the erasure ledger and the files naming people, the journal and the instants of the
access export, and the retention list's order, who may see it and its default period."""

from __future__ import annotations

import json
import locale
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from core import fichiers_nominatifs, paths
from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied
from core.installation import put_setting
from core.models import Agent, AuditEntry, Role
from mediation import referentiel as ref
from mediation import registre_effacements as ledger
from mediation.accompagnements import AccompagnementData, record_accompagnement
from mediation.beneficiaires import update_beneficiaire
from mediation.diagnostics import DiagnosticData, record_diagnostic
from mediation.droits import (
    at_start,
    collect_personal_data,
    erase_beneficiaire,
    export_personal_data,
    pseudonymise,
    replay_erasure_ledger,
    retention_due,
    retention_held_by_mandates,
    retention_years,
)
from mediation.mandats.creation import MandantIdentity, create_mandat
from mediation.mandats.models import Mandat
from mediation.models import Accompagnement, Beneficiaire
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.redemption import redeem
from tests.mediation.dossier_data import TODAY, Desks, add_person, individual, make_desks, person
from tests.pass_numerique.conftest import TODAY as PASS_DAY
from tests.pass_numerique.conftest import World
from tests.pass_numerique.conftest import world as world  # the fixture

ERASED_AT = datetime(2026, 7, 1, 12, tzinfo=UTC)


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _created_at(db: Database, bid: int) -> datetime:
    with db.read_session() as s:
        person = s.get(Beneficiaire, bid)
        assert person is not None
        return person.created_at


def _many_people(db: Database, structure_id: int, n: int, *, efface: bool) -> list[int]:
    """``n`` files written at once (as an import or years of service would leave them)."""
    at = datetime(2024, 1, 1, tzinfo=UTC)
    with db.session() as s:
        ids = s.scalars(
            insert(Beneficiaire).returning(Beneficiaire.id),
            [
                {
                    "structure_id": structure_id,
                    "nom": "Personne effacée" if efface else f"Nom{i}",
                    "anonyme": efface,
                    "efface": efface,
                    "created_at": at,
                    "updated_at": at,
                    "derniere_activite_at": at,
                }
                for i in range(n)
            ],
        ).all()
    assert len(ids) == n
    return sorted(ids)


def _export_file(name: str, ids: list[int]) -> Path:
    path = paths.export_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("liste nominative", encoding="utf-8")
    assert fichiers_nominatifs.record(path, ids)
    return path


# --- the start of a desk ---------------------------------------------------------------------


def test_at_start_only_the_files_naming_an_erased_person_leave_and_both_things_done_are_said(
    db: Database, desks: Desks
) -> None:
    erased_elsewhere = add_person(db, desks.accueil_nord, nom="Effacée", prenom="Ailleurs")
    followed = add_person(db, desks.accueil_nord, nom="Suivie", prenom="Toujours")
    lacking = add_person(db, desks.accueil_nord, nom="Restaurée", prenom="Par erreur")
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, erased_elsewhere, now=ERASED_AT)
    # Files written afterwards at this desk, as another desk's erasure leaves them.
    of_erased = _export_file("donnees-personnelles/acces-1.json", [erased_elsewhere])
    of_followed = _export_file("donnees-personnelles/acces-2.json", [followed])
    # The database lacks an erasure this desk made (a backup restored outside Médianum).
    ledger.append(ledger.LedgerEntry(lacking, _created_at(db, lacking), ERASED_AT))

    said = at_start(db)

    assert said == (
        "La base ne connaissait pas 1 effacement(s) faits à ce poste (sauvegarde restaurée) : "
        "ils ont été réappliqués. 1 fichier(s) nommant des personnes effacées supprimé(s) des "
        "exports."
    )
    assert not of_erased.exists()
    assert of_followed.exists()
    assert fichiers_nominatifs.named() == {followed}
    with db.read_session() as s:
        assert s.get(Beneficiaire, lacking).efface is True  # type: ignore[union-attr]
        assert s.get(Beneficiaire, followed).efface is False  # type: ignore[union-attr]
    assert at_start(db) == ""


def test_at_start_a_list_naming_more_people_than_one_query_reads_goes_for_its_last_erased_one(
    db: Database, desks: Desks
) -> None:
    # A nominative list of 1,801 people (two queries of 900 would not reach the last one); only
    # the last, the highest number, was erased since.
    people = _many_people(db, desks.nord, 1800, efface=False)
    last = add_person(db, desks.accueil_nord, nom="Dernière", prenom="Liste")
    assert last > max(people)
    liste = _export_file("liste.csv", [*people, last])
    with db.session() as s:
        s.get(Beneficiaire, last).efface = True  # type: ignore[union-attr]
    assert at_start(db) == "1 fichier(s) nommant des personnes effacées supprimé(s) des exports."
    assert not liste.exists()


def test_replaying_the_ledger_erases_each_file_it_names_and_only_those_without_writing_again(
    db: Database, desks: Desks
) -> None:
    # A number the ledger gives with another creation instant: another installation's file.
    stranger = add_person(db, desks.accueil_nord, nom="Homonyme", prenom="Numéro")
    first = add_person(db, desks.accueil_nord, nom="Première", prenom="Registre")
    second = add_person(db, desks.accueil_nord, nom="Seconde", prenom="Registre")
    other = add_person(db, desks.accueil_nord, nom="Autre", prenom="Personne")
    assert stranger < first < second
    ledger.append(ledger.LedgerEntry(stranger, datetime(2020, 1, 1, tzinfo=UTC), ERASED_AT))
    for bid in (first, second):
        ledger.append(ledger.LedgerEntry(bid, _created_at(db, bid), ERASED_AT))
    lines = ledger.ledger_file().read_text(encoding="utf-8")
    with db.session() as s:
        assert replay_erasure_ledger(s) == 2
    # The ledger already holds these erasures: a replay does not write them a second time.
    assert ledger.ledger_file().read_text(encoding="utf-8") == lines
    with db.read_session() as s:
        for bid in (first, second):
            assert s.get(Beneficiaire, bid).efface is True  # type: ignore[union-attr]
        for bid, nom in ((stranger, "Homonyme"), (other, "Autre")):
            assert s.get(Beneficiaire, bid).nom == nom  # type: ignore[union-attr]
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "beneficiaire.effacement")
            .order_by(AuditEntry.seq)
        ).all()
        assert [(e.entity_id, e.agent_id) for e in entries] == [
            (str(first), None),
            (str(second), None),
        ]
        for entry in entries:
            assert entry.details == {
                "motif": "restauration",
                "efface_le": "2026-07-01T12:00:00+00:00",
            }


def test_a_ledger_longer_than_two_queries_still_replays_its_last_line(
    db: Database, desks: Desks
) -> None:
    # 1,800 erasures the backup already had, then one it lacks, with the highest number.
    already = _many_people(db, desks.nord, 1800, efface=True)
    lacking = add_person(db, desks.accueil_nord, nom="Manquante", prenom="Sauvegarde")
    at = datetime(2024, 1, 1, tzinfo=UTC)
    for bid in already:
        ledger.append(ledger.LedgerEntry(bid, at, ERASED_AT))
    ledger.append(ledger.LedgerEntry(lacking, _created_at(db, lacking), ERASED_AT))
    with db.session() as s:
        assert replay_erasure_ledger(s) == 1
    with db.read_session() as s:
        assert s.get(Beneficiaire, lacking).efface is True  # type: ignore[union-attr]


def test_a_ledger_line_giving_the_creation_instant_in_paris_time_names_the_same_file(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Décalée", prenom="Heure")
    created = _created_at(db, bid)
    paris = created.astimezone(ZoneInfo("Europe/Paris"))
    assert paris.utcoffset() != timedelta(0)
    ledger.append(ledger.LedgerEntry(bid, paris, ERASED_AT))
    with db.session() as s:
        assert replay_erasure_ledger(s) == 1
    with db.read_session() as s:
        assert s.get(Beneficiaire, bid).efface is True  # type: ignore[union-attr]


# --- the retention policy --------------------------------------------------------------------


def _idle_since(db: Database, bid: int, when: datetime) -> None:
    with db.session() as s:
        s.get(Beneficiaire, bid).derniere_activite_at = when  # type: ignore[union-attr]


def test_the_retention_list_shows_the_longest_idle_files_first_then_by_number(
    db: Database, desks: Desks
) -> None:
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    recent_idle = add_person(db, desks.accueil_nord, nom="Moins", prenom="Ancienne")
    oldest_idle = add_person(db, desks.accueil_nord, nom="Plus", prenom="Ancienne")
    tie_low = add_person(db, desks.accueil_nord, nom="Égale", prenom="Une")
    tie_high = add_person(db, desks.accueil_nord, nom="Égale", prenom="Deux")
    _idle_since(db, recent_idle, datetime(2023, 1, 1, tzinfo=UTC))
    _idle_since(db, oldest_idle, datetime(2021, 1, 1, tzinfo=UTC))
    # The higher number written first, so that neither engine's storage order decides.
    _idle_since(db, tie_high, datetime(2022, 1, 1, tzinfo=UTC))
    _idle_since(db, tie_low, datetime(2022, 1, 1, tzinfo=UTC))
    with db.session() as s:
        listed = retention_due(s, desks.accueil_nord, now=now)
    assert [(c.id, c.structure_id, c.derniere_activite_at) for c in listed] == [
        (oldest_idle, desks.nord, datetime(2021, 1, 1, tzinfo=UTC)),
        (tie_low, desks.nord, datetime(2022, 1, 1, tzinfo=UTC)),
        (tie_high, desks.nord, datetime(2022, 1, 1, tzinfo=UTC)),
        (recent_idle, desks.nord, datetime(2023, 1, 1, tzinfo=UTC)),
    ]


def test_only_a_holder_of_the_data_protection_right_sees_the_files_due_and_those_held_back(
    db: Database, desks: Desks
) -> None:
    idle = add_person(db, desks.accueil_nord, nom="Ancien")
    _idle_since(db, idle, datetime(2020, 1, 1, tzinfo=UTC))
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    with db.session() as s:
        for without_right in (desks.mediateur_nord, desks.coordinateur):
            with pytest.raises(PermissionDenied):
                retention_due(s, without_right, now=now)
            with pytest.raises(PermissionDenied):
                retention_held_by_mandates(s, without_right, now=now)
        assert [c.id for c in retention_due(s, desks.accueil_nord, now=now)] == [idle]


def test_a_cleared_retention_setting_keeps_idle_files_three_years(
    db: Database, desks: Desks
) -> None:
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    three_years = add_person(db, desks.accueil_nord, nom="Trois", prenom="Ans")
    two_years = add_person(db, desks.accueil_nord, nom="Deux", prenom="Ans")
    _idle_since(db, three_years, datetime(2023, 6, 15, 11, tzinfo=UTC))
    _idle_since(db, two_years, datetime(2024, 6, 15, 11, tzinfo=UTC))
    with db.session() as s:
        put_setting(s, "retention_years", None)
    with db.session() as s:
        assert retention_years(s) == 3
        assert [c.id for c in retention_due(s, desks.accueil_nord, now=now)] == [three_years]


# --- the access export -------------------------------------------------------------------------


def test_the_access_journal_names_each_action_once_about_the_file_its_passes_and_mandates(
    world: World, make_agent
) -> None:  # type: ignore[no-untyped-def]
    db, person = world.db, world.beneficiaire_id
    with db.session() as s:
        chequier = issue_chequebook(s, world.accueil, person, world.campagne_id, today=PASS_DAY)
        first_qr = chequebook_print(s, world.accueil, chequier.id).passes[0].qr_text
    with db.session() as s:
        assert redeem(s, world.mediateur, first_qr, today=PASS_DAY).accepted
    aidant = make_agent((Role.AIDANT, world.mediatheque_id))
    with db.session() as s:
        mandat = create_mandat(
            s,
            aidant,
            person,
            categories=["social", "papiers"],
            duree_jours=365,
            identite=MandantIdentity("Lambert", "Odile", date(1960, 5, 2), "Niort"),
            mentions_lues=True,
            hors_mesure_protection=True,
        )
        mandat_id = mandat.id
    # A first access request, then the one under test: the first is in the second's journal.
    with db.session() as s:
        collect_personal_data(s, world.accueil, person)
    with db.session() as s:
        data = collect_personal_data(s, world.accueil, person)
    # What the journal holds about the file, its chequebook, its passes and its mandate, read
    # here straight from the journal table.
    with db.read_session() as s:
        pass_ids = {str(p["id"]) for p in data["autres_donnees"]["pass"]}
        expected = s.execute(
            select(AuditEntry.seq, AuditEntry.action, AuditEntry.entity_type, AuditEntry.agent_id)
            .where(
                ((AuditEntry.entity_type == "beneficiaire") & (AuditEntry.entity_id == str(person)))
                | (
                    (AuditEntry.entity_type == "pass_chequier")
                    & (AuditEntry.entity_id == str(chequier.id))
                )
                | ((AuditEntry.entity_type == "pass") & AuditEntry.entity_id.in_(pass_ids))
                | ((AuditEntry.entity_type == "mandat") & (AuditEntry.entity_id == str(mandat_id)))
            )
            .order_by(AuditEntry.seq)
        ).all()
    expected = expected[:-1]  # the journal entry of this very export, written after it
    listed = data["journal"]
    assert [e["seq"] for e in listed] == [row.seq for row in expected]
    assert {e["entity_type"] for e in listed} == {"beneficiaire", "pass_chequier", "pass", "mandat"}
    assert [e["action"] for e in listed] == [
        "pass.chequier.emis",
        "pass.encaisse",
        "mandat.creation",
        "beneficiaire.export_donnees",
    ]
    # Each entry names the agent who acted (the agents' display names are all « Agent Test »
    # here; an entry of no agent says so with None).
    for entry, row in zip(listed, expected, strict=True):
        assert entry["agent"] == ("Agent Test" if row.agent_id is not None else None)


@pytest.fixture
def paris_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's own time zone set to Paris, as on a desk in France."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_json_export_gives_every_instant_in_utc_whatever_the_desks_time_zone(
    db: Database, desks: Desks, paris_clock: None, tmp_path: Path
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Horaire", prenom="Paris")
    _idle_since(db, bid, datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
    with db.session() as s:
        (written,) = export_personal_data(s, desks.accueil_nord, bid, tmp_path / "acces.JSON")
    assert written == tmp_path / "acces.JSON"
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["beneficiaire"]["derniere_activite_at"] == "2026-01-15T09:30:00+00:00"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", data["genere_le"])


def test_the_access_export_names_the_commune_the_structure_and_the_age_band_the_person_gave(
    db: Database, desks: Desks
) -> None:
    # No birth year: the age band is the one the person declared. 17300 is La Rochelle in the
    # official code (Rochefort is 17299).
    bid = add_person(
        db,
        desks.accueil_nord,
        person(
            nom="Moreau", prenom="Élise", annee_naissance=None, tranche_age_declaree="25 - 39 ans"
        ),
    )
    with db.session() as s:
        identite = collect_personal_data(s, desks.accueil_nord, bid)["beneficiaire"]
    assert identite["tranche_age"] == "25 - 39 ans"
    assert identite["commune_insee"] == "17300"
    assert identite["commune"] == "La Rochelle"
    assert identite["structure"] == "Médiathèque Nord (test)"
    # The search keys derived from the name are internal: the person is given their name.
    assert (identite["nom"], identite["prenom"]) == ("Moreau", "Élise")
    assert "nom_cle" not in identite
    assert "prenom_cle" not in identite


def test_the_access_export_lists_assessments_and_accompaniments_by_date_each_with_its_own_devices(
    db: Database, desks: Desks
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Garnier", prenom="Paul")
    with db.session() as s:
        # Recorded latest first, so that the order of recording would not give the dates'.
        for day, note in ((12, "Second bilan"), (2, "Premier bilan")):
            record_diagnostic(
                s,
                desks.accueil_nord,
                bid,
                DiagnosticData(date=date(2026, 6, day), notes=note),
                today=TODAY,
            )
        for day, device in ((11, "Tablette"), (3, "Téléphone")):
            record_accompagnement(
                s,
                desks.accueil_nord,
                individual(bid, date=date(2026, 6, day), materiel=[device]),
                today=TODAY,
            )
    with db.session() as s:
        data = collect_personal_data(s, desks.accueil_nord, bid)
    assert [(d["date"], d["notes"]) for d in data["diagnostics"]] == [
        ("2026-06-02", "Premier bilan"),
        ("2026-06-12", "Second bilan"),
    ]
    assert [(a["date"], a["materiel"]) for a in data["accompagnements"]] == [
        ("2026-06-03", ["Téléphone"]),
        ("2026-06-11", ["Tablette"]),
    ]


def test_the_access_journal_gives_each_line_about_the_person_with_its_instant_and_no_one_elses(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    ami = make_agent((Role.MEDIATEUR, desks.nord), login="ami")
    with db.session() as s:
        ami_agent = s.get(Agent, ami.agent_id)
        assert ami_agent is not None
        ami_agent.display_name = "Camille Médiatrice"
    claire = add_person(db, desks.accueil_nord, nom="Roux", prenom="Claire")
    voisin = add_person(db, desks.accueil_nord, nom="Roux", prenom="Voisin")
    # Her file exported, then her phone number added by the mediator; the neighbour's file,
    # journalled under the same kind of entity, changed and erased since, must not show.
    with db.session() as s:
        collect_personal_data(s, desks.accueil_nord, claire)
    with db.session() as s:
        update_beneficiaire(
            s, ami, claire, person(nom="Roux", prenom="Claire", telephone="05 46 99 88 77")
        )
        update_beneficiaire(
            s, ami, voisin, person(nom="Roux", prenom="Voisin", telephone="05 46 11 22 33")
        )
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, voisin, now=ERASED_AT)
    # Her lines' instants, read straight from the journal table (SQLite hands back naive UTC).
    with db.read_session() as s:
        instants = [
            (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
            for at in s.scalars(
                select(AuditEntry.at)
                .where(
                    AuditEntry.entity_type == "beneficiaire", AuditEntry.entity_id == str(claire)
                )
                .order_by(AuditEntry.seq)
            )
        ]
    assert len(instants) == 3
    with db.session() as s:
        data = collect_personal_data(s, desks.accueil_nord, claire)
    # What she reads: each line about her file, its instant in UTC to the second, its action
    # and the agent who acted; nothing of her neighbour's.
    assert [
        (e["at"], e["action"], e["entity_type"], e["entity_id"], e["agent"])
        for e in data["journal"]
    ] == [
        (at.strftime("%Y-%m-%dT%H:%M:%S+00:00"), action, "beneficiaire", str(claire), agent)
        for at, (action, agent) in zip(
            instants,
            (
                ("beneficiaire.creation", "Agent Test"),
                ("beneficiaire.export_donnees", "Agent Test"),
                ("beneficiaire.modification", "Camille Médiatrice"),
            ),
            strict=True,
        )
    ]


def test_an_erasure_clears_only_what_was_written_about_the_person_alone(
    db: Database, desks: Desks
) -> None:
    effacee = add_person(db, desks.accueil_nord, nom="Bernard", prenom="Lucie")
    autre = add_person(db, desks.accueil_nord, nom="Petit", prenom="Marc")
    with db.session() as s:

        def record(data: AccompagnementData) -> int:
            return record_accompagnement(s, desks.accueil_nord, data, today=TODAY).id

        chez_elle = record(
            individual(
                effacee,
                lieu_type="À domicile",
                lieu_nom="12 rue des Lilas, Rochefort",
                thematiques=[ref.THEMATIQUE_DEMARCHES],
                demarche_nom="Dossier CAF",
                notes="Voisine malade",
            )
        )
        en_mairie = record(
            individual(effacee, lieu_type="Autre lieu", lieu_nom="Mairie annexe", notes="RAS")
        )
        chez_lui = record(
            individual(
                autre,
                lieu_type="À domicile",
                lieu_nom="3 impasse des Roses, Saintes",
                thematiques=[ref.THEMATIQUE_DEMARCHES],
                demarche_nom="Retraite",
                notes="Fils présent",
            )
        )
        atelier = record(
            AccompagnementData(
                type=ref.TYPE_COLLECTIF,
                date=date(2026, 6, 10),
                duree_min=90,
                lieu_type="Lieu d'activité",
                thematiques=["E-mail"],
                beneficiaire_ids=[effacee, autre],
                atelier_titre="Premiers courriels",
                atelier_niveau="Débutant",
                notes="Groupe attentif",
            )
        )
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, effacee, now=ERASED_AT)
    with db.read_session() as s:
        kept = {
            a.id: (a.lieu_nom, a.demarche_nom, a.notes) for a in s.scalars(select(Accompagnement))
        }
        entry = s.execute(
            select(AuditEntry.entity_id, AuditEntry.agent_id, AuditEntry.details).where(
                AuditEntry.action == "beneficiaire.effacement"
            )
        ).one()
    assert kept == {
        # Her visit at home: the address, the procedure and the notes go.
        chez_elle: (None, None, None),
        # Elsewhere, the place is not her address: it stays; her notes go.
        en_mairie: ("Mairie annexe", None, None),
        # Another person's visit at home, and the atelier's notes about the group, stay.
        chez_lui: ("3 impasse des Roses, Saintes", "Retraite", "Fils présent"),
        atelier: (None, None, "Groupe attentif"),
    }
    # The journal says who erased the file, and that the person asked for it.
    assert tuple(entry) == (
        str(effacee),
        desks.accueil_nord.agent_id,
        {"motif": "demande"},
    )


def test_an_access_export_asked_as_a_pdf_is_that_pdf_alone_written_into_a_new_folder(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Lefèvre", prenom="Zoé")
    out = tmp_path / "demandes" / "2026" / "acces.PDF"
    with db.session() as s:
        assert export_personal_data(s, desks.accueil_nord, bid, out) == [out]
    assert out.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in out.parent.iterdir()) == ["acces.PDF"]


def test_the_json_export_reads_as_plain_text_one_field_a_line_indented_by_two_spaces(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Lefèvre", prenom="Zoé")
    with db.session() as s:
        (written,) = export_personal_data(
            s, desks.accueil_nord, bid, tmp_path / "demandes" / "2026" / "acces.json"
        )
    text = written.read_bytes().decode("utf-8")
    # Accents written as such (a person opening the file reads « Lefèvre », not « \\u00e8 »).
    assert '    "nom": "Lefèvre",\n' in text
    assert '    "prenom": "Zoé",\n' in text
    assert "\\u" not in text
    # The whole file laid out the same way: each field on its line, two spaces a level.
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    assert text.startswith('{\n  "genere_le": ')


@pytest.fixture
def ascii_locale() -> Iterator[None]:
    """A desk whose locale is not UTF-8 (the C locale here; cp1252 on a French Windows)."""
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


def test_the_json_export_is_written_in_utf8_whatever_the_desks_locale(
    db: Database, desks: Desks, ascii_locale: None, tmp_path: Path
) -> None:
    bid = add_person(db, desks.accueil_nord, nom="Lefèvre", prenom="Zoé")
    with db.session() as s:
        (written,) = export_personal_data(s, desks.accueil_nord, bid, tmp_path / "acces.json")
    assert '"nom": "Lefèvre"'.encode() in written.read_bytes()


def test_an_erased_file_is_anonymous_and_keeps_the_age_band_the_person_declared(
    db: Database, desks: Desks
) -> None:
    # No birth year: the band she declared is the only one there is, and it stays.
    bid = add_person(
        db,
        desks.accueil_nord,
        person(
            nom="Faure", prenom="Inès", annee_naissance=None, tranche_age_declaree="40 - 59 ans"
        ),
    )
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, bid, now=ERASED_AT)
    with db.read_session() as s:
        b = s.get(Beneficiaire, bid)
        assert b is not None
        assert (b.nom, b.anonyme, b.efface, b.tranche_age_declaree) == (
            f"Personne effacée n° {bid}",
            True,
            True,
            "40 - 59 ans",
        )


def test_pseudonymising_freezes_the_age_band_reached_on_the_day_given() -> None:
    # Born in 1960: 66 in 2026, 70 in 2030.
    b = Beneficiaire(id=7, nom="Faure", prenom="Inès", annee_naissance=1960)
    pseudonymise(b, on=date(2030, 1, 1))
    assert (b.tranche_age_declaree, b.annee_naissance) == ("70 ans et plus", None)


def test_erasing_a_person_leaves_the_identity_on_other_peoples_mandates(
    db: Database, desks: Desks, make_agent
) -> None:  # type: ignore[no-untyped-def]
    aidant = make_agent((Role.AIDANT, desks.nord))
    odile = add_person(db, desks.accueil_nord, nom="Lambert", prenom="Odile")
    paul = add_person(db, desks.accueil_nord, nom="Martin", prenom="Paul")
    born = date(1950, 3, 14)  # the birth year on both files
    for bid, identite in (
        (odile, MandantIdentity("Lambert", "Odile", born, "Rochefort")),
        (paul, MandantIdentity("Martin", "Paul", born, "Saintes")),
    ):
        with db.session() as s:
            create_mandat(
                s,
                aidant,
                bid,
                categories=["social"],
                duree_jours=31,
                identite=identite,
                mentions_lues=True,
                hors_mesure_protection=True,
                now=datetime(2026, 1, 5, 9, tzinfo=UTC),
            )
    # Both mandates ended in February; in July, Odile asks for her file to be erased.
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, odile, now=ERASED_AT)
    with db.read_session() as s:
        held = {
            m.beneficiaire_id: (
                m.mandant_nom,
                m.mandant_prenom,
                m.mandant_date_naissance,
                m.mandant_lieu_naissance,
                m.mandant_efface_at,
            )
            for m in s.scalars(select(Mandat))
        }
    assert held[odile][:4] == (f"Personne effacée n° {odile}", "", None, "")
    assert held[odile][4] is not None
    assert held[paul] == ("Martin", "Paul", born, "Saintes", None)
