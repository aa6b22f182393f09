"""Mandates: recording, printing, verifying, renewing and revoking, as an aidant does it."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.db import Database, utcnow
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.i18n import format_date
from core.models import AuditEntry, Role
from mediation.mandats import templates as mandat_templates
from mediation.mandats.creation import (
    MandantIdentity,
    create_mandat,
    preview_replacements,
    renew_mandat,
)
from mediation.mandats.impression import print_mandat, print_revocation
from mediation.mandats.lecture import (
    Filtre,
    count_mandats,
    expiring_mandats,
    get_mandat,
    list_mandats,
    mandate_reminder,
)
from mediation.mandats.models import Mandat, MandatRevocation
from mediation.mandats.retention import purge_mandats_past_retention
from mediation.mandats.revocation import revoke_mandat
from mediation.mandats.verification import mandat_qr_content, verify_mandat
from mediation.models import Beneficiaire
from tests.mandats.conftest import IDENTITE, Desk, add_beneficiaire, decode_qr_codes, pdf_text

# What DOMAIN.md requires the paper to state, written here independently of the template.
REQUIRED_MENTIONS = (
    "Exemplaire du mandant",
    "Exemplaire de la structure",
    "articles 1984 et suivants du Code civil",
    "mettre fin à tout moment",
    "tutelle, curatelle, sauvegarde de justice",
    "droit d'accès, de rectification, de limitation et d'effacement",
    "retirer son consentement à tout moment",
    "agir uniquement sur la base des informations communiquées par le mandant",
    "ne collecter, conserver, utiliser et communiquer que les informations strictement",
    "demander l'accord du mandant avant toute autre démarche",
    "sécurité",
    "supprimer ces informations dès qu'elles ne sont plus nécessaires",
    "Fin du mandat",
    "Signature du mandant",
    "Signature de l'aidant",
    "liste fermée",
)


def _create(db: Database, desk: Desk, categories: list[str], **kwargs: object) -> int:
    params: dict[str, object] = {
        "categories": categories,
        "duree_jours": 31,
        "identite": IDENTITE,
        "mentions_lues": True,
        "hors_mesure_protection": True,
    }
    params.update(kwargs)
    with db.session() as s:
        return create_mandat(s, desk.aidant, desk.beneficiaire_id, **params).id  # type: ignore[arg-type]


def test_printed_mandate_states_every_required_mention_in_two_copies(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(
        db, desk, ["social", "papiers"], actions_specifiques="Création d'une adresse e-mail"
    )
    with db.session() as s:
        pdf = print_mandat(s, desk.aidant, mandat_id)
        mandat = get_mandat(s, desk.aidant, mandat_id)
        reference, fin = mandat.reference, mandat.fin
    content = pdf_text(pdf)
    for mention in REQUIRED_MENTIONS:
        assert mention in content, mention
    assert content.count("Exemplaire du mandant") >= 1
    assert content.count("Signature du mandant") == 2  # one box per copy
    assert "Odile Lambert" in content and "14 mars 1948" in content and "Rochefort" in content
    assert "France Services Essai" in content and "5 rue de l'Essai" in content
    assert "Papiers - Citoyenneté - Élections" in content
    assert "état civil, passeport, élections, carte d'identité" in content
    assert "Social - Santé" in content
    assert "Logement" not in content  # a closed list: only the chosen categories
    assert "Création d'une adresse e-mail" in content
    assert "1 mois" in content
    assert f"prend fin le {format_date(fin)}" in content
    assert reference in content
    assert "Fait à La Rochelle" in content


def test_a_reference_already_given_is_drawn_again_and_a_broken_random_source_fails_cleanly(
    db: Database, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two mandates never share a reference: one drawn that is already on a mandate is drawn
    again. A random source that only ever draws taken references (broken) ends the creation in
    an error, with nothing recorded, instead of hanging the desk."""
    import secrets

    draws: list[str] = []
    monkeypatch.setattr(secrets, "choice", lambda alphabet: draws.pop(0) if draws else "A")
    first = _create(db, desk, ["logement"])  # every character "A"
    draws.extend(["A"] * 12 + ["B"] * 12)  # the same reference first, then another
    second = _create(db, desk, ["social"])
    with db.session() as s:
        references = {
            get_mandat(s, desk.aidant, mandat_id).reference for mandat_id in (first, second)
        }
    assert references == {"MDT-AAAA-AAAA-AAAA", "MDT-BBBB-BBBB-BBBB"}
    with pytest.raises(
        RuntimeError, match=r"^no unused mandate reference in a hundred random draws$"
    ):
        _create(db, desk, ["papiers"])  # only "A" from now on
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Mandat)) == 2


