"""What no race or mistaken click can make pay: the cap per person and the campaign budget
under concurrent desks, reprints that never pass for originals, oppositions owned by the
issuing desk, settlements only of finished months, frozen once validated."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from core.auth import create_structure
from core.errors import ConflictError, MedianumError, PermissionDenied, ValidationError
from core.models import AuditEntry, Role
from pass_numerique import campagnes, opposition, settlements
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Chequier, Pass
from pass_numerique.pdf import chequebook_pdf, settlement_pdf
from pass_numerique.redemption import redeem
from pass_numerique.reporting import financer_report, report_pdf
from tests.pass_numerique.conftest import TODAY, World, synthetic_siret

MARCH = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def _race(n: int, work: Callable[[int], object]) -> list[object]:
    """``n`` desks, each in its own thread and session, released at the same instant."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def desk(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except MedianumError as exc:  # the answer each desk got
            results[i] = exc

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _issue(world: World, beneficiaire_id: int) -> int:
    with world.db.session() as s:
        return issue_chequebook(
            s, world.accueil, beneficiaire_id, world.campagne_id, today=TODAY
        ).id


def _journalled(world: World, action: str) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


def test_racing_desks_never_issue_more_chequebooks_to_one_person_than_the_cap(
    world: World,
) -> None:
    _issue(world, world.add_beneficiaire(prenom="Clé", nom="Créée"))  # the signing key exists
    person = world.add_beneficiaire(prenom="Jeanne", nom="Course")
    results = _race(8, lambda _i: _issue(world, person))
    issued = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(issued) == 1 and len(refused) == 7, results
    assert all("plafond" in str(r) for r in refused)
    with world.db.session() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Chequier).where(Chequier.beneficiaire_id == person)
            )
            == 1
        )


def test_racing_desks_never_issue_beyond_the_campaign_budget(world: World) -> None:
    _issue(world, world.add_beneficiaire(prenom="Clé", nom="Créée"))
    with world.db.session() as s:
        campagnes.set_budget(s, world.coordinateur, world.campagne_id, 3, None)
    people = [world.add_beneficiaire(prenom=f"P{i}", nom="Budget") for i in range(6)]
    results = _race(6, lambda i: _issue(world, people[i]))
    assert sum(isinstance(r, int) for r in results) == 2, results
    assert all("budget" in str(r) for r in results if not isinstance(r, int))


def test_issuance_beyond_the_budget_is_refused_and_the_remainder_is_reported(
    world: World,
) -> None:
    with world.db.session() as s:
        campagnes.set_budget(s, world.coordinateur, world.campagne_id, None, 15000)
    _issue(world, world.beneficiaire_id)  # 10 × 10 € of the 150 € paid for
    with world.db.session() as s:
        budget = campagnes.budget_of(s, campagnes.get_campagne(s, world.campagne_id))
        assert budget.cents_restants == 5000
    with pytest.raises(ValidationError, match="budget de la campagne est épuisé"):
        _issue(world, world.add_beneficiaire(prenom="Deux"))
    with world.db.session() as s:
        campagnes.set_budget(s, world.coordinateur, world.campagne_id, 2, 20000)
    _issue(world, world.add_beneficiaire(prenom="Deux"))
    with pytest.raises(ValidationError, match="budget de la campagne est épuisé"):
        _issue(world, world.add_beneficiaire(prenom="Trois"))
    with world.db.session() as s, pytest.raises(ValidationError, match="déjà émis"):
        campagnes.set_budget(s, world.coordinateur, world.campagne_id, 1, None)
    with world.db.session() as s:
        report = financer_report(s, world.coordinateur, world.campagne_id, today=TODAY)
    rows = dict(report.summary_rows())
    assert rows["Budget (chéquiers)"] == "2" and rows["Chéquiers restant au budget"] == "0"
    pdf_text = PdfReader(io.BytesIO(report_pdf(report))).pages[0].extract_text()
    assert "Budget restant" in pdf_text


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_reprint_whole_or_partial_is_marked_on_each_page_counted_and_journalled(
    world: World,
) -> None:
    chequier_id = _issue(world, world.beneficiaire_id)
    with world.db.session() as s:
        original = chequebook_pdf(chequebook_print(s, world.accueil, chequier_id))
    assert not any("RÉIMPRESSION" in page for page in _pages(original))
    with world.db.session() as s:
        whole = chequebook_print(s, world.accueil, chequier_id)  # no serial: the whole book
        whole_pdf = chequebook_pdf(whole)
    with world.db.session() as s:
        serial = s.scalar(select(Pass.serial).where(Pass.chequier_id == chequier_id))
        partial_pdf = chequebook_pdf(
            chequebook_print(s, world.accueil, chequier_id, serials_only=[serial or ""])
        )
    whole_pages, partial_pages = _pages(whole_pdf), _pages(partial_pdf)
    assert len(whole_pages) == 5 and all("RÉIMPRESSION n° 1" in p for p in whole_pages)
    assert len(partial_pages) == 2 and all("RÉIMPRESSION n° 2" in p for p in partial_pages)
    with world.db.session() as s:
        assert s.get(Chequier, chequier_id).reimpressions == 2  # type: ignore[union-attr]
    assert _journalled(world, "pass.chequier.reimprime") == 2


