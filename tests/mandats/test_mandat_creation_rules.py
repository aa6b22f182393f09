"""Rules of recording a mandate that the other tests leave unsaid: who may give one (an adult
from the day of their eighteenth birthday, in Paris time), what the identity step requires and
keeps, the length of the specific actions, the place and address printed by default."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.auth import create_structure
from core.db import Database
from core.errors import ValidationError
from core.models import Role
from mediation.mandats.creation import (
    IdentityDraft,
    MandantIdentity,
    create_mandat,
    identity_draft,
)
from mediation.mandats.models import Mandat
from mediation.models import Beneficiaire
from tests.mandats.conftest import IDENTITE, Desk, add_beneficiaire

# 15 June 2026 at 1:30 in Paris, still 14 June in UTC.
JUST_AFTER_MIDNIGHT_IN_PARIS = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)


def _without_birth_on_file(db: Database, desk: Desk) -> int:
    with db.session() as s:
        person = s.get(Beneficiaire, desk.beneficiaire_id)
        assert person is not None
        person.annee_naissance, person.date_naissance = None, None
    return desk.beneficiaire_id


def _record(db: Database, desk: Desk, bid: int, identite: MandantIdentity, **kw: object) -> Mandat:
    params: dict[str, object] = {
        "categories": ["social"],
        "duree_jours": 31,
        "identite": identite,
        "mentions_lues": True,
        "hors_mesure_protection": True,
        "now": JUST_AFTER_MIDNIGHT_IN_PARIS,
    }
    params.update(kw)
    with db.session() as s:
        mandat = create_mandat(s, desk.aidant, bid, **params)  # type: ignore[arg-type]
        s.expunge(mandat)
        return mandat


def _born(day: date) -> MandantIdentity:
    return MandantIdentity("Lambert", "Odile", day, "Rochefort")


def test_a_person_gives_a_mandate_from_their_eighteenth_birthday_in_paris_time(
    db: Database, desk: Desk
) -> None:
    bid = _without_birth_on_file(db, desk)
    for minor in (date(2008, 6, 16), date(2008, 7, 1)):
        with pytest.raises(ValidationError, match="majeur") as refused:
            _record(db, desk, bid, _born(minor))
        assert refused.value.field == "date_naissance"
    mandat = _record(db, desk, bid, _born(date(2008, 6, 15)))
    assert mandat.mandant_date_naissance == date(2008, 6, 15)
    # Eighteen, nineteen tomorrow: an adult.
    assert _record(db, desk, bid, _born(date(2007, 6, 16))).mandant_prenom == "Odile"


def test_a_birth_date_today_or_before_1900_is_not_plausible(db: Database, desk: Desk) -> None:
    bid = _without_birth_on_file(db, desk)
    for implausible in (date(2026, 6, 15), date(2030, 1, 1), date(1899, 12, 31)):
        with pytest.raises(ValidationError, match="pas plausible") as refused:
            _record(db, desk, bid, _born(implausible))
        assert refused.value.field == "date_naissance"
    assert _record(db, desk, bid, _born(date(1900, 1, 1))).mandant_date_naissance.year == 1900  # type: ignore[union-attr]


def test_the_identity_is_kept_without_its_surrounding_spaces_and_each_part_is_required(
    db: Database, desk: Desk
) -> None:
    names = "Le nom et le prénom du mandant sont obligatoires."
    place = "Le lieu de naissance du mandant est obligatoire sur le mandat."
    for blank, field, said in (
        (MandantIdentity("  ", "Odile", IDENTITE.date_naissance, "Rochefort"), "nom", names),
        (MandantIdentity("Lambert", " ", IDENTITE.date_naissance, "Rochefort"), "nom", names),
        (
            MandantIdentity("Lambert", "Odile", IDENTITE.date_naissance, "  "),
            "lieu_naissance",
            place,
        ),
    ):
        with pytest.raises(ValidationError) as refused:
            _record(db, desk, desk.beneficiaire_id, blank)
        assert (refused.value.field, str(refused.value)) == (field, said)
    spaced = MandantIdentity("  Lambert ", " Odile  ", IDENTITE.date_naissance, " Rochefort ")
    mandat = _record(db, desk, desk.beneficiaire_id, spaced)
    assert (mandat.mandant_nom, mandat.mandant_prenom, mandat.mandant_lieu_naissance) == (
        "Lambert",
        "Odile",
        "Rochefort",
    )
    assert mandat.mandant_cle == "odile lambert"


def test_specific_actions_hold_two_thousand_characters_at_most(db: Database, desk: Desk) -> None:
    with pytest.raises(ValidationError, match="2 000 caractères") as refused:
        _record(db, desk, desk.beneficiaire_id, IDENTITE, actions_specifiques="a" * 2001)
    assert refused.value.field == "actions"
    padded = "  " + "a" * 2000 + "  "
    mandat = _record(db, desk, desk.beneficiaire_id, IDENTITE, actions_specifiques=padded)
    assert mandat.actions_specifiques == "a" * 2000


def test_a_mandate_is_signed_by_default_in_the_structures_commune_at_its_full_address(
    db: Database, desk: Desk
) -> None:
    mandat = _record(db, desk, desk.beneficiaire_id, IDENTITE)
    # The structure's commune is INSEE 17300, La Rochelle.
    assert mandat.lieu_signature == "La Rochelle"
    assert mandat.mandataire_nom == "France Services Essai"
    assert mandat.mandataire_adresse == "5 rue de l'Essai, 17000, La Rochelle"
    # Given a place, the aidant's wins (without its spaces).
    elsewhere = _record(db, desk, desk.beneficiaire_id, IDENTITE, lieu="  Tonnay-Charente ")
    assert elsewhere.lieu_signature == "Tonnay-Charente"
    assert elsewhere.mandataire_adresse == "5 rue de l'Essai, 17000, Tonnay-Charente"
    # Recorded to the second, as printed: the integrity code covers the printed instant.
    exact = datetime(2026, 6, 14, 23, 30, 12, 345678, tzinfo=UTC)
    to_the_second = _record(db, desk, desk.beneficiaire_id, IDENTITE, now=exact)
    assert to_the_second.debut == to_the_second.created_at == exact.replace(microsecond=0)


def test_without_a_commune_the_place_is_the_postcode_or_else_the_structures_name(
    db: Database, desk: Desk, make_agent
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        bare = create_structure(s, None, "Tiers-lieu Sans Adresse").id
    aidant = make_agent((Role.AIDANT, bare))
    bid = add_beneficiaire(db, bare, "Lambert", "Odile")
    with db.session() as s:
        mandat = create_mandat(
            s,
            aidant,
            bid,
            categories=["social"],
            duree_jours=31,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
        )
        assert (mandat.lieu_signature, mandat.mandataire_adresse) == (
            "Tiers-lieu Sans Adresse",
            "Tiers-lieu Sans Adresse",
        )
    postcode_only = make_agent((Role.AIDANT, desk.other_structure_id))
    other = add_beneficiaire(db, desk.other_structure_id, "Martin", "Paul")
    paul = MandantIdentity("Martin", "Paul", IDENTITE.date_naissance, "Saintes")
    with db.session() as s:
        mandat = create_mandat(
            s,
            postcode_only,
            other,
            categories=["social"],
            duree_jours=31,
            identite=paul,
            mentions_lues=True,
            hors_mesure_protection=True,
        )
        assert (mandat.lieu_signature, mandat.mandataire_adresse) == ("17140", "17140, 17140")


def test_an_anonymous_beneficiary_cannot_give_a_mandate(db: Database, desk: Desk) -> None:
    with db.session() as s:
        person = s.get(Beneficiaire, desk.beneficiaire_id)
        assert person is not None
        person.anonyme = True
    with pytest.raises(ValidationError, match="personne nommée") as refused:
        _record(db, desk, desk.beneficiaire_id, IDENTITE)
    assert refused.value.field == "beneficiaire"


def test_the_identity_step_is_prefilled_from_the_file_then_from_the_latest_mandate(
    db: Database, desk: Desk
) -> None:
    with db.session() as s:
        first = identity_draft(s, desk.aidant, desk.beneficiaire_id)
    # Nothing on paper yet: the file's name and birth date, no place of birth.
    assert first == IdentityDraft(desk.beneficiaire_id, "Lambert", "Odile", date(1948, 3, 14), "")
    # Recorded in this order, signed in March, May and April: the latest is neither the first
    # nor the last recorded.
    for signed, place in ((3, "Rochefort"), (5, "Rochefort-sur-Mer"), (4, "Saintes")):
        identite = MandantIdentity("Lambert", "Odile", date(1948, 3, 14), place)
        _record(db, desk, desk.beneficiaire_id, identite, now=datetime(2026, signed, 1, tzinfo=UTC))
    with db.session() as s:
        person = s.get(Beneficiaire, desk.beneficiaire_id)
        assert person is not None
        person.date_naissance = None  # the file lost its birth date since
    with db.session() as s:
        draft = identity_draft(s, desk.aidant, desk.beneficiaire_id)
    # The latest signed mandate (by its start, not its number) fills what the file lacks.
    assert draft == IdentityDraft(
        desk.beneficiaire_id, "Lambert", "Odile", date(1948, 3, 14), "Rochefort-sur-Mer"
    )


def test_the_identity_step_takes_the_place_of_birth_from_this_persons_mandate_at_this_desk_only(
    db: Database, desk: Desk, make_agent
) -> None:  # type: ignore[no-untyped-def]
    odile = desk.beneficiaire_id
    paul = add_beneficiaire(db, desk.structure_id, "Martin", "Paul")
    _record(db, desk, odile, IDENTITE, now=datetime(2026, 3, 1, tzinfo=UTC))
    # Later: Paul at this desk, then Odile at another structure, by a territory-wide aidant.
    _record(
        db,
        desk,
        paul,
        MandantIdentity("Martin", "Paul", date(1948, 3, 14), "Cognac"),
        now=datetime(2026, 5, 1, tzinfo=UTC),
    )
    territorial = make_agent((Role.AIDANT, None)).with_structure(desk.other_structure_id)
    with db.session() as s:
        ailleurs = create_mandat(
            s,
            territorial,
            odile,
            categories=["social"],
            duree_jours=31,
            identite=MandantIdentity("Lambert", "Odile", date(1948, 3, 14), "Saintes"),
            mentions_lues=True,
            hors_mesure_protection=True,
            now=datetime(2026, 6, 1, tzinfo=UTC),
        )
        assert ailleurs.structure_id == desk.other_structure_id
    with db.session() as s:
        draft = identity_draft(s, desk.aidant, odile)
    # Neither Paul's place of birth nor what another structure wrote: her own, signed here.
    assert draft == IdentityDraft(odile, "Lambert", "Odile", date(1948, 3, 14), "Rochefort")


def test_a_file_without_a_first_name_cannot_give_a_mandate(db: Database, desk: Desk) -> None:
    with db.session() as s:
        person = s.get(Beneficiaire, desk.beneficiaire_id)
        assert person is not None
        person.prenom = None
    with pytest.raises(ValidationError, match="personne nommée") as refused:
        _record(db, desk, desk.beneficiaire_id, IDENTITE)
    assert refused.value.field == "beneficiaire"


def test_a_mandate_recorded_without_specific_actions_carries_none(db: Database, desk: Desk) -> None:
    with db.session() as s:
        mandat = create_mandat(
            s,
            desk.aidant,
            desk.beneficiaire_id,
            categories=["social"],
            duree_jours=31,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
        )
        assert mandat.actions_specifiques == ""


def _current_lines(db: Database) -> set[tuple[str, str, str]]:
    """(mandant's first name, category, reference) of every current authorisation."""
    from sqlalchemy import select

    from mediation.mandats.models import MandatCategorie

    with db.session() as s:
        rows = s.execute(
            select(Mandat.mandant_prenom, MandatCategorie.categorie, Mandat.reference)
            .join(MandatCategorie, MandatCategorie.mandat_id == Mandat.id)
            .where(MandatCategorie.courante.is_(True))
        )
        return {(r[0], r[1], r[2]) for r in rows}


def test_a_mandate_signed_the_instant_the_previous_one_ends_takes_over_without_a_conflict(
    db: Database, desk: Desk
) -> None:
    # 31 days from 1 March 2026 at 10:00 UTC ends on 1 April at 10:00: the new one starts then.
    first = _record(
        db, desk, desk.beneficiaire_id, IDENTITE, now=datetime(2026, 3, 1, 10, tzinfo=UTC)
    )
    second = _record(
        db, desk, desk.beneficiaire_id, IDENTITE, now=datetime(2026, 4, 1, 10, tzinfo=UTC)
    )
    assert first.fin.replace(tzinfo=UTC) == datetime(2026, 4, 1, 10, tzinfo=UTC)
    assert _current_lines(db) == {(IDENTITE.prenom, "social", second.reference)}


def test_a_new_mandate_leaves_other_people_and_other_categories_current_even_when_expired(
    db: Database, desk: Desk
) -> None:
    marcel = add_beneficiaire(db, desk.structure_id, "Lambert", "Marcel")
    marcel_id = MandantIdentity("Lambert", "Marcel", date(1948, 3, 14), "Rochefort")
    # Both expired on 1 April 2026; nothing has replaced them yet.
    old_social = _record(db, desk, marcel, marcel_id, now=datetime(2026, 3, 1, tzinfo=UTC))
    odile_logement = _record(
        db,
        desk,
        desk.beneficiaire_id,
        IDENTITE,
        categories=["logement"],
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )
    # In May, Odile gives a mandate for « social » only.
    odile_social = _record(
        db, desk, desk.beneficiaire_id, IDENTITE, now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    assert _current_lines(db) == {
        ("Marcel", "social", old_social.reference),
        (IDENTITE.prenom, "logement", odile_logement.reference),
        (IDENTITE.prenom, "social", odile_social.reference),
    }


def test_a_mandate_another_desk_recorded_meanwhile_wins_over_this_one(
    db: Database, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.errors import ConflictError
    from mediation.mandats import creation

    other_desk = _record(
        db, desk, desk.beneficiaire_id, IDENTITE, now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    # This desk looked for mandates to replace before the other desk's was recorded.
    monkeypatch.setattr(creation, "_replacements", lambda *args, **kwargs: [])
    with pytest.raises(ConflictError, match="Un autre guichet"):
        _record(db, desk, desk.beneficiaire_id, IDENTITE, now=datetime(2026, 5, 2, tzinfo=UTC))
    assert _current_lines(db) == {(IDENTITE.prenom, "social", other_desk.reference)}


def test_the_preview_lists_what_is_still_in_force_oldest_mandate_first_in_its_printed_order(
    db: Database, desk: Desk
) -> None:
    from mediation.mandats.creation import preview_replacements
    from mediation.mandats.revocation import revoke_mandat

    march = datetime(2026, 3, 1, tzinfo=UTC)
    # Ended on 1 April at midnight: nothing left to replace from the instant it ends.
    ended = _record(db, desk, desk.beneficiaire_id, IDENTITE, categories=["argent"], now=march)
    # Printed « travail » then « transports », the catalogue's order; « famille » revoked alone.
    older = _record(
        db,
        desk,
        desk.beneficiaire_id,
        IDENTITE,
        categories=["transports", "travail", "famille"],
        duree_jours=365,
        now=march,
    )
    newer = _record(
        db,
        desk,
        desk.beneficiaire_id,
        IDENTITE,
        categories=["logement"],
        duree_jours=365,
        now=datetime(2026, 3, 15, tzinfo=UTC),
    )
    with db.session() as s:
        revoke_mandat(s, desk.aidant, older.id, "famille", now=datetime(2026, 3, 20, tzinfo=UTC))

    def preview(at: datetime) -> list[tuple[str, str]]:
        with db.session() as s:
            wanted = ["argent", "famille", "logement", "transports", "travail"]
            found = preview_replacements(s, desk.aidant, desk.beneficiaire_id, wanted, now=at)
            return [(r.reference, r.categorie) for r in found]

    in_force = [
        (older.reference, "travail"),
        (older.reference, "transports"),
        (newer.reference, "logement"),
    ]
    assert ended.fin.replace(tzinfo=UTC) == datetime(2026, 4, 1, tzinfo=UTC)
    assert preview(datetime(2026, 4, 1, tzinfo=UTC)) == in_force
    assert preview(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)) == [
        (ended.reference, "argent"),
        *in_force,
    ]


def test_the_place_is_the_commune_named_in_the_imported_territory_even_if_newer_than_the_cog(
    db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    from core.models import TerritoryCommune

    # 17999 is in no bundled COG: a commune the installation's territory import alone knows.
    with db.session() as s:
        s.add(TerritoryCommune(code_insee="17999", nom="Marais-Neuf", population=812))
        fs = create_structure(
            s, None, "France Services Marais", code_postal="17290", commune_insee="17999"
        ).id
    aidant = make_agent((Role.AIDANT, fs), login="aidant-marais")
    bid = add_beneficiaire(db, fs, "Lambert", "Odile")
    with db.session() as s:
        mandat = create_mandat(
            s,
            aidant,
            bid,
            categories=["social"],
            duree_jours=31,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
        )
        assert (mandat.lieu_signature, mandat.mandataire_adresse) == (
            "Marais-Neuf",
            "17290, Marais-Neuf",
        )
