"""Real files of the national map's ecosystem (see data/PROVENANCE.md): nothing is lost."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from lieux.importation import FormatFichier, Genre, analyser_contenu, analyser_fichier

# The 46 enumerated values of the official v0.1 schema (Schema_V0.1.json of
# LaMednum/standard-mediation-num, commit 7a9842d3), column by column.
V01_OFFICIELLES: dict[str, list[str]] = {
    "services": [
        "Devenir autonome dans les démarches administratives",
        "Réaliser des démarches administratives avec un accompagnement",
        "Prendre en main un smartphone ou une tablette",
        "Prendre en main un ordinateur",
        "Utiliser le numérique au quotidien",
        "Approfondir ma culture numérique",
        "Favoriser mon insertion professionnelle",
        "Accéder à une connexion internet",
        "Accéder à du matériel",
        "S’équiper en matériel informatique",
        "Créer et développer mon entreprise",
        "Créer avec le numérique",
        "Accompagner les démarches de santé",
        "Promouvoir la citoyenneté numérique",
        "Soutenir la parentalité et l'éducation avec le numérique",
    ],
    "publics_accueillis": [
        "Seniors (+ 65 ans)",
        "Familles/enfants",
        "Adultes",
        "Jeunes (16-26 ans)",
        "Public langues étrangères",
        "Déficience visuelle",
        "Surdité",
        "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes "
        "comportementales",
        "Handicaps mentaux : déficiences limitant les activités d'une personne",
        "Uniquement femmes",
        "Personnes en situation d'illettrisme",
    ],
    "conditions_acces": [
        "Gratuit : Je peux accéder gratuitement au lieu et à ses services",
        "Gratuit sous condition : La gratuité est conditionnée à des critères (situation "
        "familiale, convention avec un organisme social...)",
        "Payant : L'accès au lieu et/ou à ses services est payant",
        "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer",
        "Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder "
        "au lieu",
    ],
    "labels_nationaux": [
        "France Services",
        "CNFS",
        "APTIC",
        "Aidants Connect",
        "Fabriques de Territoire",
        "Grandes écoles du numérique",
        "Point relais CAF",
        "Point numérique CAF",
        "Relais pôle emploi",
        "French Tech",
        "Campus connecté",
    ],
    "modalites_accompagnement": [
        "Seul : j'ai accès à du matériel et une connexion",
        "Avec de l'aide : je suis accompagné seul dans l'usage du numérique",
        "Dans un atelier : j'apprends collectivement à utiliser le numérique",
        "A ma place : une personne habilitée fait les démarches à ma place",
    ],
}

_REQUIRED = {
    "id": "v01-1",
    "pivot": "43493312300029",
    "nom": "Lieu",
    "commune": "Reims",
    "code_postal": "51100",
    "adresse": "1 rue",
    "date_maj": "2022-06-02",
}


def _one_row_json(column: str, value: str) -> bytes:
    import json

    return json.dumps([{**_REQUIRED, column: value}], ensure_ascii=False).encode()


def test_the_official_v01_list_has_46_values() -> None:
    assert sum(len(values) for values in V01_OFFICIELLES.values()) == 46


@pytest.mark.parametrize(
    ("column", "value"),
    [(column, value) for column, values in V01_OFFICIELLES.items() for value in values],
)
def test_every_official_v01_value_is_read_into_v1_without_loss(column: str, value: str) -> None:
    rapport = analyser_contenu(_one_row_json(column, value), "v01.json")

    (ligne,) = rapport.lignes
    assert ligne.valide
    lost = [r for r in ligne.remarques if r.genre in (Genre.NON_REPRIS, Genre.INVALIDE)]
    assert lost == []
    written = {k: v for k, v in ligne.valeurs.items() if k not in _REQUIRED}
    # Every value lands in a v1 field, except « Adultes », which is what no field says.
    assert written or value == "Adultes"


def test_the_schema_authors_v01_example_loses_nothing(data_dir: Path) -> None:
    rapport = analyser_fichier(data_dir / "standard_v01_exemple.csv")

    assert rapport.format is FormatFichier.CSV_V0
    (ligne,) = rapport.lignes
    assert ligne.valide
    assert rapport.remarques(Genre.NON_REPRIS) == []
    v = ligne.valeurs
    assert v["services"] == (
        "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien"
    )
    assert v["publics_specifiquement_adresses"] == "Familles et/ou enfants"
    assert v["prise_en_charge_specifique"] == "Déficience visuelle"
    assert v["frais_a_charge"] == "Payant|Gratuit sous condition"
    assert v["dispositif_programmes_nationaux"] == "France Services|Point d'accès numérique CAF"
    assert v["autres_formations_labels"] == "SudLabs|Nièvre médiation numérique|APTIC"
    assert v["modalites_accompagnement"] == "En autonomie|Accompagnement individuel"
    assert v["typologie"] == "TIERS_LIEUX|ASSO"
    assert v["site_web"] == (
        "https://www.laquincaillerie.tl/|https://m.facebook.com/laquincaillerienumerique/"
    )
    assert v["courriels"] == "contact@laquincaillerie.tl"
    assert v["fiche_acces_libre"].startswith("https://acceslibre.beta.gouv.fr/")
    assert v["structure_parente"] == "Pôle emploi"
    assert any("cle_ban" in note for note in rapport.remarques_fichier)


def test_the_schema_authors_v1_example_with_its_header_variants_is_read_whole(
    data_dir: Path,
) -> None:
    rapport = analyser_fichier(data_dir / "standard_v1_exemple.csv")

    assert rapport.format is FormatFichier.CSV_V1
    (ligne,) = rapport.lignes
    assert ligne.valide
    assert rapport.remarques(Genre.NON_REPRIS) == []
    assert not any("inconnues" in note for note in rapport.remarques_fichier)
    v = ligne.valeurs
    assert v["itinerance"] == "Itinérant"
    assert v["modalites_acces"] == "Se présenter|Téléphoner"
    assert v["telephone"] == "+33180059880"
    assert v["typologie"] == "TIERS_LIEUX|ASSO"
    assert v["courriels"] == "contact@laquincaillerie.tl|responsable@laquincaillerie.tl"
    assert v["prise_en_charge_specifique"] == "Illettrisme|Langues étrangères (anglais)"
    assert v["frais_a_charge"] == "Gratuit"
    assert v["dispositif_programmes_nationaux"] == (
        "Aidants Connect|Conseillers numériques|La Croix Rouge"
    )
    assert v["formations_labels"] == "SUD LABS (PACA)"
    assert v["modalites_accompagnement"] == "En autonomie|Accompagnement individuel"
    assert ligne.presentes >= {"itinerance", "modalites_acces"}
    # Its Reims place (51454) lies at Aix-en-Provence: Reims's position is not known here, so
    # the report says the distance was not checked rather than pass it silently.
    assert any("non vérifiée pour 1 lieux (51454)" in n for n in rapport.remarques_fichier)


def test_headers_with_a_space_after_the_comma_are_recognised(data_dir: Path) -> None:
    text = (data_dir / "standard_v1_exemple.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    spaced = header.replace(",", ", ") + "\n" + rest

    rapport = analyser_contenu(spaced.encode(), "espaces.csv")

    (ligne,) = rapport.lignes
    assert ligne.valide
    assert ligne.valeurs["nom"] == "Anonymal"
    assert ligne.valeurs["itinerance"] == "Itinérant"


def test_a_v1_file_saved_by_french_excel_stays_v1_and_its_lists_are_split(
    data_dir: Path,
) -> None:
    rows = list(csv.reader(io.StringIO((data_dir / "exemple_v1.csv").read_text("utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for row in rows:
        writer.writerow([cell.replace("|", ";") for cell in row])
    original = analyser_fichier(data_dir / "exemple_v1.csv")

    rapport = analyser_contenu(out.getvalue().encode(), "excel.csv")

    assert rapport.format is FormatFichier.CSV_V1
    assert [ligne.valeurs for ligne in rapport.lignes] == [
        ligne.valeurs for ligne in original.lignes
    ]


def test_the_national_map_bus_json_is_read_with_its_lists_and_old_labels(
    data_dir: Path,
) -> None:
    rapport = analyser_fichier(data_dir / "bus_france_services_charente.json")

    assert rapport.format is FormatFichier.JSON_V0
    assert [ligne.valide for ligne in rapport.lignes] == [True, True]
    assert rapport.remarques(Genre.NON_REPRIS) == []
    v = rapport.lignes[0].valeurs
    assert v["services"] == (
        "Accès internet et matériel informatique|Insertion professionnelle via le numérique|"
        "Aide aux démarches administratives"
    )
    assert v["dispositif_programmes_nationaux"] == "Conseillers numériques|France Services"
    assert v["autres_formations_labels"] == "ZRR|APTIC"
    assert v["fiche_acces_libre"].startswith("https://acceslibre.beta.gouv.fr/")
    placeholder = [r for r in rapport.remarques(Genre.AVERTISSEMENT) if r.colonne == "date_maj"]
    assert [r.valeur for r in placeholder] == ["1969-12-31", "1969-12-31"]


def test_paca_json_keeps_france_services_and_reads_long_labels(data_dir: Path) -> None:
    rapport = analyser_fichier(data_dir / "hub_du_sud_paca.json")

    assert all(ligne.valide for ligne in rapport.lignes)
    assert rapport.remarques(Genre.NON_REPRIS) == []
    first, second = (ligne.valeurs for ligne in rapport.lignes)
    assert first["frais_a_charge"] == "Gratuit"
    assert first["modalites_accompagnement"] == (
        "Dans un atelier collectif|Accompagnement individuel"
    )
    assert second["modalites_accompagnement"] == (
        "Dans un atelier collectif|Accompagnement individuel|En autonomie"
    )


def test_a_long_summary_of_nouvelle_caledonie_is_shortened_and_the_place_kept(
    data_dir: Path,
) -> None:
    rapport = analyser_fichier(data_dir / "nouvelle_caledonie.json")

    assert [ligne.valide for ligne in rapport.lignes] == [True, True]
    cyber = rapport.lignes[1].valeurs
    assert len(cyber["presentation_resume"]) == 280
    assert cyber["presentation_resume"].endswith("…")
    assert cyber["telephone"] == "+687450700"
    assert cyber["courriels"] == "drehu.cybertribu@gmail.com"
    assert rapport.lignes[0].valeurs["publics_specifiquement_adresses"] == (
        "Familles et/ou enfants|Jeunes|Seniors"
    )
    (short,) = [r for r in rapport.remarques() if r.colonne == "presentation_resume"]
    assert short.genre is Genre.AVERTISSEMENT
    # Nouméa is French: no warning about its position.
    assert not [r for r in rapport.remarques() if r.colonne == "latitude"]


def test_a_date_with_trailing_garbage_is_refused_and_a_placeholder_date_warned() -> None:
    garbage = analyser_contenu(
        _one_row_json("date_maj", "x").replace(b'"2022-06-02"', b'"2024-04-02garbage"'), "a.json"
    )
    assert not garbage.lignes[0].valide
    assert garbage.lignes[0].valeurs.get("date_maj") is None
    stamped = analyser_contenu(
        _one_row_json("x", "").replace(b'"2022-06-02"', b'"2024-04-02T09:30:00+02:00"'), "b.json"
    )
    assert stamped.lignes[0].valeurs["date_maj"] == date(2024, 4, 2)


def test_an_early_national_map_record_with_comma_lists_and_its_siret_as_id_is_read() -> None:
    import json

    # Record « HARMONIE MUTUELLE » of src/assets/data/lieux-de-mediation-numerique.json
    # (anct-cartographie-nationale/client-application, 0dff833e), long texts left out.
    record = {
        "id": "53851847300011",
        "nom": "HARMONIE MUTUELLE",
        "commune": "Pamiers",
        "code_postal": "09100",
        "adresse": "26 av 9ème RCP",
        "services": "Créer et développer mon entreprise, Favoriser mon insertion professionnelle, "
        "Accéder à une connexion internet",
        "date_maj": "2022-04-15",
        "conditions_access": "Payant",
        "presentation_resumee": "Alors que nous évoluons dans une société de plus en plus "
        "individualiste, Harmonie Mutuelle fait le choix d’avancer collectif pour mieux vous "
        "protéger au quotidien.",
        "modalites_accompagnement": "Seul, Avec de l'aide, Dans un atelier, À ma place",
        "publics_accueillis": "Seniors (+ 65 ans), Familles/enfants, Adultes,Jeunes (16-26 ans), "
        "Langues étrangères, Déficience visuelle, Surdité, Handicaps psychiques, Handicaps "
        "mentaux, Uniquement femmes, Personnes en situation d’illettrisme",
        "labels_nationaux": "France Services, APTIC, Aidants Connect, Fabriques de Territoire, "
        "Grandes écoles du numérique, Point relais CAF, Point numérique CAF, Relais pôle emploi, "
        "French Tech, Campus connecté, CNFS",
    }
    rapport = analyser_contenu(json.dumps([record]).encode(), "carto.json")

    (ligne,) = rapport.lignes
    assert ligne.valide
    assert rapport.remarques(Genre.NON_REPRIS) == []
    v = ligne.valeurs
    assert v["pivot"] == "53851847300011"
    assert v["presentation_resume"].startswith("Alors que")
    assert v["frais_a_charge"] == "Payant"
    assert v["modalites_accompagnement"] == (
        "En autonomie|Accompagnement individuel|Dans un atelier collectif"
    )
    assert v["prise_en_charge_specifique"] == (
        "Langues étrangères (autres)|Déficience visuelle|Surdité|Handicaps mentaux|Illettrisme"
    )
    assert v["dispositif_programmes_nationaux"] == (
        "France Services|Aidants Connect|Grande école du numérique|"
        "Point d'accès numérique CAF|Conseillers numériques"
    )
    assert v["autres_formations_labels"] == "APTIC|Relais pôle emploi|French Tech|Campus connecté"


def test_the_version_shows_in_the_values_when_the_columns_are_those_of_v1() -> None:
    import json

    old = {**_REQUIRED, "services": "Prendre en main un ordinateur;Accéder à du matériel"}
    new = {**_REQUIRED, "services": "Aide aux démarches administratives"}

    assert analyser_contenu(json.dumps([old]).encode(), "a.json").format is FormatFichier.JSON_V0
    assert analyser_contenu(json.dumps([new]).encode(), "b.json").format is FormatFichier.JSON


def test_the_charente_file_mixes_v1_values_and_v01_columns_and_loses_nothing(
    data_dir: Path,
) -> None:
    rapport = analyser_fichier(data_dir / "charente.json")

    assert [ligne.valide for ligne in rapport.lignes] == [True, True]
    assert rapport.remarques(Genre.NON_REPRIS) == []
    first, second = (ligne.valeurs for ligne in rapport.lignes)
    assert first["dispositif_programmes_nationaux"] == "Conseillers numériques|France Services"
    assert first["services"] == (
        "Maîtrise des outils numériques du quotidien|Compréhension du monde numérique"
    )
    assert second["typologie"] == "ASSO|CAP_EMPLOI"
    assert second["courriels"] == "contact@capemploi16.com"
    assert not [r for r in rapport.remarques() if r.colonne == "horaires"]
    placeholder = [r for r in rapport.remarques() if r.colonne == "pivot"]
    assert [(r.ligne, r.genre) for r in placeholder] == [(1, Genre.AVERTISSEMENT)]


def test_places_whose_commune_position_is_unknown_here_are_counted_not_skipped(
    data_dir: Path,
) -> None:
    # The national map's Charente file: one place in Puymoyen (16271), one without INSEE code.
    # Commune positions are shipped for Charente-Maritime only, so neither distance is checked,
    # and the report says so.
    rapport = analyser_fichier(data_dir / "charente.json")

    assert (
        "Distance à la commune non vérifiée pour 2 lieux (16271, sans code INSEE) : la position "
        "des communes n'est connue ici que pour la Charente-Maritime."
    ) in rapport.remarques_fichier


def test_a_place_in_charente_maritime_has_its_commune_distance_checked() -> None:
    row = (
        "id,pivot,nom,commune,code_postal,code_insee,adresse,latitude,longitude,date_maj\n"
        "p1,43493312300029,Médiathèque,La Rochelle,17000,17300,1 rue,46.1591,-1.1508,2024-04-02\n"
    )
    rapport = analyser_contenu(row.encode(), "p.csv")

    assert not any("non vérifiée" in note for note in rapport.remarques_fichier)
