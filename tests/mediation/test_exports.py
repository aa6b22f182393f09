"""National-format exports (XLSX and CSV) of statistics, accompaniments and beneficiaries."""

from __future__ import annotations

import csv
import threading
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, update

from core.auth import Actor, actor_for
from core.db import Database
from core.errors import PermissionDenied, ValidationError
from core.models import Agent, AuditEntry, Role
from core.progress import Cancelled, Progress
from main import main
from mediation import exports
from mediation.exports import (
    exporter_accompagnements,
    exporter_beneficiaires,
    exporter_statistiques,
)
from mediation.models import Beneficiaire
from mediation.statistiques import Perimetre, calculer_statistiques
from mediation.xlsx_flux import ClasseurXlsx
from tests.mediation import coop_headers
from tests.mediation.mediation_stats_data import (
    Jeu,
    JeuStructures,
    MakeAgent,
    accompagnement,
    activite_2026,
    beneficiaire,
    deux_structures,
)

ANNEE_2026 = Perimetre(date(2026, 1, 1), date(2026, 12, 31))
# The reference activity of 2026: a1 (Béatrice), a2 (Béatrice), an atelier with three recorded
# participants and three anonymous ones, a4 at the other structure (Omar).
LIGNES_2026 = 1 + 1 + (3 + 3) + 1


@pytest.fixture
def jeu(db: Database, make_agent: MakeAgent) -> tuple[JeuStructures, Actor, Actor, Actor]:
    return activite_2026(db, make_agent)