def test_a_chequebook_in_opposition_cannot_be_reprinted(world: World) -> None:
    chequier_id = _issue(world, world.beneficiaire_id)
    with world.db.session() as s:
        chequebook_print(s, world.accueil, chequier_id)
        opposition.oppose_chequebook(s, world.accueil, chequier_id)
    with world.db.session() as s, pytest.raises(ConflictError, match="opposition"):
        chequebook_print(s, world.accueil, chequier_id)
    assert _journalled(world, "pass.chequier.reimprime") == 0


def test_only_the_issuing_structure_or_the_coordinator_puts_and_lifts_an_opposition(
    world: World, make_agent: Any
) -> None:
    with world.db.session() as s:
        other_desk = create_structure(s, None, "Autre médiathèque", siret=synthetic_siret(7)).id
    stranger = make_agent((Role.ACCUEIL, other_desk))
    chequier_id = _issue(world, world.beneficiaire_id)
    with world.db.session() as s, pytest.raises(PermissionDenied):
        opposition.oppose_chequebook(s, stranger, chequier_id)
    with world.db.session() as s:
        first_serial = s.scalar(select(Pass.serial).where(Pass.chequier_id == chequier_id))
    with world.db.session() as s, pytest.raises(PermissionDenied):
        opposition.oppose_pass(s, stranger, first_serial or "")
    with world.db.session() as s:
        assert opposition.oppose_chequebook(s, world.accueil, chequier_id) == 10
    with world.db.session() as s, pytest.raises(PermissionDenied):
        opposition.lift_opposition(s, stranger, chequier_id, "retrouvé")
    with world.db.session() as s, pytest.raises(ValidationError, match="pourquoi"):
        opposition.lift_opposition(s, world.accueil, chequier_id, "  ")
    with world.db.session() as s:
        assert opposition.lift_opposition(s, world.coordinateur, chequier_id, "retrouvé") == 10
    assert _journalled(world, "pass.opposition.levee") == 1
    with world.db.session() as s:
        assert redeem(s, world.mediateur, first_serial or "", today=TODAY).accepted
        chequier = s.get(Chequier, chequier_id)
        assert chequier is not None and chequier.opposition_levee_motif == "retrouvé"


def _redeemed(world: World, at: datetime, count: int = 1) -> list[str]:
    chequier_id = _issue(world, world.add_beneficiaire(prenom=f"R{at:%d%H%M}"))
    with world.db.session() as s:
        found = list(s.scalars(select(Pass.serial).where(Pass.chequier_id == chequier_id)))
        for serial in found[:count]:
            assert redeem(s, world.mediateur, serial, today=TODAY, at=at).accepted
    return found[:count]


def test_a_month_is_validated_only_once_it_is_over(world: World) -> None:
    _redeemed(world, datetime(2026, 11, 20, 10, tzinfo=UTC))
    on_30_november = datetime(2026, 11, 30, 15, tzinfo=UTC)
    for mois in ("2026-11", "2026-12"):
        with world.db.session() as s, pytest.raises(ValidationError, match="pas terminé"):
            settlements.validate(s, world.coordinateur, mois, now=on_30_november)
    with world.db.session() as s:
        [done] = settlements.validate(
            s, world.coordinateur, "2026-11", now=datetime(2026, 12, 1, 9, tzinfo=UTC)
        )
    assert done.nombre == 1


def test_a_redemption_still_inside_its_undo_window_waits_for_the_next_settlement(
    world: World,
) -> None:
    month_end = settlements.month_end_utc("2026-03")
    _redeemed(world, month_end - timedelta(minutes=20))
    _redeemed(world, month_end - timedelta(minutes=2))
    with world.db.session() as s:
        [done] = settlements.validate(
            s, world.coordinateur, "2026-03", now=month_end + timedelta(minutes=5)
        )
        assert done.nombre == 1
        [later] = settlements.preview(s, world.coordinateur, "2026-04")
        assert later.nombre == 1


