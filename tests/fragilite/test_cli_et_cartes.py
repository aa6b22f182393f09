from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

import main
from core.territory import cog, default_preset
from fragilite import cartes
from fragilite.estimation import COLONNES_ESTIMEES
from fragilite.synthetique import enquete_synthetique
from tests.fragilite.enquetes import ecrire, repondant

CAVEAT = (
    "Une enquête menée aux guichets n'est pas un échantillon aléatoire : la pondération corrige "
    "seulement les écarts sur l'âge et le sexe."
)


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    preset = default_preset()
    frame = enquete_synthetique([c.code_insee for c in preset.communes], 900, seed=1)
    # One commune with 3 respondents only, to see it hidden everywhere.
    frame = frame[frame["code_insee"] != "17010"]
    extra = frame.head(3).assign(code_insee="17010", id=["X1", "X2", "X3"])
    path = tmp_path / "enquete.csv"
    pd.concat([frame, extra]).to_csv(path, index=False, sep=";", encoding="cp1252")
    return path


def _dom(url: str) -> str:
    return subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            "--virtual-time-budget=5000",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout


def _main(*args: str) -> int:
    return main.main(["fragilite", *args])


def test_compute_writes_one_row_per_commune_and_one_for_the_territory(
    survey: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "resultat.csv"
    assert _main("compute", "--survey", str(survey), "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "Méthodologie v1.2" in printed
    assert "Attention : Aucune marge de population : le biais d'âge du recrutement" in printed

    preset = default_preset()
    text = out.read_text(encoding="utf-8")
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    expected = ["code_insee", "commune", "n", "n_eff", "statut", "ponderation", "poids_territoire"]
    for name in COLONNES_ESTIMEES:
        expected += [name, f"{name}_ic_bas", f"{name}_ic_haut"]
        if not name.startswith(("axe_", "indice")):
            expected += [f"{name}_n", f"{name}_poids_territoire"]
    assert list(table.columns) == expected
    assert list(table["code_insee"]) == [c.code_insee for c in preset.communes] + [preset.siren]
    assert table.iloc[-1]["commune"] == preset.nom
    assert table.iloc[-1]["indice"] == "100.000000"
    hidden = table.set_index("code_insee").loc["17010"]
    assert hidden["statut"] == "masque" and hidden["indice"] == "" and hidden["n"] == ""
    numbers = (
        table.drop(columns=["code_insee", "commune", "statut", "ponderation"]).to_numpy().ravel()
    )
    assert all(re.fullmatch(r"-?\d+(\.\d+)?|", v) for v in numbers)  # dot decimals only
    assert "." in text
    shares = table.loc[table["statut"] != "masque", "sans_internet"].astype(float)
    assert ((shares >= 0) & (shares <= 1)).all()
    meta = json.loads(out.with_suffix(".metadonnees.json").read_text(encoding="utf-8"))
    assert meta["lignes_exclues"] == 0 and meta["methodologie_version"] == "1.2"


def test_validate_prints_every_problem_and_compute_refuses_until_rows_are_excluded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [repondant(i) for i in range(30)] + [repondant(90, age="9"), repondant(91, sexe="X")]
    path = ecrire(tmp_path / "e.csv", rows)
    assert _main("validate", str(path)) == 1
    out = capsys.readouterr().out
    assert "ligne 32, colonne « age », valeur « 9 »" in out
    assert "ligne 33, colonne « sexe », valeur « X »" in out

    target = tmp_path / "r.csv"
    assert _main("compute", "--survey", str(path), "--out", str(target)) == 1
    assert not target.exists()
    assert "Corrigez le fichier ou excluez" in capsys.readouterr().err
    assert (
        _main("compute", "--survey", str(path), "--exclure-lignes-invalides", "--out", str(target))
        == 0
    )
    assert "2 lignes exclues" in capsys.readouterr().out


def test_compute_accepts_another_territory_file(tmp_path: Path) -> None:
    codes = sorted(c for c, v in cog().items() if v.departement == "17")[:40]
    terr = tmp_path / "terr.csv"
    pd.DataFrame(
        {
            "siren_epci": "200000017",
            "nom_epci": "Essai",
            "code_insee": codes,
            "nom": [cog()[c].nom for c in codes],
            "population_municipale": "",
        }
    ).to_csv(terr, index=False)
    path = tmp_path / "e.csv"
    enquete_synthetique(codes, 800, seed=2).to_csv(path, index=False)
    out = tmp_path / "r.csv"
    assert (
        _main("compute", "--survey", str(path), "--territoire", str(terr), "--out", str(out)) == 0
    )
    table = pd.read_csv(out, dtype=str)
    assert len(table) == 41 and table.iloc[-1]["code_insee"] == "200000017"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium not installed")
def test_the_html_map_works_offline_in_a_browser_with_every_commune(
    survey: Path, tmp_path: Path
) -> None:
    out = tmp_path / "carte.html"
    assert _main("map", "--survey", str(survey), "--out", str(out)) == 0
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    assert CAVEAT in unescape(html)
    dom = _dom(out.as_uri())
    # One SVG path per commune, coloured for the index, whose legend is the one shown.
    assert dom.count('class="leaflet-interactive"') == len(default_preset().communes)
    assert re.search(r'data-nom="indice" style="display: ?block', dom)
    legend = re.search(r'data-nom="indice".*?</div>\s*</div>', dom, re.S)
    assert legend and "100 = niveau du territoire" in unescape(legend.group(0))
    # Another indicator chosen (the list, or a link ending in #name): its legend replaces it.
    dom = _dom(out.as_uri() + "#sans_aide")
    assert re.search(r'data-nom="sans_aide" style="display: ?block', dom)
    assert re.search(r'data-nom="indice" style="display: ?none', dom)
    # Hover texts (JSON-escaped in the page): the hidden commune, and values with intervals.
    assert "Angoulins : moins de 5 r\\u00e9pondants" in html
    assert html.count("(IC 95 %") >= 12 * (len(default_preset().communes) - 1)


def test_print_maps_and_report_carry_the_caveat(survey: Path, tmp_path: Path) -> None:
    png, pdf, report = tmp_path / "c.png", tmp_path / "c.pdf", tmp_path / "rapport.pdf"
    assert (
        _main("map", "--survey", str(survey), "--out", str(png), "--indicateur", "sans_aide") == 0
    )
    assert _main("map", "--survey", str(survey), "--out", str(pdf)) == 0
    assert _main("report", "--survey", str(survey), "--out", str(report)) == 0

    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3)
    colours = {tuple(int(x) for x in p) for p in np.unique(pixels, axis=0)}
    grey = tuple(int(cartes.GRIS[i : i + 2], 16) for i in (1, 3, 5))
    assert grey in colours  # the hidden commune

    map_text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Une enquête menée aux guichets" in map_text
    assert "100 = niveau du territoire" in map_text
    index_png = tmp_path / "indice.png"
    assert _main("map", "--survey", str(survey), "--out", str(index_png)) == 0
    assert "100 = niveau du territoire" in Image.open(index_png).text["Description"]
    assert "100 = niveau" not in Image.open(png).text["Description"]  # not the share's legend
    pages = [p.extract_text() for p in PdfReader(report).pages]
    assert all("Une enquête menée aux guichets" in t for t in pages)
    full = " ".join(pages)
    assert "Méthode" in full and "Châtelaillon-Plage" in full and "Wilson" in full
    # Smoothing is said plainly, with each commune's pull towards the territory.
    assert "Poids du" in full and "tirées vers le niveau du territoire" in full
    assert "Li et Lahiri" in full and "bootstrap" in full.lower()
    assert "Aucun répondant ne reçoit un poids nul" in full.replace("\n", " ")
    # No margins given: the first page says the desk's age bias is uncorrected.
    assert "biais d'âge du recrutement aux guichets n'est pas corrigé" in pages[0].replace(
        "\n", " "
    )


def test_compare_writes_the_change_per_commune(survey: Path, tmp_path: Path) -> None:
    later = tmp_path / "apres.csv"
    preset = default_preset()
    enquete_synthetique([c.code_insee for c in preset.communes], 900, seed=9).to_csv(
        later, index=False
    )
    out = tmp_path / "evolution.csv"
    assert _main("compare", "--avant", str(survey), "--apres", str(later), "--out", str(out)) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("code_insee")
    assert table.loc["17010", "indice_evolution"] == ""  # hidden before
    lo = table.loc["17300", "sans_internet_evolution_ic_bas"]
    hi = table.loc["17300", "sans_internet_evolution_ic_haut"]
    assert float(lo) < float(table.loc["17300", "sans_internet_evolution"]) < float(hi)


def test_outlines_of_communes_merged_since_2018_are_reported_not_dropped() -> None:
    codes = [c for c, v in cog().items() if v.departement == "17"]
    join = cartes.apparier(codes)
    assert len(codes) == 463
    assert join.sans_contour == []
    assert sorted(join.contours_orphelins) == ["17169", "17189", "17272"]
    assert len(join.rapport()) == 3


# --- Nothing to show: an index that cannot be computed, a map without any value ----------------


def _colours(png: Path) -> set[tuple[int, ...]]:
    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3)
    return {tuple(int(x) for x in p) for p in np.unique(pixels, axis=0)}