def test_qr_code_read_from_the_printed_paper_verifies_as_conforming(
    db: Database, desk: Desk, tmp_path: Path
) -> None:
    mandat_id = _create(db, desk, ["logement"])
    with db.session() as s:
        pdf = print_mandat(s, desk.aidant, mandat_id)
        reference = get_mandat(s, desk.aidant, mandat_id).reference
    codes = decode_qr_codes(pdf, tmp_path)
    assert len(codes) >= 2  # at least one per signed copy
    assert len(set(codes)) == 1
    assert reference in codes[0]
    with db.session() as s:
        result = verify_mandat(s, desk.aidant, codes[0])
    assert result.conforme
    assert result.message.startswith("Conforme")
    assert "Logement" in result.message


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("mandant_nom", "'Lambertz'"),
        ("mandant_prenom", "'Odila'"),
        ("mandant_date_naissance", "'1948-03-15'"),
        ("mandant_lieu_naissance", "'Royan'"),
        ("mandataire_nom", "'France Services Autre'"),
        ("mandataire_adresse", "'6 rue de l''Essai'"),
        ("lieu_signature", "'Aytré'"),
        ("actions_specifiques", "'Ouverture d''un compte bancaire'"),
        ("duree_jours", "365"),
        ("template_version", "'2025-01-01'"),
        ("beneficiaire_id", "beneficiaire_id"),  # placeholder replaced below by another person
    ],
)
def test_altering_a_recorded_field_makes_verification_fail(
    db: Database, desk: Desk, column: str, value: str
) -> None:
    mandat_id = _create(db, desk, ["social"], actions_specifiques="Déclaration trimestrielle")
    with db.session() as s:
        qr = mandat_qr_content(get_mandat(s, desk.aidant, mandat_id))
    if column == "beneficiaire_id":
        value = str(add_beneficiaire(db, desk.structure_id, "Autre", "Personne"))
    with db.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE mandat SET {column} = {value} WHERE id = :id"), {"id": mandat_id}
        )
    with db.session() as s:
        result = verify_mandat(s, desk.aidant, qr)
    assert not result.conforme
    assert "NON CONFORME" in result.message


def test_altering_the_dates_or_a_category_makes_verification_fail(db: Database, desk: Desk) -> None:
    mandat_id = _create(db, desk, ["social"])
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        qr = mandat_qr_content(mandat)
        later = mandat.fin + timedelta(days=30)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE mandat SET fin = :fin WHERE id = :id"), {"fin": later, "id": mandat_id}
        )
    with db.session() as s:
        assert not verify_mandat(s, desk.aidant, qr).conforme
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE mandat SET fin = :fin WHERE id = :id"),
            {"fin": later - timedelta(days=30), "id": mandat_id},
        )
    with db.session() as s:
        assert verify_mandat(s, desk.aidant, qr).conforme  # restored: conforming again
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE mandat_categorie SET categorie = 'justice' WHERE mandat_id = :id"),
            {"id": mandat_id},
        )
    with db.session() as s:
        assert not verify_mandat(s, desk.aidant, qr).conforme


def test_a_text_that_is_not_a_mandate_code_is_refused_in_words(db: Database, desk: Desk) -> None:
    with db.session() as s, pytest.raises(ValidationError, match="pas le code d'un mandat"):
        verify_mandat(s, desk.aidant, "PASS;123")


