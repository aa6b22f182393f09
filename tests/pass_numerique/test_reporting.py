"""The financer's report and the expiry view, on a small scenario counted by hand."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from core.auth import create_structure
from core.models import Role
from pass_numerique import opposition
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.redemption import redeem
from pass_numerique.reporting import expiring, financer_report, report_pdf, report_xlsx
from tests.pass_numerique.conftest import TODAY, World, synthetic_siret


def _scenario(world: World) -> int:
    """Chequebook A: 3 passes redeemed, the rest opposed. Chequebook B: untouched."""
    other = world.add_beneficiaire(prenom="Jean", nom="Martin", commune="17028")
    with world.db.session() as s:
        a = issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=TODAY
        )
        scans = [p.qr_text for p in chequebook_print(s, world.accueil, a.id).passes]
        b = issue_chequebook(s, world.accueil, other, world.campagne_id, today=TODAY)
        a_id, b_id = a.id, b.id
    for scanned in scans[:3]:
        with world.db.session() as s:
            assert redeem(s, world.mediateur, scanned, today=TODAY).accepted
    with world.db.session() as s:
        opposition.oppose_chequebook(s, world.accueil, a_id)
    return b_id


def test_the_financer_report_counts_chequebooks_passes_and_amounts(world: World) -> None:
    _scenario(world)
    with world.db.session() as s:
        report = financer_report(s, world.coordinateur, world.campagne_id, today=TODAY)
    assert (report.chequiers_emis, report.chequiers_remis, report.chequiers_entames) == (2, 2, 1)
    assert (report.passes_emis, report.passes_encaisses, report.passes_annules) == (20, 3, 7)
    assert (report.passes_en_cours, report.passes_expires) == (10, 0)
    assert (report.valeur_emise_cents, report.valeur_encaissee_cents) == (20000, 3000)
    assert report.valeur_annulee_cents == 7000
    la_rochelle = report.par_commune["La Rochelle"]
    assert (la_rochelle.chequiers, la_rochelle.passes_encaisses) == (1, 3)
    assert report.par_thematique["Prendre en main du matériel informatique"].chequiers == 2
    pdf_text = PdfReader(io.BytesIO(report_pdf(report))).pages[0].extract_text()
    assert "30,00" in pdf_text and "La Rochelle" in pdf_text
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["Par commune"]
    assert ["La Rochelle", 1, 3, 30] in [[c.value for c in row] for row in sheet.iter_rows()]


def test_unused_value_at_expiry_is_credited_back_to_the_financer(world: World) -> None:
    _scenario(world)
    with world.db.session() as s:
        report = financer_report(s, world.coordinateur, world.campagne_id, today=date(2027, 2, 1))
    assert (report.passes_expires, report.valeur_expiree_cents) == (10, 10000)


def test_the_expiry_view_lists_chequebooks_expiring_within_thirty_days(world: World) -> None:
    untouched = _scenario(world)
    with world.db.session() as s:
        early = expiring(s, world.accueil, today=date(2026, 12, 1))
        soon = expiring(s, world.accueil, today=date(2027, 1, 10))
    assert early == []
    assert [(r.chequier_id, r.restants, r.valeur_restante_cents) for r in soon] == [
        (untouched, 10, 10000)
    ]


def test_the_expiry_view_of_a_desk_shows_only_the_chequebooks_it_issued(
    world: World, make_agent: Any
) -> None:
    untouched = _scenario(world)
    with world.db.session() as s:
        other_desk = create_structure(s, None, "Autre accueil", siret=synthetic_siret(9)).id
    stranger = make_agent((Role.ACCUEIL, other_desk)).with_structure(other_desk)
    with world.db.session() as s:
        assert expiring(s, stranger, today=date(2027, 1, 10)) == []
        assert [
            r.chequier_id for r in expiring(s, world.coordinateur, today=date(2027, 1, 10))
        ] == [untouched]
