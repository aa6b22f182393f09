"""The printed mandate of the current legal text, and reprints of mandates no longer in force."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from core.db import Database, utcnow
from core.i18n import to_local
from mediation.mandats import templates as mandat_templates
from mediation.mandats.creation import create_mandat
from mediation.mandats.impression import print_mandat
from mediation.mandats.lecture import get_mandat
from mediation.mandats.revocation import revoke_mandat
from mediation.mandats.verification import mandat_qr_content
from tests.mandats.conftest import IDENTITE, Desk, decode_qr_codes_per_page, pdf_pages, pdf_text

# What the issue requires the current text to state, written here independently of the template.
CURRENT_MENTIONS = (
    "article 1991 du Code civil",
    "autorise expressément",
    "utiliser ses données personnelles",
    "démarches décrites ci-dessus sont réalisées",
    "à une autre personne",
    "en informer le mandataire",
    "ne collecter, conserver, utiliser et communiquer que les informations strictement nécessaires",
    "tenir ces informations à jour et ne jamais les rendre publiques",
    "FranceConnect",
    "téléphone, courrier papier, courrier électronique",
    "Responsable du traitement de ces données : France Services Essai",
    "pendant 6 ans après sa fin",
    "après 3 ans sans activité",
    "réclamation à la Commission nationale de l'informatique et des libertés",
    "CNIL",
    "tutelle, curatelle, sauvegarde de justice",
    "droit d'accès, de rectification, de limitation et d'effacement",
    "retirer son consentement à tout moment",
    "Signature du mandant",
    "liste fermée",
)


def _create(db: Database, desk: Desk, categories: list[str], **kwargs: object) -> int:
    params: dict[str, object] = {
        "categories": categories,
        "duree_jours": 182,
        "identite": IDENTITE,
        "mentions_lues": True,
        "hors_mesure_protection": True,
    }
    params.update(kwargs)
    with db.session() as s:
        return create_mandat(s, desk.aidant, desk.beneficiaire_id, **params).id  # type: ignore[arg-type]


def test_a_new_mandate_prints_every_mention_of_the_current_legal_text(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(db, desk, ["social"])
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        assert mandat.template_version == "2026-11-30"
        content = pdf_text(print_mandat(s, desk.aidant, mandat_id))
    for mention in CURRENT_MENTIONS:
        assert mention in content, mention
    assert "ne jamais divulguer" not in content
    assert "6 mois" in content and "182 jours" not in content


def test_every_printed_page_carries_its_number_the_reference_and_the_qr_code(
    db: Database, desk: Desk, tmp_path: Path
) -> None:
    mandat_id = _create(db, desk, ["social", "papiers"])
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        reference, qr = mandat.reference, mandat_qr_content(mandat)
        pdf = print_mandat(s, desk.aidant, mandat_id)
    pages = pdf_pages(pdf)
    per_copy = len(pages) // 2
    assert per_copy >= 2
    for index, text in enumerate(pages):
        assert reference in text
        assert f"page {index % per_copy + 1}/{per_copy}" in text
    codes = decode_qr_codes_per_page(pdf, tmp_path)
    assert len(codes) == len(pages)
    for found in codes:
        assert qr in found


def test_a_reprint_of_a_revoked_mandate_says_so_on_every_page(db: Database, desk: Desk) -> None:
    mandat_id = _create(db, desk, ["social", "papiers"])
    with db.session() as s:
        revocation = revoke_mandat(s, desk.aidant, mandat_id)
        # The paper gives the day in France (the desk's), not in UTC.
        revoked_on = revocation.at.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
    with db.session() as s:
        pages = pdf_pages(print_mandat(s, desk.aidant, mandat_id))
    for text in pages:
        assert f"RÉVOQUÉ LE {revoked_on}" in text
    content = " ".join(pages)
    assert (
        "Social - Santé :" not in content and "Papiers - Citoyenneté - Élections :" not in content
    )
    assert "toutes les catégories de ce mandat ont été révoquées" in content


def test_a_reprint_after_one_category_is_revoked_lists_only_those_in_force(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(db, desk, ["social", "papiers"])
    with db.session() as s:
        revoke_mandat(s, desk.aidant, mandat_id, "papiers")
    with db.session() as s:
        pages = pdf_pages(print_mandat(s, desk.aidant, mandat_id))
    content = " ".join(pages)
    assert "Social - Santé :" in content
    assert "Papiers - Citoyenneté - Élections :" not in content
    assert all("CATÉGORIE(S) RÉVOQUÉE(S)" in text for text in pages)


def test_a_reprint_of_an_expired_mandate_says_so_on_every_page(db: Database, desk: Desk) -> None:
    mandat_id = _create(db, desk, ["social"], duree_jours=31, now=utcnow() - timedelta(days=40))
    with db.session() as s:
        ended = get_mandat(s, desk.aidant, mandat_id).fin
        pages = pdf_pages(print_mandat(s, desk.aidant, mandat_id))
    stamp = f"EXPIRÉ LE {to_local(ended).strftime('%d/%m/%Y')}"
    assert all(stamp in text for text in pages)


def test_mandates_signed_before_the_new_text_keep_theirs(db: Database, desk: Desk) -> None:
    assert mandat_templates.current_version(utcnow().date()) == "2026-11-30"
    mandat_id = _create(db, desk, ["social"], now=utcnow().replace(year=2026, month=6, day=1))
    with db.session() as s:
        assert get_mandat(s, desk.aidant, mandat_id).template_version == "2026-01-01"
        content = pdf_text(print_mandat(s, desk.aidant, mandat_id))
    assert "182 jours" in content and "article 1991" not in content