def test_verifying_a_revoked_mandate_leads_with_revoked_and_its_date(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(db, desk, ["social"])
    with db.session() as s:
        qr = mandat_qr_content(get_mandat(s, desk.aidant, mandat_id))
        revocation = revoke_mandat(s, desk.aidant, mandat_id)
        revoked_on = format_date(revocation.at)
    with db.session() as s:
        result = verify_mandat(s, desk.aidant, qr)
    assert result.conforme and not result.en_vigueur
    assert result.message.startswith(f"RÉVOQUÉ LE {revoked_on}")


def test_verifying_an_expired_mandate_leads_with_expired_and_its_date(
    db: Database, desk: Desk
) -> None:
    start = utcnow() - timedelta(days=40)
    mandat_id = _create(db, desk, ["social"], now=start)
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        qr, ended = mandat_qr_content(mandat), format_date(mandat.fin)
        result = verify_mandat(s, desk.aidant, qr)
    assert result.conforme and not result.en_vigueur
    assert result.message.startswith(f"EXPIRÉ LE {ended}")


def test_verification_names_the_mandant_for_comparison_with_the_paper(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(db, desk, ["social"])
    with db.session() as s:
        result = verify_mandat(
            s, desk.aidant, mandat_qr_content(get_mandat(s, desk.aidant, mandat_id))
        )
    assert result.en_vigueur
    assert "Odile Lambert, né(e) le 14 mars 1948 à Rochefort" in result.message


def test_another_structures_reference_gets_the_answer_of_an_unknown_one(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(db, desk, ["social"])
    with db.session() as s:
        reference = get_mandat(s, desk.aidant, mandat_id).reference
        real = mandat_qr_content(get_mandat(s, desk.aidant, mandat_id))
    unknown = "MEDIANUM-MANDAT;1;MDT-AAAA-BBBB-CCCC;" + "0" * 64
    with db.session() as s:
        theirs = verify_mandat(s, desk.other_aidant, real)
        nothing = verify_mandat(s, desk.other_aidant, unknown)
    assert theirs.message == nothing.message.replace("MDT-AAAA-BBBB-CCCC", reference)
    assert (theirs.conforme, theirs.mandat_id) == (nothing.conforme, nothing.mandat_id)


def test_unknown_reference_is_reported_as_not_conforming(db: Database, desk: Desk) -> None:
    forged = "MEDIANUM-MANDAT;1;MDT-AAAA-BBBB-CCCC;" + "0" * 64
    with db.session() as s:
        result = verify_mandat(s, desk.aidant, forged)
    assert not result.conforme
    assert "MDT-AAAA-BBBB-CCCC" in result.message


def test_mandate_is_refused_unless_the_mentions_were_read_aloud(db: Database, desk: Desk) -> None:
    with pytest.raises(ValidationError, match="Lisez d'abord les mentions") as refused:
        _create(db, desk, ["social"], mentions_lues=False)
    assert refused.value.field == "mentions_lues"  # the box the form points at
    with db.session() as s:
        assert count_mandats(s, desk.aidant) == 0


def test_mandate_is_refused_without_the_no_protection_measure_declaration(
    db: Database, desk: Desk
) -> None:
    with pytest.raises(
        ValidationError, match="tutelle, curatelle ou sauvegarde de justice"
    ) as refused:
        _create(db, desk, ["social"], hors_mesure_protection=False)
    assert refused.value.field == "hors_mesure_protection"  # the box the form points at


def test_mandate_needs_a_category_and_a_planned_duration(db: Database, desk: Desk) -> None:
    with pytest.raises(ValidationError, match="au moins une catégorie"):
        _create(db, desk, [])
    with pytest.raises(ValidationError, match="Durée non prévue"):
        _create(db, desk, ["social"], duree_jours=90)
    with pytest.raises(ValidationError, match="majeur"):
        _create(
            db,
            desk,
            ["social"],
            identite=MandantIdentity("Lambert", "Odile", date(2015, 1, 1), "Rochefort"),
        )


def test_an_aidant_of_another_structure_can_neither_see_nor_revoke(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(db, desk, ["social"])
    with db.session() as s:
        qr = mandat_qr_content(get_mandat(s, desk.aidant, mandat_id))
    with db.session() as s:
        assert list_mandats(s, desk.other_aidant) == []
        with pytest.raises(PermissionDenied):
            get_mandat(s, desk.other_aidant, mandat_id)
        with pytest.raises(PermissionDenied):
            print_mandat(s, desk.other_aidant, mandat_id)
        # Verifying tells nothing either: the answer of an unknown reference.
        assert not verify_mandat(s, desk.other_aidant, qr).conforme
    with db.session() as s, pytest.raises(PermissionDenied):
        revoke_mandat(s, desk.other_aidant, mandat_id)
    with db.session() as s:
        assert get_mandat(s, desk.aidant, mandat_id).revoque_at is None


def test_a_mediateur_cannot_create_a_mandate(db: Database, desk: Desk) -> None:
    with db.session() as s, pytest.raises(PermissionDenied):
        create_mandat(
            s,
            desk.mediateur,
            desk.beneficiaire_id,
            categories=["social"],
            duree_jours=31,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
        )


def test_a_new_mandate_for_a_covered_category_revokes_the_older_authorisation(
    db: Database, desk: Desk
) -> None:
    older_id = _create(db, desk, ["papiers", "social"], duree_jours=365)
    with db.session() as s:
        preview = preview_replacements(s, desk.aidant, desk.beneficiaire_id, ["social", "logement"])
        older_reference = get_mandat(s, desk.aidant, older_id).reference
    assert [(p.reference, p.categorie) for p in preview] == [(older_reference, "social")]
    newer_id = _create(db, desk, ["social", "logement"])
    with db.session() as s:
        older = get_mandat(s, desk.aidant, older_id)
        state = {c.categorie: c.revoquee_at is not None for c in older.categories}
        assert state == {"papiers": False, "social": True}
        assert older.revoque_at is None  # « papiers » is still in force
        revocation = s.scalar(
            select(MandatRevocation).where(MandatRevocation.mandat_id == older_id)
        )
        assert revocation is not None
        assert (revocation.motif, revocation.remplace_par_id) == ("remplacement", newer_id)
        rows = {r.id: r.categories for r in list_mandats(s, desk.aidant, Filtre.ACTIFS)}
    assert rows == {older_id: ("papiers",), newer_id: ("social", "logement")}


def test_revoking_one_category_then_the_rest_prints_attestations_and_deletes_nothing(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(db, desk, ["papiers", "justice"])
    with db.session() as s:
        first = revoke_mandat(s, desk.aidant, mandat_id, "justice")
        pdf = print_revocation(s, desk.aidant, first.id)
        reference = get_mandat(s, desk.aidant, mandat_id).reference
    content = pdf_text(pdf)
    assert "Attestation de révocation de mandat" in content
    assert "« Justice »" in content and reference in content
    assert "Odile Lambert" in content and content.count("Signature du mandant") == 2
    with db.session() as s:
        assert get_mandat(s, desk.aidant, mandat_id).revoque_at is None
        with pytest.raises(ConflictError):
            revoke_mandat(s, desk.aidant, mandat_id, "justice")
    with db.session() as s:
        whole = revoke_mandat(s, desk.aidant, mandat_id)
        whole_pdf = print_revocation(s, desk.aidant, whole.id)
    assert "révoque en totalité le mandat" in pdf_text(whole_pdf)
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        assert mandat.revoque_at is not None
        assert len(mandat.categories) == 2
        assert [r.id for r in list_mandats(s, desk.aidant, Filtre.REVOQUES)] == [mandat_id]
        assert list_mandats(s, desk.aidant, Filtre.ACTIFS) == []


def test_lists_separate_active_expiring_expired_and_revoked(db: Database, desk: Desk) -> None:
    now = utcnow()
    active = _create(db, desk, ["papiers"], duree_jours=365)
    expiring = _create(db, desk, ["famille"], duree_jours=31, now=now - timedelta(days=10))
    expired = _create(db, desk, ["travail"], duree_jours=31, now=now - timedelta(days=60))
    revoked = _create(db, desk, ["justice"], duree_jours=365)
    with db.session() as s:
        revoke_mandat(s, desk.aidant, revoked)
    with db.session() as s:
        ids = {f: [r.id for r in list_mandats(s, desk.aidant, f)] for f in Filtre}
        soon = [r.id for r in expiring_mandats(s, desk.aidant)]
    assert sorted(ids[Filtre.ACTIFS]) == sorted([active, expiring])
    assert ids[Filtre.EXPIRANT] == [expiring] == soon
    assert ids[Filtre.EXPIRES] == [expired]
    assert ids[Filtre.REVOQUES] == [revoked]
    assert sorted(ids[Filtre.TOUS]) == sorted([active, expiring, expired, revoked])


def test_search_by_person_ignores_case_and_accents(db: Database, desk: Desk) -> None:
    other = add_beneficiaire(db, desk.structure_id, "Éluard", "Jérôme")
    _create(db, desk, ["social"])
    with db.session() as s:
        create_mandat(
            s,
            desk.aidant,
            other,
            categories=["logement"],
            duree_jours=182,
            identite=MandantIdentity("Éluard", "Jérôme", date(1948, 3, 14), "Niort"),
            mentions_lues=True,
            hors_mesure_protection=True,
        )
    with db.session() as s:
        found = list_mandats(s, desk.aidant, recherche="jerome ELUARD")
        assert [r.mandant for r in found] == ["Jérôme Éluard"]
        assert count_mandats(s, desk.aidant, recherche="lambert") == 1


def test_renewal_reuses_the_identity_and_replaces_the_expiring_mandate(
    db: Database, desk: Desk
) -> None:
    old_id = _create(db, desk, ["social", "argent"], now=utcnow() - timedelta(days=25))
    with db.session() as s:
        renewed = renew_mandat(
            s, desk.aidant, old_id, mentions_lues=True, hors_mesure_protection=True, duree_jours=365
        )
        new_id = renewed.id
    with db.session() as s:
        old = get_mandat(s, desk.aidant, old_id)
        new = get_mandat(s, desk.aidant, new_id)
        assert (new.mandant_nom, new.mandant_prenom, new.mandant_date_naissance) == (
            "Lambert",
            "Odile",
            date(1948, 3, 14),
        )
        assert new.mandant_lieu_naissance == "Rochefort"
        assert [c.categorie for c in new.categories] == ["social", "argent"]
        assert new.duree_jours == 365 and new.renouvelle_id == old_id
        assert new.reference != old.reference
        assert old.revoque_at is not None  # both categories moved to the renewal
    with db.session() as s, pytest.raises(ValidationError):
        renew_mandat(s, desk.aidant, new_id, mentions_lues=False, hors_mesure_protection=True)


def test_old_mandate_reprints_with_its_original_template_after_a_new_version(
    db: Database, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = tmp_path / "mandats"
    shutil.copytree(mandat_templates.TEMPLATES_DIR, templates)
    # As when only the first text was published.
    shutil.rmtree(templates / "v2026-11-30")
    monkeypatch.setattr(mandat_templates, "TEMPLATES_DIR", templates)
    old_id = _create(db, desk, ["social"])
    # A newer legal text is published, already in force.
    newer = templates / "v2026-06-01"
    newer.mkdir()
    original = templates / "v2026-01-01"
    for name in ("fr.json", "en.json"):
        content = (original / name).read_text(encoding="utf-8")
        content = content.replace('"version": "2026-01-01"', '"version": "2026-06-01"')
        content = content.replace(
            "Mandat pour la réalisation de démarches administratives en ligne",
            "Mandat d'aide numérique aux démarches en ligne (texte révisé)",
        )
        (newer / name).write_text(content, encoding="utf-8")
    (newer / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256((newer / n).read_bytes()).hexdigest()}  {n}\n"
            for n in ("fr.json", "en.json")
        )
    )
    new_id = _create(db, desk, ["logement"])
    with db.session() as s:
        old_pdf = pdf_text(print_mandat(s, desk.aidant, old_id))
        new_pdf = pdf_text(print_mandat(s, desk.aidant, new_id))
        versions = (
            get_mandat(s, desk.aidant, old_id).template_version,
            get_mandat(s, desk.aidant, new_id).template_version,
        )
    assert versions == ("2026-01-01", "2026-06-01")
    assert "Mandat pour la réalisation de démarches administratives en ligne" in old_pdf
    assert "texte révisé" not in old_pdf
    assert "texte révisé" in new_pdf


def test_a_template_edited_after_publication_is_refused(
    db: Database, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = tmp_path / "mandats"
    shutil.copytree(mandat_templates.TEMPLATES_DIR, templates)
    # As when only the first text was published.
    shutil.rmtree(templates / "v2026-11-30")
    monkeypatch.setattr(mandat_templates, "TEMPLATES_DIR", templates)
    mandat_id = _create(db, desk, ["social"])
    fr = templates / "v2026-01-01" / "fr.json"
    fr.write_text(fr.read_text(encoding="utf-8").replace("1984", "1985"), encoding="utf-8")
    with db.session() as s, pytest.raises(mandat_templates.TemplateAltered):
        print_mandat(s, desk.aidant, mandat_id)


def test_every_published_template_file_matches_its_manifest() -> None:
    root = mandat_templates.TEMPLATES_DIR
    versions = sorted(p for p in root.iterdir() if p.is_dir())
    assert versions, "no template version published"
    for folder in versions:
        listed: dict[str, str] = {}
        for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
            digest, name = line.split()
            listed[name] = digest
        files = {p.name for p in folder.iterdir() if p.name != "SHA256SUMS"}
        assert files == set(listed), folder.name
        assert "fr.json" in files
        for name, digest in listed.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_translated_copy_is_marked_as_an_aid(db: Database, desk: Desk) -> None:
    mandat_id = _create(db, desk, ["etranger"])
    with db.session() as s:
        pdf = print_mandat(s, desk.aidant, mandat_id, traduction="en")
    content = pdf_text(pdf)
    assert "Traduction — seul le texte français fait foi" in content
    assert "Foreigners - Europe" in content
    assert "Étranger - Europe" in content  # the French copies are still there


def test_reminder_when_administrative_help_is_not_covered(db: Database, desk: Desk) -> None:
    with db.session() as s:
        message = mandate_reminder(s, desk.mediateur, desk.beneficiaire_id, ["Logement"])
    assert message is not None and "« Logement »" in message and "mandat" in message
    _create(db, desk, ["logement"])
    with db.session() as s:
        assert mandate_reminder(s, desk.mediateur, desk.beneficiaire_id, ["Logement"]) is None
        partly = mandate_reminder(
            s, desk.aidant, desk.beneficiaire_id, ["Logement", "Argent - Impôts"]
        )
        assert partly is not None and "Argent - Impôts - Consommation" in partly
        assert "« Logement »" not in partly
        assert mandate_reminder(s, desk.aidant, desk.beneficiaire_id, ["Associations"]) is None
        # Another structure's mandate does not cover this desk's work.
        assert mandate_reminder(s, desk.other_aidant, desk.beneficiaire_id, ["Logement"])


def test_create_print_renew_and_revoke_are_journaled_without_personal_data(
    db: Database, desk: Desk
) -> None:
    mandat_id = _create(db, desk, ["social"])
    with db.session() as s:
        print_mandat(s, desk.aidant, mandat_id)
        new_id = renew_mandat(
            s, desk.aidant, mandat_id, mentions_lues=True, hors_mesure_protection=True
        ).id
        revoke_mandat(s, desk.aidant, new_id)
    with db.session() as s:
        entries = list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("mandat.%"))
                .order_by(AuditEntry.seq)
            )
        )
    actions = [e.action for e in entries]
    assert actions == [
        "mandat.creation",
        "mandat.impression",
        "mandat.remplacement",
        "mandat.renouvellement",
        "mandat.revocation",
    ]
    assert all(e.agent_id == desk.aidant.agent_id for e in entries)
    dumped = repr([e.details for e in entries])
    for personal in ("Lambert", "Odile", "1948", "Rochefort"):
        assert personal not in dumped


def test_mandate_data_is_kept_six_years_after_its_end_then_purged(
    db: Database, desk: Desk, admin
) -> None:  # type: ignore[no-untyped-def]
    start = utcnow() - timedelta(days=300)
    mandat_id = _create(db, desk, ["social"], now=start)
    with db.session() as s:
        fin = s.get(Mandat, mandat_id).fin  # type: ignore[union-attr]
    five_years_later = fin + timedelta(days=5 * 365)
    seven_years_later = fin + timedelta(days=7 * 365)
    with db.session() as s:
        assert purge_mandats_past_retention(s, admin, now=five_years_later) == 0
    with db.session() as s:
        assert purge_mandats_past_retention(s, admin, now=seven_years_later) == 1
    with db.session() as s:
        assert s.get(Mandat, mandat_id) is None


def test_a_beneficiary_of_another_structure_cannot_be_the_mandant(db: Database, desk: Desk) -> None:
    stranger = add_beneficiaire(db, desk.other_structure_id, "Martin", "Paul")
    with db.session() as s, pytest.raises(PermissionDenied):
        create_mandat(
            s,
            desk.aidant,
            stranger,
            categories=["social"],
            duree_jours=1,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
        )


def test_one_day_mandate_ends_the_next_day(db: Database, desk: Desk) -> None:
    now = datetime(2026, 11, 23, 9, 30, tzinfo=utcnow().tzinfo)
    mandat_id = _create(db, desk, ["transports"], duree_jours=1, now=now)
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        assert mandat.fin - mandat.debut == timedelta(days=1)


def test_a_structure_limited_to_some_categories_cannot_grant_others(
    db: Database, desk: Desk, admin
) -> None:  # type: ignore[no-untyped-def]
    from mediation.mandats.creation import allowed_categories, limit_structure_categories

    with db.session() as s:
        limit_structure_categories(s, admin, desk.structure_id, ["social", "logement"])
    with db.session() as s:
        assert allowed_categories(s, desk.structure_id) == ("social", "logement")
    with pytest.raises(
        ValidationError, match="pas habilitée pour la catégorie « Justice »"
    ) as refused:
        _create(db, desk, ["social", "justice"])
    assert refused.value.field == "categories"  # the list the form points at
    _create(db, desk, ["logement"])
    with db.session() as s, pytest.raises(PermissionDenied):
        limit_structure_categories(s, desk.aidant, desk.structure_id, [])


def test_a_birth_date_contradicting_the_files_birth_year_is_refused(
    db: Database, desk: Desk
) -> None:
    with db.session() as s:
        person = s.get(Beneficiaire, desk.beneficiaire_id)
        assert person is not None
        # The file says born in 2009 (a minor); the desk types an adult's birth date.
        person.annee_naissance, person.date_naissance = 2009, None
    adult = MandantIdentity("Lambert", "Odile", date(1970, 6, 1), "Rochefort")
    with pytest.raises(ValidationError, match="contredit l'année de naissance du dossier") as no:
        _create(db, desk, ["social"], identite=adult)
    assert no.value.field == "date_naissance"  # the form points at the birth date typed
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Mandat)) == 0