def _xlsx(path: Path) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    header = [str(h) for h in rows[0]]
    # read-only mode drops trailing empty cells: pad them back
    return [
        dict(zip(header, (*row, *(None,) * (len(header) - len(row))), strict=True))
        for row in rows[1:]
    ]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_accompaniments_xlsx_has_one_row_per_accompaniment_and_beneficiary(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    out = tmp_path / "accompagnements.xlsx"
    result = exporter_accompagnements(db, jeu[3], ANNEE_2026, out)
    rows = _xlsx(out)
    assert result.lignes == len(rows) == LIGNES_2026
    types = Counter(r["Type"] for r in rows)
    assert types == {"Atelier collectif": 6, "Accompagnement individuel": 3}
    assert Counter(r["Genre du bénéficiaire"] for r in rows) == {
        "Féminin": 1 + 1 + 1 + 2, "Masculin": 1 + 1 + 1, "Non communiqué": 1,
    }  # fmt: skip
    # « Non communiqué » is a value, never a blank
    assert all(r["Tranche d’âge du bénéficiaire"] for r in rows)
    premier = rows[0]  # sorted by date: Béatrice's first visit
    assert premier["Date"].date() == date(2026, 2, 10)  # type: ignore[attr-defined]
    assert premier["Thématique(s) d’accompagnement"] == "E-mail\nSanté"
    assert premier["Tranche d’âge du bénéficiaire"] == "70 ans et plus"
    assert premier["Code Insee du bénéficiaire"] == "17300"
    assert premier["Commune du bénéficiaire"] == "La Rochelle"
    assert premier["Durée (min)"] == 20
    assert premier["Bénéficiaire réorienté"] == "Non"
    assert premier["Participants"] == 1
    assert premier["Canaux d’accompagnement"] == "Lieu d’activité"
    assert premier["Nom du lieu"] == "Médiathèque Nord (test)"
    assert premier["Code Insee"] == "17300"
    assert premier["Rôle"] == "Médiateur"
    assert premier["Enregistré le"]
    atelier = [r for r in rows if r["Type"] == "Atelier collectif"]
    assert [r["Participants"] for r in atelier] == [f"{i}/6" for i in range(1, 7)]
    assert {r["ID CRA"] for r in atelier} == {atelier[0]["ID CRA"]}
    assert atelier[0]["Nom de l’atelier"] == "Premiers pas"
    assert atelier[0]["Matériel numérique utilisé"] == "Ordinateur\nTablette"
    assert atelier[0]["Bénéficiaire réorienté"] is None
    hors = [r for r in rows if r["Code Insee du bénéficiaire"] == "75056"]
    assert hors[0]["Commune du bénéficiaire"] == "Paris"
    assert hors[0]["Commune du bénéficiaire hors territoire"] == "Oui"


def test_exports_have_the_coops_columns_in_the_coops_order_then_medianums_own(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    exporter_accompagnements(db, jeu[3], ANNEE_2026, tmp_path / "a.xlsx")
    exporter_beneficiaires(db, _avec_export_nominatif(jeu[1]), ANNEE_2026, tmp_path / "b.xlsx")
    for name, coop in (("a.xlsx", coop_headers.ACCOMPAGNEMENTS),
                       ("b.xlsx", coop_headers.BENEFICIAIRES)):  # fmt: skip
        wb = openpyxl.load_workbook(tmp_path / name, read_only=True)
        header = next(wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        assert header[: len(coop)] == coop
        assert not set(header[len(coop) :]) & set(coop)


def test_multi_valued_cells_list_their_values_in_the_national_order_on_every_engine(
    db: Database,
    make_agent: MakeAgent,
    tmp_path: Path,
) -> None:
    st = deux_structures(db)
    coord = make_agent((Role.COORDINATEUR, None))
    with db.session() as s:
        gens = [beneficiaire(s, st.nord, prenom=p) for p in ("Zoé", "Adam")]
        a = accompagnement(
            s, st.nord, coord.agent_id, jour=date(2026, 3, 1), type_="Atelier collectif",
            thematiques=("Santé", "Aide aux démarches administratives", "Bureautique"),
            materiels=("Tablette", "Ordinateur"), participants=tuple(gens),
            anonymes=(("Masculin", "Non communiqué", "Retraité", 1),
                      ("Féminin", "70 ans et plus", "Retraité", 1)),
        )  # fmt: skip
        a.sous_themes_admin = ["Logement", "Papiers - Élections - Citoyenneté"]
        a.atelier_niveau = "Intermédiaire"
    rows = _xlsx(exporter_accompagnements(db, coord, ANNEE_2026, tmp_path / "a.xlsx").chemin)
    assert rows[0]["Thématique(s) d’accompagnement"] == (
        "Bureautique\nSanté\nAide aux démarches administratives\n"
        "Papiers - Élections - Citoyenneté\nLogement"
    )
    assert rows[0]["Matériel numérique utilisé"] == "Ordinateur\nTablette"
    assert rows[0]["Niveau d’autonomie (ou de l’atelier)"] == "2/3"
    # recorded people by file number, then anonymous ones in the national order of genre
    assert [r["Genre du bénéficiaire"] for r in rows] == [
        "Non communiqué", "Non communiqué", "Masculin", "Féminin",
    ]  # fmt: skip
    assert [r["Bénéficiaire anonyme"] for r in rows] == ["Non", "Non", "Oui", "Oui"]


def test_ages_are_reckoned_on_the_periods_last_day_in_statistics_and_both_exports(
    db: Database,
    make_agent: MakeAgent,
    tmp_path: Path,
) -> None:
    st = deux_structures(db)
    mediateur = make_agent((Role.MEDIATEUR, st.nord))
    periode = Perimetre(date(2024, 6, 1), date(2025, 6, 30))
    with db.session() as s:
        # 17 during 2024 when accompanied, 18 during 2025 when the period ends
        ado = beneficiaire(s, st.nord, prenom="Inès", annee=2007)
        accompagnement(s, st.nord, mediateur.agent_id, jour=date(2024, 7, 1), participants=(ado,))
    with db.read_session() as s:
        stats = calculer_statistiques(s, mediateur, periode)
    assert stats.date_reference_age == date(2025, 6, 30)
    assert stats.tranches_age.nombre("18 - 24 ans") == 1
    rows = _xlsx(exporter_accompagnements(db, mediateur, periode, tmp_path / "a.xlsx").chemin)
    assert rows[0]["Tranche d’âge du bénéficiaire"] == "18 - 24 ans"
    rows = _xlsx(
        exporter_beneficiaires(
            db, _avec_export_nominatif(mediateur), periode, tmp_path / "b.xlsx"
        ).chemin
    )
    assert rows[0]["Tranche d’âge"] == "18 - 24 ans"


def test_accompaniments_csv_opens_in_french_excel(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    out = tmp_path / "accompagnements.csv"
    exporter_accompagnements(db, jeu[3], ANNEE_2026, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 accents right
    assert raw.splitlines()[0].count(b";") == len(exports.COLONNES_ACCOMPAGNEMENTS) - 1
    rows = _csv(out)
    assert len(rows) == LIGNES_2026
    assert rows[0]["Date"] == "10/02/2026"
    assert Counter(r["Canaux d’accompagnement"] for r in rows) == {
        "Lieu d’activité": 1 + 6, "À distance": 1, "À domicile": 1,
    }  # fmt: skip


def test_rows_stream_in_chunks_without_losing_or_repeating_any(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "CHUNK", 1)
    steps: list[tuple[int, int]] = []
    out = tmp_path / "a.csv"
    exporter_accompagnements(
        db, jeu[3], ANNEE_2026, out, Progress(lambda d, t, _label: steps.append((d, t)))
    )
    rows = _csv(out)
    assert len(rows) == LIGNES_2026
    dates = [r["Date"] for r in rows]
    assert dates == sorted(dates, key=lambda d: d[6:] + d[3:5] + d[:2])
    assert steps[-1] == (4, 4)


def test_a_mediator_exports_only_its_structure(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    _st, nord, _sud, _coord = jeu
    rows = _xlsx(exporter_accompagnements(db, nord, ANNEE_2026, tmp_path / "n.xlsx").chemin)
    assert len(rows) == LIGNES_2026 - 1
    assert {r["Structure"] for r in rows} == {"Médiathèque Nord (test)"}


def test_export_is_journalled_with_counts_and_no_personal_data(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    exporter_accompagnements(db, jeu[3], ANNEE_2026, tmp_path / "a.xlsx")
    with db.read_session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.accompagnements")
        ).one()
        agent_id, details = entry.agent_id, dict(entry.details)
    assert agent_id == jeu[3].agent_id
    assert details["lignes"] == LIGNES_2026
    assert details["format"] == "xlsx"
    assert "Béatrice" not in str(details)


def test_cancelled_export_leaves_no_file_and_no_journal_entry(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "CHUNK", 1)
    progress = Progress(lambda done, _t, _l: progress.cancel() if done >= 2 else None)
    out = tmp_path / "annule.xlsx"
    with pytest.raises(Cancelled):
        exporter_accompagnements(db, jeu[3], ANNEE_2026, out, progress)
    # The chunk being read ahead was waited for, not left running on a closed session.
    assert not [t for t in threading.enumerate() if t.name.startswith("export-lecture")]
    # The data directory (medianum-home, where the journal anchor lives) is not the export's.
    assert [p.name for p in tmp_path.iterdir() if p.name != "medianum-home"] == []
    with db.read_session() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action.like("export.%"))) is None


def test_statistics_export_reads_back_the_same_figures(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    out = tmp_path / "stats.xlsx"
    exporter_statistiques(db, jeu[3], ANNEE_2026, out)
    rows = _xlsx(out)
    by_label = {(r["Section"], r["Libellé"]): r for r in rows}
    generales = "Statistiques générales sur vos accompagnements"
    activites = "Statistiques sur vos activités"
    assert by_label[(generales, "Accompagnements au total")]["Nombre"] == 9
    assert by_label[(generales, "Bénéficiaires accompagnés")]["Nombre"] == 8
    assert by_label[(generales, "Nouveaux bénéficiaires")]["Nombre"] == 7
    assert by_label[(generales, "Bénéficiaires suivis")]["Nombre"] == 4
    assert by_label[(generales, "Bénéficiaires anonymes")]["Nombre"] == 4
    assert by_label[(activites, "Accompagnements individuels")]["Nombre"] == 3
    assert by_label[(activites, "Ateliers collectifs")]["Part"] == pytest.approx(0.25)
    assert by_label[(activites, "Nombre total de participants aux ateliers")]["Nombre"] == 6
    assert by_label[(activites, "Nombre total d’activités")]["Nombre"] == 4
    assert by_label[("Thématiques Médiation numérique", "E-mail")]["Nombre"] == 2
    assert by_label[("Thématiques Démarches administratives", "Logement")]["Nombre"] == 0
    assert by_label[("Durées des activités", "Moins de 30 min")]["Nombre"] == 1
    assert by_label[("Tranches d’âge", "Non communiqué")]["Nombre"] == 2
    assert by_label[("Canaux des activités", "Lieu d'activité")]["Part"] == pytest.approx(0.5)
    assert by_label[("Nombre d’activités par lieux", "Espace Sud (test)")]["Nombre"] == 1
    csv_rows = _csv(exporter_statistiques(db, jeu[3], ANNEE_2026, tmp_path / "s.csv").chemin)
    assert {"Section": "Genre", "Libellé": "Féminin", "Code Insee": "", "Nombre": "4",
            "Part": "0,5"} in csv_rows  # fmt: skip


def test_beneficiaries_export_lists_the_people_seen_in_the_period(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    _st, nord, _sud, _coord = jeu
    nord = _avec_export_nominatif(nord)
    rows = _csv(exporter_beneficiaires(db, nord, ANNEE_2026, tmp_path / "b.csv").chemin)
    assert sorted(r["Prénom"] for r in rows) == ["", "Béatrice", "Léa", "Marc"]
    beatrice = next(r for r in rows if r["Prénom"] == "Béatrice")
    assert beatrice["Accompagnements sur la période"] == "2"
    assert beatrice["Nombre d’accompagnements"] == "3"  # one more in 2027
    assert beatrice["Tranche d’âge"] == "70 ans et plus"
    assert beatrice["Genre"] == "Femme"  # as the Coop's list of beneficiaries words it
    assert beatrice["N° de téléphone"] == beatrice["E-mail"] == "-"
    assert beatrice["Nom de la commune"] == "La Rochelle"
    assert next(r for r in rows if r["Prénom"] == "Marc")["Genre"] == "Homme"
    assert next(r for r in rows if r["Prénom"] == "Léa")["Hors territoire"] == "Oui"


def test_erased_beneficiaries_are_not_in_the_list(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    with db.session() as s:
        s.execute(update(Beneficiaire).where(Beneficiaire.prenom == "Léa").values(efface=True))
    nord = _avec_export_nominatif(jeu[1])
    rows = _csv(exporter_beneficiaires(db, nord, ANNEE_2026, tmp_path / "b.csv").chemin)
    assert "Léa" not in {r["Prénom"] for r in rows}
    assert len(rows) == 3


def _avec_export_nominatif(actor: Actor) -> Actor:
    """The same agent once the administrator granted the nominative export right."""
    return replace(actor, grants=actor.grants | {(Role.EXPORT_NOMINATIF, None)})


def test_a_desk_agent_without_the_nominative_export_right_cannot_export_names(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    with pytest.raises(PermissionDenied, match=r"export\.nominatif"):
        exporter_beneficiaires(db, jeu[1], ANNEE_2026, tmp_path / "b.csv")
    assert not (tmp_path / "b.csv").exists()


def test_a_nominative_export_granted_by_the_administrator_is_journalled_with_its_count(
    db: Database,
    jeu: Jeu,
    admin: Actor,
    tmp_path: Path,
) -> None:
    from core.auth import set_agent_grants

    nord = jeu[1]
    with db.session() as s:
        set_agent_grants(s, admin, nord.agent_id, [*nord.grants, (Role.EXPORT_NOMINATIF, None)])
        agent = s.get(Agent, nord.agent_id)
        assert agent is not None
        nord = actor_for(s, agent, nord.structure_id)
    exporter_beneficiaires(db, nord, ANNEE_2026, tmp_path / "b.csv")
    with db.read_session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.beneficiaires")
        ).one()
        assert entry.agent_id == nord.agent_id
        assert entry.details["lignes"] == 4


def test_a_coordinator_without_desk_role_cannot_export_names(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    with pytest.raises(PermissionDenied):
        exporter_beneficiaires(db, jeu[3], ANNEE_2026, tmp_path / "b.xlsx")
    assert not (tmp_path / "b.xlsx").exists()


def test_an_unknown_file_format_is_refused_in_french(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
) -> None:
    with pytest.raises(ValidationError, match=r"\.xlsx ou \.csv"):
        exporter_accompagnements(db, jeu[3], ANNEE_2026, tmp_path / "a.ods")


def test_stats_export_command_writes_the_file(
    db: Database, jeu: Jeu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MEDIANUM_AGENT", "coord")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    out = tmp_path / "export.xlsx"
    code = main(["stats", "export", "--du", "2026-01-01", "--au", "2026-12-31",
                 "--out", str(out), "--contenu", "accompagnements", "--json"])  # fmt: skip
    assert code == 0
    assert f'"lignes": {LIGNES_2026}' in capsys.readouterr().out
    assert len(_xlsx(out)) == LIGNES_2026


def test_stats_export_command_refuses_a_bad_date(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["stats", "export", "--du", "2026-13-01", "--au", "2026-12-31",
              "--out", str(tmp_path / "x.xlsx")])  # fmt: skip
    assert exit_info.value.code == 2
    assert "date invalide" in capsys.readouterr().err


def test_a_cell_that_looks_like_a_formula_is_written_as_text(
    db: Database, jeu: Jeu, tmp_path: Path
) -> None:
    with db.session() as s:
        s.execute(update(Beneficiaire).where(Beneficiaire.prenom == "Léa").values(nom="=1+1"))
    nord = _avec_export_nominatif(jeu[1])
    out = exporter_beneficiaires(db, nord, ANNEE_2026, tmp_path / "b.xlsx").chemin
    wb = openpyxl.load_workbook(out)
    cells = [row[0] for row in wb.worksheets[0].iter_rows(min_row=2)]
    wb.close()
    lea = next(c for c in cells if c.value == "=1+1")
    assert lea.data_type == "s"  # a string, never a formula Excel would compute


def test_accompaniments_xlsx_written_by_blocks_is_the_file_its_rows_give(
    db: Database,
    jeu: Jeu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The XLSX export renders each activity's cells once for all its rows (and each person's
    profile once): byte for byte the sheet that writing ``lignes_accompagnements`` row by row
    gives, an activity with nobody recorded and chunk boundaries included."""
    st, _nord, _sud, coord = jeu
    with db.session() as s:
        accompagnement(
            s, st.sud, coord.agent_id, jour=date(2026, 5, 4), type_="Atelier collectif",
            lieu="À distance", thematiques=("Santé", "Bureautique"), materiels=(),
            titre="Sans inscrits « & »", sous_themes=("Logement",),
        )  # fmt: skip
    monkeypatch.setattr(exports, "CHUNK", 2)
    out = tmp_path / "blocs.xlsx"
    assert exporter_accompagnements(db, coord, ANNEE_2026, out).lignes == LIGNES_2026 + 1
    valeurs = ClasseurXlsx(tmp_path / "valeurs.xlsx")
    valeurs.feuille("Accompagnements", exports.COLONNES_ACCOMPAGNEMENTS)
    with db.read_session() as s:
        for row in exports.lignes_accompagnements(s, coord, ANNEE_2026):
            valeurs.ligne(row)
    valeurs.fermer()
    feuilles = []
    for chemin in (out, tmp_path / "valeurs.xlsx"):
        with zipfile.ZipFile(chemin) as z:
            feuilles.append(z.read("xl/worksheets/sheet1.xml"))
    assert feuilles[0] == feuilles[1]
    sans_inscrits = [r for r in _xlsx(out) if r["Nom de l’atelier"] == "Sans inscrits « & »"]
    assert len(sans_inscrits) == 1
    assert sans_inscrits[0]["Participants"] is None
    assert sans_inscrits[0]["Genre du bénéficiaire"] is None
    assert sans_inscrits[0]["Structure"] == "Espace Sud (test)"
