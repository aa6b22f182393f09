"""Rules of mandates the other tests leave unsaid: the words of a verification, who may verify,
and how the purge of mandates past their keeping period behaves in a unit of work that goes on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from core import fichiers_nominatifs, paths
from core.auth import Actor
from core.db import Database
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.models import AuditEntry, Role
from mediation.mandats.creation import create_mandat
from mediation.mandats.lecture import (
    Filtre,
    Statut,
    get_mandat,
    list_mandats,
    revocations_of,
    statut,
)
from mediation.mandats.models import Mandat
from mediation.mandats.retention import mandats_past_retention, purge_mandats_past_retention
from mediation.mandats.revocation import revoke_mandat
from mediation.mandats.verification import mandat_qr_content, verify_mandat
from tests.mandats.conftest import IDENTITE, Desk

SIGNED = datetime(2026, 1, 10, 9, tzinfo=UTC)


def _mandat(
    db: Database, desk: Desk, categories: list[str], *, signed: datetime = SIGNED, days: int = 365
) -> int:
    with db.session() as s:
        return create_mandat(
            s,
            desk.aidant,
            desk.beneficiaire_id,
            categories=categories,
            duree_jours=days,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
            now=signed,
        ).id


def _qr(db: Database, desk: Desk, mandat_id: int) -> tuple[str, str]:
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        return mandat_qr_content(mandat), mandat.reference


# --- verification --------------------------------------------------------------------------------


def test_a_mandate_in_force_verifies_naming_the_mandant_its_end_and_each_category_in_force(
    db: Database, desk: Desk
) -> None:
    # Signed 10 January 2026 at 10:00 in Paris for 365 days: it ends 10 January 2027.
    mandat_id = _mandat(db, desk, ["social", "papiers", "logement"])
    qr, reference = _qr(db, desk, mandat_id)
    with db.session() as s:
        result = verify_mandat(s, desk.aidant, qr, now=datetime(2026, 3, 1, tzinfo=UTC))
    assert result.conforme and result.en_vigueur
    assert (result.reference, result.mandat_id) == (reference, mandat_id)
    assert result.message == (
        f"Conforme et en vigueur : le document correspond au mandat {reference} enregistré, "
        "donné par Odile Lambert, né(e) le 14 mars 1948 à Rochefort, valable jusqu'au "
        "10 janvier 2027 pour : « Papiers - Citoyenneté - Élections », « Social - Santé », "
        "« Logement »."
    )


def test_an_aidant_who_has_not_chosen_a_structure_is_asked_to_before_verifying(
    db: Database, desk: Desk
) -> None:
    qr, _reference = _qr(db, desk, _mandat(db, desk, ["social"]))
    undecided = desk.aidant.with_structure(None)
    with (
        pytest.raises(PermissionDenied, match="Choisissez d'abord la structure"),
        db.session() as s,
    ):
        verify_mandat(s, undecided, qr)


def test_a_text_that_is_not_a_mandate_code_is_refused_on_the_text_field(
    db: Database, desk: Desk
) -> None:
    with pytest.raises(ValidationError) as refused, db.session() as s:
        verify_mandat(s, desk.aidant, "PASS;123")
    assert refused.value.field == "texte"


# --- the purge of mandates past their keeping period -------------------------------------------


def test_a_unit_of_work_going_on_after_a_committed_purge_can_still_roll_back(
    db: Database, desk: Desk, admin: Actor
) -> None:
    mandat_id = _mandat(db, desk, ["social"], days=31)
    with db.session() as s:
        reference = s.get(Mandat, mandat_id).reference  # type: ignore[union-attr]
    paper = paths.export_dir() / "mandats" / f"{reference}.pdf"
    paper.parent.mkdir(parents=True, exist_ok=True)
    paper.write_bytes(b"%PDF-1.4 mandat")
    fichiers_nominatifs.record(paper, [desk.beneficiaire_id])
    later = SIGNED + timedelta(days=31) + timedelta(days=7 * 366)
    with db.session() as s:
        assert purge_mandats_past_retention(s, admin, now=later) == 1
        s.commit()
        assert not paper.exists()
        # The same session reads on, then drops what it was doing.
        assert s.scalars(select(Mandat.id)).all() == []
        s.rollback()
    with db.read_session() as s:
        assert s.get(Mandat, mandat_id) is None


def test_an_altered_paper_is_refused_naming_the_recorded_mandate_to_reprint(
    db: Database, desk: Desk
) -> None:
    mandat_id = _mandat(db, desk, ["social"])
    qr, reference = _qr(db, desk, mandat_id)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE mandat SET mandant_lieu_naissance = 'Niort' WHERE id = :id"),
            {"id": mandat_id},
        )
    with db.session() as s:
        result = verify_mandat(s, desk.aidant, qr)
    assert (result.conforme, result.en_vigueur) == (False, False)
    assert (result.reference, result.mandat_id, result.statut) == (reference, mandat_id, None)
    assert result.message.startswith(
        f"NON CONFORME : le document ne correspond pas au mandat {reference} enregistré"
    )


# --- reading ---------------------------------------------------------------------------------


def test_a_mandates_revocations_are_listed_in_the_order_they_took_effect(
    db: Database, desk: Desk
) -> None:
    mandat_id = _mandat(db, desk, ["papiers", "social", "logement", "justice"])
    march_10 = datetime(2026, 3, 10, 9, tzinfo=UTC)
    march_5 = datetime(2026, 3, 5, 9, tzinfo=UTC)
    with db.session() as s:
        # Recorded first, effective last; then one recorded late, effective earlier; then two
        # at the same instant, listed as they were recorded.
        revoke_mandat(s, desk.aidant, mandat_id, "papiers", now=march_10)
        revoke_mandat(s, desk.aidant, mandat_id, "social", now=march_5)
        revoke_mandat(s, desk.aidant, mandat_id, "logement", now=march_5 - timedelta(days=1))
        revoke_mandat(s, desk.aidant, mandat_id, "justice", now=march_5 - timedelta(days=1))
    with db.session() as s:
        listed = revocations_of(s, desk.aidant, mandat_id)
        assert [(r.categorie, r.at) for r in listed] == [
            ("logement", datetime(2026, 3, 4, 9, tzinfo=UTC)),
            ("justice", datetime(2026, 3, 4, 9, tzinfo=UTC)),
            ("social", march_5),
            ("papiers", march_10),
        ]


def test_the_mandates_past_their_keeping_period_are_listed_by_number(
    db: Database, desk: Desk, admin: Actor
) -> None:
    first = _mandat(db, desk, ["social"], days=31)
    second = _mandat(db, desk, ["papiers"], days=31)
    assert first < second
    # The first one's end corrected after the second's: neither engine's storage order is the
    # numbers' order any more.
    ended = datetime(2019, 2, 2, 9, tzinfo=UTC)
    for mandat_id in (second, first):
        with db.session() as s:
            mandat = s.get(Mandat, mandat_id)
            assert mandat is not None
            mandat.debut, mandat.fin = ended - timedelta(days=31), ended
    with db.session() as s:
        assert mandats_past_retention(s, admin, now=datetime(2026, 6, 1, tzinfo=UTC)) == [
            first,
            second,
        ]


def test_a_structures_data_protection_holder_sees_its_mandates_past_keeping_by_number_too(
    db: Database, desk: Desk, make_agent
) -> None:  # type: ignore[no-untyped-def]
    accueil = make_agent((Role.ACCUEIL, desk.structure_id))
    first = _mandat(db, desk, ["social"], days=31)
    second = _mandat(db, desk, ["papiers"], days=31)
    assert first < second
    # The second one ended a month before the first: the order of the ends is not the numbers'.
    for mandat_id, ended in (
        (first, datetime(2019, 3, 2, 9, tzinfo=UTC)),
        (second, datetime(2019, 2, 2, 9, tzinfo=UTC)),
    ):
        with db.session() as s:
            mandat = s.get(Mandat, mandat_id)
            assert mandat is not None
            mandat.debut, mandat.fin = ended - timedelta(days=31), ended
    with db.session() as s:
        assert mandats_past_retention(s, accueil, now=datetime(2026, 6, 1, tzinfo=UTC)) == [
            first,
            second,
        ]


def test_a_mandate_is_in_force_from_the_instant_it_is_signed_until_just_before_its_end(
    db: Database, desk: Desk
) -> None:
    mandat_id = _mandat(db, desk, ["social"], days=31)  # signed 10 January 2026 at 9:00
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        assert (mandat.debut, mandat.fin) == (SIGNED, SIGNED + timedelta(days=31))

    def in_force_listing(at: datetime) -> list[tuple[int, Statut]]:
        with db.session() as s:
            rows = list_mandats(s, desk.aidant, Filtre.ACTIFS, now=at)
            return [(r.id, r.statut) for r in rows]

    # Not before it is signed; at the very instant it is; no longer at the instant it ends.
    assert in_force_listing(SIGNED - timedelta(seconds=1)) == []
    assert in_force_listing(SIGNED) == [(mandat_id, Statut.ACTIF)]
    end = SIGNED + timedelta(days=31)
    assert in_force_listing(end - timedelta(seconds=1)) == [(mandat_id, Statut.ACTIF)]
    assert in_force_listing(end) == []
    with db.session() as s:
        (row,) = list_mandats(s, desk.aidant, Filtre.EXPIRES, now=end)
        assert (row.id, row.statut) == (mandat_id, Statut.EXPIRE)
        mandat = get_mandat(s, desk.aidant, mandat_id)
        assert statut(mandat, end - timedelta(seconds=1)) is Statut.ACTIF
        assert statut(mandat, end) is Statut.EXPIRE


# --- revocation ----------------------------------------------------------------------------


def test_revoking_an_unknown_category_is_refused_in_words(db: Database, desk: Desk) -> None:
    mandat_id = _mandat(db, desk, ["social"])
    unknown = pytest.raises(ValidationError, match="Catégorie de démarches inconnue")
    with unknown as refused, db.session() as s:
        revoke_mandat(s, desk.aidant, mandat_id, "astrologie", now=SIGNED + timedelta(days=1))
    assert refused.value.field == "categories"


def test_a_mandate_cannot_be_revoked_at_the_very_instant_it_ends(db: Database, desk: Desk) -> None:
    mandat_id = _mandat(db, desk, ["social"], days=31)
    end = SIGNED + timedelta(days=31)
    with pytest.raises(ConflictError, match="déjà pris fin"), db.session() as s:
        revoke_mandat(s, desk.aidant, mandat_id, now=end)
    with db.session() as s:
        revoke_mandat(s, desk.aidant, mandat_id, now=end - timedelta(seconds=1))


def test_an_aidant_revokes_a_mandate_of_her_structure_while_working_for_another_where_she_is_not(
    db: Database, desk: Desk, make_agent
) -> None:  # type: ignore[no-untyped-def]
    mandat_id = _mandat(db, desk, ["social"])
    # Aidant at the France Services desk, médiatrice (no mandates) at the other structure,
    # for which she is working right now.
    both = make_agent(
        (Role.AIDANT, desk.structure_id), (Role.MEDIATEUR, desk.other_structure_id)
    ).with_structure(desk.other_structure_id)
    with db.session() as s:
        revocation = revoke_mandat(s, both, mandat_id, now=SIGNED + timedelta(days=1))
        assert revocation.mandat_id == mandat_id


def test_revoking_a_category_the_mandate_does_not_cover_is_refused_on_that_field(
    db: Database, desk: Desk
) -> None:
    mandat_id = _mandat(db, desk, ["social"])
    uncovered = pytest.raises(ValidationError, match="ne couvre pas la catégorie « Justice »")
    with uncovered as refused, db.session() as s:
        revoke_mandat(s, desk.aidant, mandat_id, "justice", now=SIGNED + timedelta(days=1))
    assert refused.value.field == "categorie"


def test_the_journal_says_which_category_went_and_whether_the_whole_mandate_did(
    db: Database, desk: Desk
) -> None:
    mandat_id = _mandat(db, desk, ["papiers", "social"])
    _qr_text, reference = _qr(db, desk, mandat_id)
    with db.session() as s:
        one = revoke_mandat(s, desk.aidant, mandat_id, "social", now=SIGNED + timedelta(days=1))
        rest = revoke_mandat(s, desk.aidant, mandat_id, "papiers", now=SIGNED + timedelta(days=2))
        one_id, rest_id = one.id, rest.id
    with db.session() as s:
        details = s.scalars(
            select(AuditEntry.details)
            .where(AuditEntry.action == "mandat.revocation")
            .order_by(AuditEntry.seq)
        ).all()
    assert details == [
        {"reference": reference, "revocation": one_id, "categorie": "social", "totale": False},
        {"reference": reference, "revocation": rest_id, "categorie": "papiers", "totale": True},
    ]


def test_a_replaced_authorisation_is_journalled_with_its_category_and_the_new_mandate(
    db: Database, desk: Desk
) -> None:
    old = _mandat(db, desk, ["papiers", "social"])
    _qr_text, old_reference = _qr(db, desk, old)
    new = _mandat(db, desk, ["social"], signed=SIGNED + timedelta(days=10))
    with db.session() as s:
        entries = s.execute(
            select(AuditEntry.entity_id, AuditEntry.details).where(
                AuditEntry.action == "mandat.remplacement"
            )
        ).all()
    assert [tuple(e) for e in entries] == [
        (str(old), {"reference": old_reference, "categorie": "social", "remplace_par": new})
    ]