def test_a_birth_date_different_from_the_files_is_refused(db: Database, desk: Desk) -> None:
    other_day = MandantIdentity("Lambert", "Odile", date(1948, 3, 15), "Rochefort")
    with pytest.raises(ValidationError) as refused:
        _create(db, desk, ["social"], identite=other_day)
    assert str(refused.value) == (
        "La date de naissance saisie (15 mars 1948) ne correspond pas à celle du dossier "
        "(14 mars 1948). Vérifiez la pièce d'identité, puis corrigez le dossier ou la saisie."
    )
    assert refused.value.field == "date_naissance"  # the form points at the birth date typed


def test_an_aidant_of_two_structures_renews_a_mandate_of_the_one_they_are_not_working_for(
    db: Database, desk: Desk, make_agent
) -> None:  # type: ignore[no-untyped-def]
    old_id = _create(db, desk, ["social"])
    # Aidant at the France Services desk, médiateur (no mandates) at the other structure, and
    # working for the other structure right now.
    both = make_agent(
        (Role.AIDANT, desk.structure_id), (Role.MEDIATEUR, desk.other_structure_id)
    ).with_structure(desk.other_structure_id)
    with db.session() as s:
        renewed = renew_mandat(s, both, old_id, mentions_lues=True, hors_mesure_protection=True)
        assert (renewed.structure_id, renewed.renouvelle_id) == (desk.structure_id, old_id)
        assert renewed.mandataire_nom == "France Services Essai"


