"""Right of access (RGPD art. 15) of a person with a chequebook and a mandate: everything held,
in plain French, as JSON and PDF."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from core.models import Role
from mediation.droits import export_personal_data
from mediation.mandats.creation import MandantIdentity, create_mandat
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.redemption import redeem
from tests.pass_numerique.conftest import TODAY, World
from tests.pass_numerique.conftest import world as world  # the fixture


def test_access_export_holds_passes_redemptions_mandate_categories_and_journal(
    world: World, make_agent, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db, person = world.db, world.beneficiaire_id
    with db.session() as s:
        chequier = issue_chequebook(s, world.accueil, person, world.campagne_id, today=TODAY)
        printed = chequebook_print(s, world.accueil, chequier.id)
        serials = [p.serial for p in printed.passes]
        first_qr = printed.passes[0].qr_text
    with db.session() as s:
        assert redeem(s, world.mediateur, first_qr, today=TODAY).accepted
    aidant = make_agent((Role.AIDANT, world.mediatheque_id))
    with db.session() as s:
        mandat = create_mandat(
            s,
            aidant,
            person,
            categories=["social"],
            duree_jours=365,
            identite=MandantIdentity("Lambert", "Odile", date(1960, 5, 2), "Niort"),
            mentions_lues=True,
            hors_mesure_protection=True,
        )
        reference = mandat.reference
    with db.session() as s:
        written = export_personal_data(s, world.accueil, person, tmp_path / "acces")
    data = json.loads((tmp_path / "acces.json").read_text(encoding="utf-8"))
    others = data["autres_donnees"]
    assert sorted(p["serial"] for p in others["pass"]) == sorted(serials)
    assert all(p["etat"] and p["expire_le"] for p in others["pass"])
    assert len(others["pass_encaissement"]) == 1
    assert [c["categorie"] for c in others["mandat_categorie"]] == ["social"]
    actions = {e["action"] for e in data["journal"]}
    assert {"pass.chequier.emis", "mandat.creation"} <= actions
    pdf = next(p for p in written if p.suffix == ".pdf")
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages)
    for raw in ("cle_id", "integrity_code", "template_version", "valeur_cents", "mandat_id"):
        assert raw not in text
    assert text.count("Numéro de dossier") == 1
    assert "Version du texte signé 2026-11-30" in text
    assert "Social - Santé" in text and reference in text
    assert serials[0] in text and "Pass numériques encaissés" in text
    assert "Journal des actions vous concernant" in text and "mandat.creation" in text