def _rgb(colour: str) -> tuple[int, ...]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


@pytest.fixture
def nobody_fragile(tmp_path: Path) -> Path:
    """Twelve respondents per commune, each with equipment, connection, skills and help: every
    axis is zero on the territory, so no commune can be compared with it."""
    codes = [c.code_insee for c in default_preset().communes]
    rows = [repondant(i, code=c) for i, c in enumerate(codes * 12)]
    return ecrire(tmp_path / "personne_fragile.csv", rows)


def test_an_index_with_no_usable_axis_is_left_empty_everywhere_and_the_result_says_why(
    nobody_fragile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "resultat.csv"
    assert _main("compute", "--survey", str(nobody_fragile), "--out", str(out)) == 0
    assert "Indice non calculable : aucun axe n'est utilisable" in capsys.readouterr().out
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(table) == len(default_preset().communes) + 1
    # Neither 0 for the communes nor 100 for the territory: no figure, no interval.
    for column in ("indice", "indice_ic_bas", "indice_ic_haut"):
        assert set(table[column]) == {""}
    assert table.iloc[-1]["sans_internet"] == "0.000000"  # the shares themselves are published


def test_maps_and_report_without_any_index_show_grey_communes_said_not_computable(
    nobody_fragile: Path, tmp_path: Path
) -> None:
    png, pdf, page, report = (tmp_path / n for n in ("c.png", "c.pdf", "c.html", "r.pdf"))
    for out in (png, pdf, page):
        assert _main("map", "--survey", str(nobody_fragile), "--out", str(out)) == 0
    assert _main("report", "--survey", str(nobody_fragile), "--out", str(report)) == 0

    colours = _colours(png)
    assert _rgb(cartes.GRIS) in colours
    assert not colours & {_rgb(c) for c in cartes.PALETTE}
    assert "non calculable" in Image.open(png).text["Description"]
    assert "non calculable" in PdfReader(pdf).pages[0].extract_text()
    # The hover text (JSON-escaped in the page) of a commune shown but without an index.
    assert "Angoulins : non calculable, 12 r\\u00e9pondants" in page.read_text(encoding="utf-8")
    # The report: its map's legend, and in the table the index of every commune and the
    # territory's.
    pages = [p.extract_text().splitlines() for p in PdfReader(report).pages]
    assert "non calculable" in pages[0]
    table = [line for page in pages[1:] for line in page]
    assert table.count("non calculable") == len(default_preset().communes) + 1


def test_maps_and_report_with_every_commune_hidden_are_grey_with_a_legend_saying_so(
    survey: Path, tmp_path: Path
) -> None:
    png, pdf, page, report = (tmp_path / n for n in ("c.png", "c.pdf", "c.html", "r.pdf"))
    hidden = ["--survey", str(survey), "--min-repondants", "1000"]
    for out in (png, pdf, page):
        assert _main("map", *hidden, "--out", str(out)) == 0
    assert _main("report", *hidden, "--out", str(report)) == 0

    said = "aucune commune n'a de valeur à afficher : toutes sont en gris"
    colours = _colours(png)
    assert _rgb(cartes.GRIS) in colours
    assert not colours & {_rgb(c) for c in cartes.PALETTE}
    assert said in Image.open(png).text["Description"]
    assert said in PdfReader(pdf).pages[0].extract_text().replace("\n", " ")
    html = page.read_text(encoding="utf-8")
    assert said in unescape(html)
    assert not any(c in html for c in cartes.PALETTE)
    assert said in PdfReader(report).pages[0].extract_text().replace("\n", " ")


def test_a_territory_outside_the_base_maps_gets_an_empty_map_naming_its_communes(
    tmp_path: Path,
) -> None:
    codes = ["01053", "01004"]
    terr = tmp_path / "terr.csv"
    pd.DataFrame(
        {
            "siren_epci": "200000001",
            "nom_epci": "Essai de l'Ain",
            "code_insee": codes,
            "nom": [cog()[c].nom for c in codes],
            "population_municipale": "",
        }
    ).to_csv(terr, index=False)
    path = tmp_path / "e.csv"
    enquete_synthetique(codes, 200, seed=3).to_csv(path, index=False)
    args = ["--survey", str(path), "--territoire", str(terr)]
    png, pdf, report = tmp_path / "c.png", tmp_path / "c.pdf", tmp_path / "r.pdf"
    for out in (png, pdf):
        assert _main("map", *args, "--out", str(out)) == 0
    assert _main("report", *args, "--out", str(report)) == 0
    assert "commune 01053 sans contour" in PdfReader(pdf).pages[0].extract_text()
    full = " ".join(p.extract_text() for p in PdfReader(report).pages).replace("\n", " ")
    assert "commune 01004 sans contour dans les fonds de carte" in full