def test_a_renewal_covers_the_categories_still_in_force_or_only_those_chosen(
    db: Database, desk: Desk
) -> None:
    old_id = _create(db, desk, ["social", "argent", "logement"], now=utcnow() - timedelta(days=25))
    with db.session() as s:
        revoke_mandat(s, desk.aidant, old_id, "argent")
    with db.session() as s:
        by_default = renew_mandat(
            s, desk.aidant, old_id, mentions_lues=True, hors_mesure_protection=True
        )
        assert [c.categorie for c in by_default.categories] == ["social", "logement"]
        narrower = renew_mandat(
            s,
            desk.aidant,
            by_default.id,
            mentions_lues=True,
            hors_mesure_protection=True,
            categories=["logement"],
        )
        assert [c.categorie for c in narrower.categories] == ["logement"]


def test_a_renewal_recorded_for_a_given_moment_starts_then(db: Database, desk: Desk) -> None:
    signed = datetime(2026, 10, 1, 9, tzinfo=UTC)
    old_id = _create(db, desk, ["travail"], duree_jours=31, now=signed)
    renewed_at = datetime(2026, 10, 25, 14, 30, tzinfo=UTC)
    with db.session() as s:
        renewed = renew_mandat(
            s,
            desk.aidant,
            old_id,
            mentions_lues=True,
            hors_mesure_protection=True,
            duree_jours=182,
            now=renewed_at,
        )
        new_id = renewed.id
    with db.session() as s:
        new = get_mandat(s, desk.aidant, new_id)
        assert new.debut == renewed_at
        assert new.fin == datetime(2027, 4, 25, 14, 30, tzinfo=UTC)