def test_each_structure_is_settled_on_its_own(world: World, make_agent: Any) -> None:
    from pass_numerique.structures import ReferencementData, reference_structure

    with world.db.session() as s:
        second = reference_structure(
            s,
            world.coordinateur,
            ReferencementData(
                siret=synthetic_siret(8),
                nom="Deuxième association",
                iban="FR7630006000011234567890189",
                titulaire="Deuxième",
                actif_du=date(2026, 1, 1),
                campagnes=[world.campagne_id],
            ),
        )
        second_id, second_structure = second.id, second.structure_id
    other = make_agent((Role.MEDIATEUR, second_structure))
    serials = _redeemed(world, MARCH, count=1)
    chequier_id = _issue(world, world.add_beneficiaire(prenom="Autre"))
    with world.db.session() as s:
        serial = s.scalar(select(Pass.serial).where(Pass.chequier_id == chequier_id))
        assert redeem(s, other, serial or "", today=TODAY, at=MARCH).accepted
    with world.db.session() as s:
        [mine] = settlements.validate(s, world.coordinateur, "2026-03", world.ref_association)
        assert [line.serial for line in mine.lines] == serials
    with world.db.session() as s:
        [theirs] = settlements.validate(s, world.coordinateur, "2026-03", second_id)
        assert theirs.structure == "Deuxième association"
    with world.db.session() as s, pytest.raises(ConflictError, match="déjà validé par"):
        settlements.validate(s, world.coordinateur, "2026-03", second_id)


def test_racing_coordinators_validate_a_settlement_once_and_the_others_are_told_by_whom(
    world: World,
) -> None:
    _redeemed(world, MARCH, count=3)

    def settle(_i: int) -> object:
        with world.db.session() as s:
            return settlements.validate(s, world.coordinateur, "2026-03", world.ref_association)

    results = _race(4, settle)
    done = [r for r in results if isinstance(r, list) and r]
    losers = [r for r in results if not (isinstance(r, list) and r)]
    assert len(done) == 1, results
    assert all(isinstance(r, ConflictError) and "déjà validé par" in str(r) for r in losers)


def test_racing_coordinators_of_a_territory_with_one_referenced_structure_validate_once(
    world: World,
) -> None:
    """The settlement's lock is the structure's own row, not its neighbours': with no other
    structure referenced, the losers are still told who validated."""
    with world.db.session() as s:
        s.execute(
            text("DELETE FROM pass_structure WHERE id <> :ref"), {"ref": world.ref_association}
        )
    _redeemed(world, MARCH, count=3)

    def settle(_i: int) -> object:
        with world.db.session() as s:
            return settlements.validate(s, world.coordinateur, "2026-03", world.ref_association)

    results = _race(4, settle)
    done = [r for r in results if isinstance(r, list) and r]
    losers = [r for r in results if not (isinstance(r, list) and r)]
    assert len(done) == 1, results
    assert all(isinstance(r, ConflictError) and "déjà validé par" in str(r) for r in losers)


def test_a_validated_settlement_reprints_exactly_what_was_validated(world: World) -> None:
    _redeemed(world, MARCH, count=2)
    with world.db.session() as s:
        s.execute(text("UPDATE pass_structure SET bic = 'CCBPFRPPNAN'"))
    with world.db.session() as s:
        [done] = settlements.validate(s, world.coordinateur, "2026-03")
    # Afterwards the structure changes bank, and someone edits a pass's value by hand.
    with world.db.session() as s:
        s.execute(
            text(
                "UPDATE pass_structure SET iban = 'FR7612345000010123456789061', titulaire = 'X', "
                "bic = 'AGRIFRPP'"
            )
        )
        s.execute(text("UPDATE pass SET valeur_cents = 5000"))
    with world.db.session() as s:
        again = settlements.validated(s, world.coordinateur, done.reglement_id or 0)
    assert (again.montant_cents, again.iban, again.titulaire, again.bic) == (
        2000,
        done.iban,
        done.titulaire,
        "CCBPFRPPNAN",
    )
    # Every field the statement prints or pays from: structure, SIRET, month, bank details,
    # validation number and date, and each line's serial, time and value.
    assert replace(again, ancre=None) == replace(done, ancre=None)
    pdf = "".join(_pages(settlement_pdf(again)))
    assert "20,00" in pdf and "50,00" not in pdf and "FR76 3000 6000" in pdf
    assert "CCBPFRPPNAN" in pdf and "AGRIFRPP" not in pdf


def test_validating_a_month_twice_names_who_validated_it_first(world: World) -> None:
    _redeemed(world, MARCH, count=1)
    with world.db.session() as s:
        settlements.validate(s, world.coordinateur, "2026-03", world.ref_association)
        name = s.scalar(
            text("SELECT display_name FROM agent WHERE id = :a"),
            {"a": world.coordinateur.agent_id},
        )
    assert name
    with world.db.session() as s, pytest.raises(ConflictError) as refused:
        settlements.validate(s, world.coordinateur, "2026-03", world.ref_association)
    assert f"de 2026-03 pour Association test est déjà validé par {name} le" in str(refused.value)
