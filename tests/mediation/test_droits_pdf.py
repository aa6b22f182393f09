"""The access PDF (RGPD art. 15) as the person reads it: every field in plain French, nothing
internal, and a page laid out as drawn (A4, 2 cm margins, a 6 cm column of labels on a light
background beside a 10.5 cm column of values, a grey grid, a small gap between tables).

The PDF is written from synthetic data shaped like ``collect_personal_data``'s result, read back
with poppler (``pdftotext -bbox`` for the words and their boxes, ``pdftoppm`` for the pixels),
and every expected value is worked out by hand from the layout above.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from mediation.droits import write_access_pdf

CM = 72 / 2.54  # points
A4 = (21 * CM, 29.7 * CM)
MARGIN = 2 * CM
LABELS = 6 * CM
VALUES = 10.5 * CM
PADDING = 6  # reportlab's padding of a frame and of a table cell, in points
GAP = 0.2 * CM
WHITESMOKE = (245, 245, 245)
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    x0: float
    y0: float  # from the top of the page
    x1: float
    y1: float


def words(pdf: Path) -> list[Word]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    found = []
    for page, body in enumerate(out.split("<page ")[1:], start=1):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            body,
        ):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            found.append(Word(html.unescape(m.group(5)), page, x0, y0, x1, y1))
    return found


def text_of(pdf: Path) -> str:
    return " ".join(w.text for w in words(pdf))


def first(found: list[Word], text: str, after: Word | None = None) -> Word:
    """The first word ``text`` (after ``after`` in reading order, if given)."""
    start = found.index(after) + 1 if after else 0
    return next(w for w in found[start:] if w.text == text)


def render(pdf: Path, tmp_path: Path, page: int = 1) -> Image.Image:
    """The page at 144 dpi (2 pixels a point)."""
    subprocess.run(
        [
            *("pdftoppm", "-r", "144", "-png", "-f", str(page), "-l", str(page)),
            *(str(pdf), str(tmp_path / "rendu")),
        ],
        check=True,
        capture_output=True,
    )
    image = next(tmp_path.glob("rendu*.png"))
    return Image.open(image).convert("RGB")


def pixel(image: Image.Image, x: float, y: float) -> tuple[int, int, int]:
    return image.getpixel((round(x * 2), round(y * 2)))  # type: ignore[return-value]


def is_grid(rgb: tuple[int, int, int]) -> bool:
    """A grey line (colors.grey is 128, 128, 128; anti-aliasing lightens it a little)."""
    return max(rgb) - min(rgb) <= 4 and 100 <= rgb[0] <= 200


def access_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "genere_le": "2026-06-15T10:30:00+00:00",
        "beneficiaire": {"id": 42, "nom": "Durand", "prenom": "Zoé"},
        "diagnostics": [],
        "accompagnements": [],
        "autres_donnees": {},
        "journal": [],
    }
    data.update(overrides)
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    return write_access_pdf(data, tmp_path / "sous-dossier" / "acces.pdf")


# --- what the reader reads -----------------------------------------------------------------------


def test_the_pdf_is_written_in_a_folder_created_for_it_with_its_title_and_author(
    tmp_path: Path,
) -> None:
    # Folders not made yet, two levels down (a request's folder under the year's).
    wanted = tmp_path / "2026" / "demande-42" / "acces.pdf"
    path = write_access_pdf(access_data(), wanted)
    assert path == wanted
    reader = PdfReader(path)
    assert reader.metadata is not None
    assert (reader.metadata.title, reader.metadata.author) == ("Données personnelles", "Médianum")
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.01)


def test_empty_unset_and_yes_no_values_read_as_a_dash_oui_and_non(tmp_path: Path) -> None:
    ident = {
        "nom": "Durand",
        "prenom": None,
        "telephone": "",
        "usages": [],
        "anonyme": False,
        "aide_entourage": True,
        "thematiques": ["Santé", "E-mail"],
        "annee_naissance": 1950,
    }
    text = text_of(write(tmp_path, access_data(beneficiaire=ident)))
    assert "Nom Durand Prénom — Téléphone — Usages — Anonyme non" in text
    assert "Une personne de l'entourage peut aider oui" in text
    assert "Thématiques Santé, E-mail Année de naissance 1950" in text


def test_dates_and_instants_read_in_french_in_paris_time_and_other_text_as_written(
    tmp_path: Path,
) -> None:
    ident = {
        "consentement_at": "2026-03-29T00:30:00+00:00",  # 1:30 in Paris, still winter time
        "updated_at": "2026-03-29T01:30:00+00:00",  # 3:30 in Paris: summer time has begun
        "date_naissance": "1950-03-14",
        "notes": "2026-13-45",  # shaped like a date, not one
        "lieu_nom": "1234567890T234567890",  # shaped like an instant, not one
        "email": "zoe-durand@exemple.fr",
        "derniere_activite_at": "2026-04-02T09:15+02",  # to the minute, with an hour offset
    }
    text = text_of(write(tmp_path, access_data(beneficiaire=ident)))
    assert "Consentement recueilli le 29 mars 2026 à 01:30" in text
    assert "Dernière modification 29 mars 2026 à 03:30" in text
    assert "Date de naissance 14 mars 1950" in text
    assert "Notes 2026-13-45" in text
    assert "Nom du lieu 1234567890T234567890" in text
    assert "E-mail zoe-durand@exemple.fr" in text
    assert "Dernière activité 2 avril 2026 à 09:15" in text


def test_internal_references_are_left_out_and_each_section_numbers_its_own_rows(
    tmp_path: Path,
) -> None:
    ident = {
        "id": 42,
        "nom": "Durand",
        "structure_id": 3,
        "consentement_agent_id": 9,
        "efface": False,
        "nom_technique_inconnu": "jamais",
    }
    diagnostic = {"id": 7, "beneficiaire_id": 42, "date": "2026-05-01", "autonomie": "Faible"}
    pass_row = {"id": 5, "chequier_id": 2, "lot_id": 11, "campagne_id": 1, "etat": "encaisse"}
    encaissement = {"id": 3, "pass_id": 5, "reglement_id": 8, "source": "guichet"}
    journal = [{"seq": 31, "entity_type": "pass", "entity_id": "5", "agent": None}]
    data = access_data(
        beneficiaire=ident,
        diagnostics=[diagnostic],
        autres_donnees={"pass": [pass_row], "pass_encaissement": [encaissement]},
        journal=journal,
    )
    text = text_of(write(tmp_path, data))
    assert "Numéro de dossier 42 Nom Durand Diagnostics" in text
    assert "Numéro du diagnostic 7 Date 1 mai 2026 Autonomie Faible" in text
    assert "Numéro interne du pass 5 Chéquier n° 2 État encaisse" in text
    assert "Numéro de l'encaissement 3 Pass n° 5 Enregistré depuis guichet" in text
    assert "Entrée du journal n° 31 Numéro de l'objet 5 Agent —" in text
    for hidden in ("jamais", "beneficiaire_id", "structure_id", "False", " 11 ", " 8 ", " 9 "):
        assert hidden not in f" {text} "


def test_a_section_without_a_label_for_its_number_does_not_print_the_number(
    tmp_path: Path,
) -> None:
    # « id » is the file's number only in the identity section; elsewhere only a section that
    # names it (« Numéro du mandat »…) prints it.
    data = access_data(autres_donnees={"lieu_visite": [{"id": 77, "date": "2026-05-02"}]})
    text = text_of(write(tmp_path, data))
    assert "lieu_visite (1) Date 2 mai 2026 Journal" in text
    assert "77" not in text


def test_a_mandates_fields_are_named_as_on_the_mandate_not_as_on_the_file(tmp_path: Path) -> None:
    mandat = {
        "id": 12,
        "reference": "MDT-2026-0501-ABCD",
        "mandant_cle": "odile lambert",
        "created_at": "2026-05-01T08:00:00+00:00",
        "template_version": "2026-11-30",
        "debut": "2026-05-01T08:00:00+00:00",
    }
    lignes = [
        {"mandat_id": 12, "categorie": "social", "rang": 0, "revoquee_at": None},
        {"mandat_id": 12, "categorie": "ancienne-cle", "rang": 1, "revoquee_at": None},
    ]
    revocation = {"id": 4, "mandat_id": 12, "categorie": None, "motif": "demande"}
    chequier = {"id": 2, "reimpressions": 0}
    pass_row = {"serial": "2026-05-01", "valeur_cents": 1000, "expire_le": "2026-12-31"}
    conflit = {"serial": "P-1", "valeur_cents": None, "statut": "a_decider"}
    sans_numero = {"serial": None, "statut": "rejete"}
    data = access_data(
        autres_donnees={
            "mandat": [mandat],
            "mandat_categorie": lignes,
            "mandat_revocation": [revocation],
            "pass_chequier": [chequier],
            "pass": [pass_row],
            "pass_conflit": [conflit, sans_numero],
        }
    )
    text = text_of(write(tmp_path, data))
    assert (
        "Mandats (1) Numéro du mandat 12 Référence du mandat MDT-2026-0501-ABCD "
        "Enregistré le 1 mai 2026 à 10:00 Version du texte signé 2026-11-30 "
        "Début 1 mai 2026 à 10:00"
    ) in text
    assert (
        "Catégories de démarches des mandats (2) Mandat n° 12 Catégorie de démarches "
        "Social - Santé Révoquée le — Mandat n° 12 Catégorie de démarches ancienne-cle"
    ) in text
    assert (
        "Révocations de mandats (1) Numéro de la révocation 4 Mandat n° 12 "
        "Catégorie révoquée (toutes si vide) — Motif demande"
    ) in text
    assert "Chéquiers Pass numérique (1) Numéro du chéquier 2 Réimpressions 0" in text
    assert "Pass numériques (1) Numéro de série 2026-05-01 Valeur 10,00 € Expire le" in text
    assert "31 décembre 2026" in text
    assert (
        "Encaissements contestés (2) Numéro de série P-1 Décision a_decider "
        "Numéro de série — Décision rejete"
    ) in text
    assert "odile lambert" not in text and "Dossier créé le" not in text


def test_each_heading_counts_its_rows_and_the_page_ends_with_how_to_ask_for_more(
    tmp_path: Path,
) -> None:
    data = access_data(
        genere_le="2026-01-15T10:30:00+00:00",
        diagnostics=[{"date": "2026-05-01"}, {"date": "2026-05-03"}],
        accompagnements=[{"type": "Individuel", "materiel": ["Ordinateur", "Tablette"]}],
        journal=[{"seq": 1, "action": "beneficiaire.creation"}],
    )
    text = text_of(write(tmp_path, data))
    assert text.startswith(
        "Données personnelles détenues par Médianum Réponse à une demande d'accès (article 15 du "
        "RGPD), établie le 15 janvier 2026 à 11:30."
    )
    assert "Identité et coordonnées Numéro de dossier 42 Nom Durand Prénom Zoé" in text
    assert "Diagnostics des besoins (2) Date 1 mai 2026 Date 3 mai 2026" in text
    assert "Accompagnements (1) Type Individuel Matériel Ordinateur, Tablette" in text
    assert "Journal des actions vous concernant (1) Entrée du journal n° 1 Action" in text
    assert text.endswith(
        "Vous pouvez demander la rectification ou l'effacement de ces données auprès de la "
        "structure qui vous accompagne."
    )


# --- how the page is laid out ------------------------------------------------------------------


LONG_NOTE = "Préfère les ateliers du jeudi matin à la médiathèque. " * 6


def laid_out(tmp_path: Path) -> tuple[Path, list[Word]]:
    ident = {"id": 42, "nom": "Durand", "prenom": "Zoé", "notes": LONG_NOTE, "genre": "Féminin"}
    diagnostics = [
        {"id": 7, "date": "2026-05-01", "autonomie": "Faible"},
        {"id": 8, "date": "2026-05-02", "autonomie": "Moyenne"},
    ]
    path = write(tmp_path, access_data(beneficiaire=ident, diagnostics=diagnostics))
    return path, words(path)


def test_text_keeps_two_centimetres_from_each_edge_and_the_title_is_centred(
    tmp_path: Path,
) -> None:
    _path, found = laid_out(tmp_path)
    left, right = MARGIN + PADDING, A4[0] - MARGIN - PADDING
    for w in found:
        assert left - 0.5 <= w.x0 and w.x1 <= right + 0.5, w
        assert w.y0 >= MARGIN and w.y1 <= A4[1] - MARGIN, w
    intro = first(found, "Réponse")
    assert intro.x0 == pytest.approx(left, abs=0.5)
    # The paragraph fills the width between the margins before it wraps.
    line = [w for w in found if w.y0 == intro.y0]
    assert max(w.x1 for w in line) > right - 3 * CM
    title = [w for w in found if w.y0 == first(found, "Données").y0]
    assert (title[0].x0 + title[-1].x1) / 2 == pytest.approx(A4[0] / 2, abs=0.5)


def test_values_stand_in_a_column_six_centimetres_right_of_the_labels_and_wrap_within_it(
    tmp_path: Path,
) -> None:
    _path, found = laid_out(tmp_path)
    label, value = first(found, "Nom"), first(found, "Durand")
    assert value.y0 == pytest.approx(label.y0, abs=0.1)
    assert value.x0 - label.x0 == pytest.approx(LABELS, abs=0.5)
    # The table (16.5 cm) is centred in the frame between the margins.
    frame = A4[0] - 2 * MARGIN - 2 * PADDING
    table_left = MARGIN + PADDING + (frame - LABELS - VALUES) / 2
    assert label.x0 == pytest.approx(table_left + PADDING, abs=0.5)
    # The note wraps inside the 10.5 cm column, each line filling most of it.
    notes = first(found, "Notes")
    note_words = [w for w in found if w.y0 >= notes.y0 - 0.1 and w.x0 >= value.x0 - 0.5][
        : len(LONG_NOTE.split())
    ]
    assert " ".join(w.text for w in note_words) == LONG_NOTE.strip()
    lines = sorted({round(w.y0, 1) for w in note_words})
    assert len(lines) >= 3
    column_right = value.x0 - PADDING + VALUES - PADDING
    for y in lines[:-1]:
        ends = max(w.x1 for w in note_words if round(w.y0, 1) == y)
        assert column_right - 2 * CM < ends <= column_right + 0.5


def test_a_label_and_its_value_start_on_the_same_line_whichever_is_longer(tmp_path: Path) -> None:
    _path, found = laid_out(tmp_path)
    notes = first(found, "Notes")
    first_note_word = first(found, LONG_NOTE.split()[0], after=notes)
    assert notes.y0 == pytest.approx(first_note_word.y0, abs=0.1)
    # A table whose first and last rows hold values of several lines, and whose middle row a
    # label of two lines beside a one-word value.
    many = [f"Usage{i}" for i in range(40)]
    diagnostic = {"notes": LONG_NOTE, "aide_entourage": True, "usages": many}
    found = words(write(tmp_path, access_data(diagnostics=[diagnostic])))
    notes = first(found, "Notes", after=first(found, "Diagnostics"))
    assert first(found, LONG_NOTE.split()[0], after=notes).y0 == pytest.approx(notes.y0, abs=0.1)
    une = first(found, "Une")
    oui = first(found, "oui")
    assert first(found, "aider", after=une).y0 > une.y0  # the label takes two lines
    assert oui.y0 == pytest.approx(une.y0, abs=0.1)
    usages = first(found, "Usages")
    assert first(found, "Usage0,").y0 == pytest.approx(usages.y0, abs=0.1)
    assert first(found, "Usage39").y0 > usages.y0  # the value takes several lines


def test_every_heading_is_set_larger_than_the_text(tmp_path: Path) -> None:
    data = access_data(
        diagnostics=[{"date": "2026-05-01"}],
        accompagnements=[{"type": "Individuel"}],
        autres_donnees={"pass": [{"serial": "S-1"}]},
        journal=[{"seq": 1, "action": "a.b"}],
    )
    found = words(write(tmp_path, data))
    body = first(found, "Réponse")
    title = first(found, "Données")
    headings = [first(found, w) for w in ("Identité", "Diagnostics", "Accompagnements", "Pass")]
    headings.append(first(found, "Journal"))
    heights = [w.y1 - w.y0 for w in headings]
    assert max(heights) - min(heights) < 0.2
    assert body.y1 - body.y0 + 2 < min(heights) and max(heights) + 2 < title.y1 - title.y0


def test_tables_follow_each_other_with_a_small_gap_and_the_closing_words_stand_apart(
    tmp_path: Path,
) -> None:
    data = access_data(
        diagnostics=[{"id": 7, "date": "2026-05-01"}, {"id": 8, "date": "2026-05-02"}],
        accompagnements=[{"id": 1, "type": "Individuel"}, {"id": 2, "type": "Atelier"}],
        autres_donnees={"pass": [{"id": 5, "serial": "S-1"}, {"id": 6, "serial": "S-2"}]},
        journal=[{"seq": 1, "action": "a.b"}, {"seq": 2, "action": "c.d"}],
    )
    found = words(write(tmp_path, data))
    assert {w.page for w in found} == {1}
    # Each record is a table of two one-line rows, 18 points apart (3 points of padding above
    # and below a 12-point line); from a record's last row to the next record's first row, the
    # 0.2 cm gap is added.
    for first_label, second_label in (
        ("diagnostic", "Date"),
        ("l'accompagnement", "Type"),
        ("interne", "série"),
        ("Entrée", "Action"),
    ):
        one, two = (w for w in found if w.text == first_label)
        row_1 = first(found, second_label, after=one)
        row_2 = first(found, second_label, after=two)
        assert row_1.y0 - one.y0 == pytest.approx(18, abs=0.1)
        assert row_2.y0 - two.y0 == pytest.approx(18, abs=0.1)
        assert two.y0 - row_1.y0 == pytest.approx(18 + GAP, abs=0.1), first_label
    # Below the last record: its row's remaining 11.84 points (the text's top sits 6.16 points
    # under the row's top), the 0.2 cm gap, 0.4 cm more, the paragraph's own 6 points of space
    # before it, and 3.16 points from its top to its text.
    last_row = [w for w in found if w.text == "Action"][-1]
    closing = first(found, "Vous")
    assert closing.y0 - last_row.y0 == pytest.approx(11.84 + GAP + 0.4 * CM + 6 + 3.16, abs=0.1)
    # Between the introduction and the first heading, 0.4 cm more than a heading's own space
    # before it; measured against the same heading further down, after a table's last row
    # (whose cell adds its 3-point bottom padding below the text).
    heading_1 = first(found, "Identité")
    heading_2 = first(found, "Diagnostics")
    last_intro = [w for w in found if w.y0 < heading_1.y0][-1]
    last_identity_row = [w for w in found if w.y0 < heading_2.y0][-1]
    intro_to_heading = heading_1.y0 - last_intro.y0
    row_to_heading = heading_2.y0 - last_identity_row.y0
    assert intro_to_heading - (row_to_heading - 3) == pytest.approx(0.4 * CM, abs=0.3)


def test_labels_sit_on_a_light_background_values_on_white_inside_a_grey_grid(
    tmp_path: Path,
) -> None:
    path, found = laid_out(tmp_path)
    image = render(path, tmp_path)
    for label_text, value_text in (("Numéro", "42"), ("Nom", "Durand"), ("Genre", "Féminin")):
        label = first(found, label_text)
        value = first(found, value_text)
        y = (label.y0 + label.y1) / 2
        # In each cell's padding, left of its text.
        assert pixel(image, label.x0 - PADDING / 2, y) == WHITESMOKE
        assert pixel(image, value.x0 - PADDING / 2 + 1, y) == WHITE
        # Grey lines at the table's left edge, between the columns and at its right edge.
        table_left = label.x0 - PADDING
        for edge in (table_left, table_left + LABELS, table_left + LABELS + VALUES):
            assert any(is_grid(pixel(image, edge + d / 2, y)) for d in (-1, 0, 1)), edge
        # And between this row and the one above it (within the 18 points of a row).
        x = (label.x1 + value.x0) / 2
        assert any(is_grid(pixel(image, x, label.y0 - d / 2)) for d in range(1, 20))
    # The grid lines are thin: a quarter of a point.
    label = first(found, "Nom")
    y = (label.y0 + label.y1) / 2
    column = round((label.x0 - PADDING + LABELS) * 2)
    dark = [x for x in range(column - 6, column + 7) if image.getpixel((x, round(y * 2)))[0] < 200]
    assert 1 <= len(dark) <= 2