def test_mandates_expiring_are_those_ending_within_30_days_of_the_moment_asked(
    db: Database, desk: Desk
) -> None:
    now = utcnow()
    mandat_id = _create(db, desk, ["papiers"], duree_jours=365, now=now)
    with db.session() as s:
        assert expiring_mandats(s, desk.aidant, now=now) == []
        in_340_days = now + timedelta(days=340)
        assert [r.id for r in expiring_mandats(s, desk.aidant, now=in_340_days)] == [mandat_id]


def test_reminder_ignores_a_revoked_category_an_ended_mandate_and_another_persons_mandate(
    db: Database, desk: Desk
) -> None:
    other = add_beneficiaire(db, desk.structure_id, "Éluard", "Jérôme")
    with db.session() as s:
        create_mandat(
            s,
            desk.aidant,
            other,
            categories=["logement"],
            duree_jours=182,
            identite=MandantIdentity("Éluard", "Jérôme", date(1948, 3, 14), "Niort"),
            mentions_lues=True,
            hors_mesure_protection=True,
        )
    _create(db, desk, ["justice"], duree_jours=31, now=utcnow() - timedelta(days=60))
    in_force = _create(db, desk, ["social", "papiers"], duree_jours=365)
    with db.session() as s:
        revoke_mandat(s, desk.aidant, in_force, "social")
    with db.session() as s:
        message = mandate_reminder(
            s,
            desk.aidant,
            desk.beneficiaire_id,
            ["Logement", "Justice", "Social - Santé", "Papiers - Élections - Citoyenneté"],
        )
    assert message == (
        "Aucun mandat en cours ne couvre « Logement », « Justice », « Social - Santé » pour "
        "cette personne dans votre structure. Si vous saisissez ses identifiants ou ses "
        "données à sa place, un mandat est nécessaire (page Mandats) : sans lui, vous risquez "
        "une usurpation d'identité."
    )


def test_lifting_a_structures_limit_restores_every_category_and_leaves_other_limits_alone(
    db: Database, desk: Desk, admin
) -> None:  # type: ignore[no-untyped-def]
    from mediation.mandats.creation import allowed_categories, limit_structure_categories

    with db.session() as s:
        limit_structure_categories(s, admin, desk.structure_id, ["social"])
        limit_structure_categories(s, admin, desk.other_structure_id, ["justice", "logement"])
    with db.session() as s:
        limit_structure_categories(s, admin, desk.structure_id, [])
    with db.session() as s:
        assert allowed_categories(s, desk.structure_id) == (
            "papiers",
            "famille",
            "social",
            "travail",
            "logement",
            "transports",
            "argent",
            "justice",
            "etranger",
            "loisirs",
        )
        assert allowed_categories(s, desk.other_structure_id) == ("logement", "justice")


def test_the_list_of_expiring_mandates_names_every_one_even_past_a_screenful(
    db: Database, desk: Desk
) -> None:
    # 201 mandates ending within the month at a busy desk (one per category, ten per person,
    # over 21 people): none may be left off the list of mandates to renew.
    signed = utcnow() - timedelta(days=10)
    people = [desk.beneficiaire_id] + [
        add_beneficiaire(db, desk.structure_id, "Lambert", f"Odile{i}") for i in range(20)
    ]
    keys = ["papiers", "famille", "social", "travail", "logement"]
    keys += ["transports", "argent", "justice", "etranger", "loisirs"]
    created = []
    with db.session() as s:
        for bid in people:
            for key in keys:
                if len(created) < 201:
                    created.append(
                        create_mandat(
                            s,
                            desk.aidant,
                            bid,
                            categories=[key],
                            duree_jours=31,
                            identite=IDENTITE,
                            mentions_lues=True,
                            hors_mesure_protection=True,
                            now=signed,
                        ).id
                    )
    with db.session() as s:
        assert sorted(r.id for r in expiring_mandats(s, desk.aidant)) == sorted(created)
        # The screen's list pages them: 200 on the first page, the 201st on the next.
        first = list_mandats(s, desk.aidant, Filtre.EXPIRANT)
        rest = list_mandats(s, desk.aidant, Filtre.EXPIRANT, offset=200)
        assert (len(first), len(rest)) == (200, 1)
        assert sorted(r.id for r in first + rest) == sorted(created)


def test_lists_state_each_mandates_status_on_the_boundary_days_in_the_right_order(
    db: Database, desk: Desk
) -> None:
    now = utcnow().replace(microsecond=0)
    day = timedelta(days=1)
    ends_in_30_days = _create(db, desk, ["papiers"], duree_jours=31, now=now - day)
    ends_now = _create(db, desk, ["famille"], duree_jours=31, now=now - 31 * day)
    ends_in_10_days = _create(db, desk, ["social"], duree_jours=31, now=now - 21 * day)
    revoked = _create(db, desk, ["travail"], duree_jours=365, now=now - 2 * day)
    long_running = _create(db, desk, ["logement"], duree_jours=365, now=now - 3 * day)
    with db.session() as s:
        revoke_mandat(s, desk.aidant, revoked, now=now - day)
    # Another structure's mandates, one expiring and one expired, are never listed here.
    stranger = add_beneficiaire(db, desk.other_structure_id, "Martin", "Paul")
    with db.session() as s:
        for signed in (now - day, now - 31 * day):
            create_mandat(
                s,
                desk.other_aidant,
                stranger,
                categories=["justice" if signed == now - day else "argent"],
                duree_jours=31,
                identite=MandantIdentity("Martin", "Paul", date(1948, 3, 14), "Niort"),
                mentions_lues=True,
                hors_mesure_protection=True,
                now=signed,
            )
    with db.session() as s:
        every = list_mandats(s, desk.aidant, Filtre.TOUS, now=now)
        # Newest first: signed 1, 2, 3, 21 and 31 days ago.
        assert [r.id for r in every] == [
            ends_in_30_days,
            revoked,
            long_running,
            ends_in_10_days,
            ends_now,
        ]
        assert {r.id: (r.statut.name, r.expire_bientot) for r in every} == {
            ends_in_30_days: ("ACTIF", True),  # ends exactly 30 days from now: expiring
            ends_now: ("EXPIRE", False),  # ends this very second: expired
            ends_in_10_days: ("ACTIF", True),
            revoked: ("REVOQUE", False),
            long_running: ("ACTIF", False),
        }
        # Soonest end first among those in force.
        in_force = list_mandats(s, desk.aidant, Filtre.ACTIFS, now=now)
        assert [r.id for r in in_force] == [ends_in_10_days, ends_in_30_days, long_running]
        expiring = list_mandats(s, desk.aidant, Filtre.EXPIRANT, now=now)
        assert [r.id for r in expiring] == [ends_in_10_days, ends_in_30_days]
        assert [r.id for r in list_mandats(s, desk.aidant, Filtre.EXPIRES, now=now)] == [ends_now]


def test_search_matches_the_typed_characters_literally_or_the_reference_in_any_case(
    db: Database, desk: Desk
) -> None:
    # Names mistyped at the desk with characters that LIKE would read as wildcards.
    ids = {}
    for nom in ("Cent%Pour", "Barre\\Oblique", "Trait_Bas"):
        bid = add_beneficiaire(db, desk.structure_id, nom, "Ana")
        with db.session() as s:
            ids[nom] = create_mandat(
                s,
                desk.aidant,
                bid,
                categories=["social"],
                duree_jours=31,
                identite=MandantIdentity(nom, "Ana", date(1948, 3, 14), "Niort"),
                mentions_lues=True,
                hors_mesure_protection=True,
            ).id
    with db.session() as s:
        reference = s.get(Mandat, ids["Trait_Bas"]).reference  # type: ignore[union-attr]

    def found(text: str) -> list[int]:
        with db.session() as s:
            return [r.id for r in list_mandats(s, desk.aidant, recherche=text)]

    assert found("%") == [ids["Cent%Pour"]]
    assert found("\\") == [ids["Barre\\Oblique"]]
    assert found("_") == [ids["Trait_Bas"]]
    assert found(f"  {reference.lower()} ") == [ids["Trait_Bas"]]


def test_each_mandates_categories_are_listed_once_when_read_in_several_chunks(
    db: Database, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediation.mandats import lecture

    # Chunks of two ids instead of 900, so that three mandates need two queries.
    monkeypatch.setattr(lecture, "_IDS_PER_QUERY", 2)
    first = _create(db, desk, ["social", "argent"])
    second = _create(db, desk, ["logement"])
    third = _create(db, desk, ["papiers", "justice"])
    with db.session() as s:
        rows = list_mandats(s, desk.aidant, Filtre.TOUS)
    assert {r.id: r.categories for r in rows} == {
        first: ("social", "argent"),
        second: ("logement",),
        third: ("papiers", "justice"),
    }


def test_a_renewal_keeps_the_specific_actions_unless_new_ones_are_given(
    db: Database, desk: Desk
) -> None:
    old_id = _create(db, desk, ["social"], actions_specifiques="Création d'une adresse e-mail")
    with db.session() as s:
        same = renew_mandat(s, desk.aidant, old_id, mentions_lues=True, hors_mesure_protection=True)
        assert same.actions_specifiques == "Création d'une adresse e-mail"
        changed = renew_mandat(
            s,
            desk.aidant,
            same.id,
            mentions_lues=True,
            hors_mesure_protection=True,
            actions_specifiques="Compte sur le site des impôts",
        )
        assert changed.actions_specifiques == "Compte sur le site des impôts"
