"""Keeping period of ended mandates: which ones are past it, from which instant, who may purge
them, what goes and what stays (``mediation.mandats.retention``).

The rule under test: a mandate ends at the earlier of its planned end and its full revocation;
it is past retention from that instant plus ``mandat_retention_years`` (6 by default), at that
very instant (counted back from now: ``end <= now - 6 years``), never before. Counting back from
a 29 February lands on the 28th."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import fichiers_nominatifs, paths
from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied
from core.installation import put_setting
from core.models import AuditEntry, Role
from mediation.mandats import retention
from mediation.mandats.creation import create_mandat, renew_mandat
from mediation.mandats.models import Mandat, MandatCategorie, MandatRevocation
from mediation.mandats.retention import (
    mandate_retention_years,
    mandats_past_retention,
    purge_mandats_past_retention,
)
from mediation.mandats.revocation import revoke_mandat
from mediation.models import Beneficiaire
from tests.mandats.conftest import IDENTITE, Desk, add_beneficiaire

SIGNED = datetime(2026, 1, 10, 9, tzinfo=UTC)
PERSONAL = ("Lambert", "Odile", "1948", "Rochefort")


def _mandat(
    db: Database,
    aidant: Actor,
    beneficiaire_id: int,
    *,
    signed: datetime = SIGNED,
    categories: tuple[str, ...] = ("social",),
    duree_jours: int = 31,
    fin: datetime | None = None,
) -> int:
    """A mandate signed at ``signed``; ``fin`` moves its planned end to an exact instant."""
    with db.session() as s:
        mandat = create_mandat(
            s,
            aidant,
            beneficiaire_id,
            categories=list(categories),
            duree_jours=duree_jours,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
            actions_specifiques="Déclaration de ressources",
            now=signed,
        )
        if fin is not None:
            mandat.fin = fin
        return mandat.id


def _fin(db: Database, mandat_id: int) -> datetime:
    with db.session() as s:
        mandat = s.get(Mandat, mandat_id)
        assert mandat is not None
        return mandat.fin


def _years_later(moment: datetime, years: int = 6) -> datetime:
    return moment.replace(year=moment.year + years)


def _exists(db: Database, mandat_id: int) -> bool:
    with db.session() as s:
        return s.get(Mandat, mandat_id) is not None


def _purge(db: Database, actor: Actor, now: datetime, ids: list[int] | None = None) -> int:
    with db.session() as s:
        return purge_mandats_past_retention(s, actor, ids=ids, now=now)


def _due(db: Database, actor: Actor, now: datetime) -> list[int]:
    with db.session() as s:
        return mandats_past_retention(s, actor, now=now)


def _purge_entries(db: Database) -> list[AuditEntry]:
    with db.session() as s:
        return list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "mandat.purge")
                .order_by(AuditEntry.seq)
            )
        )


def test_an_expired_mandate_is_kept_until_the_instant_six_years_after_its_end(
    db: Database, desk: Desk, admin: Actor
) -> None:
    mandat_id = _mandat(db, desk.aidant, desk.beneficiaire_id)
    boundary = _years_later(_fin(db, mandat_id))
    with db.session() as s:
        assert mandate_retention_years(s) == 6  # the default, no setting written
    # A day short, then a microsecond short of six years: kept, and not listed.
    for early in (boundary - timedelta(days=1), boundary - timedelta(microseconds=1)):
        assert _due(db, admin, early) == []
        assert _purge(db, admin, early) == 0
        assert _exists(db, mandat_id)
    assert _purge_entries(db) == []  # nothing purged, nothing journalled
    # Six years to the instant: listed, then purged.
    assert _due(db, admin, boundary) == [mandat_id]
    assert _purge(db, admin, boundary) == 1
    assert not _exists(db, mandat_id)
    assert _due(db, admin, boundary) == []


def test_a_revoked_mandate_is_kept_six_years_from_its_revocation_not_its_planned_end(
    db: Database, desk: Desk, admin: Actor
) -> None:
    mandat_id = _mandat(db, desk.aidant, desk.beneficiaire_id, duree_jours=365)
    revoked = SIGNED + timedelta(days=20)
    with db.session() as s:
        revoke_mandat(s, desk.aidant, mandat_id, now=revoked)
    boundary = _years_later(revoked)
    assert _years_later(_fin(db, mandat_id)) > boundary + timedelta(days=300)
    assert _due(db, admin, boundary - timedelta(microseconds=1)) == []
    assert _purge(db, admin, boundary - timedelta(microseconds=1)) == 0
    assert _exists(db, mandat_id)
    assert _due(db, admin, boundary) == [mandat_id]
    assert _purge(db, admin, boundary) == 1
    assert not _exists(db, mandat_id)
    with db.session() as s:
        # Its revocation and its categories went with it.
        assert s.scalar(select(func.count()).select_from(MandatRevocation)) == 0
        assert s.scalar(select(func.count()).select_from(MandatCategorie)) == 0


def test_a_mandate_in_force_or_only_partly_revoked_is_kept_whatever_its_age(
    db: Database, desk: Desk, admin: Actor
) -> None:
    now = datetime(2033, 6, 1, 12, tzinfo=UTC)
    old = _mandat(db, desk.aidant, desk.beneficiaire_id)
    # Signed in 2026 but running until well after now (its end moved: a long mandate).
    running = _mandat(
        db,
        desk.aidant,
        add_beneficiaire(db, desk.structure_id, "Martin", "Paul"),
        categories=("social", "logement"),
        fin=now + timedelta(days=30),
    )
    with db.session() as s:  # one category revoked eight years before now: not the mandate
        revoke_mandat(s, desk.aidant, running, "logement", now=SIGNED + timedelta(days=2))
    recent = _mandat(
        db,
        desk.aidant,
        add_beneficiaire(db, desk.structure_id, "Durand", "Lise"),
        signed=now - timedelta(days=400),
    )
    assert _due(db, admin, now) == [old]
    assert _purge(db, admin, now) == 1
    assert not _exists(db, old)
    assert _exists(db, running) and _exists(db, recent)
    with db.session() as s:  # the partial revocation of the running mandate is kept
        assert s.scalar(select(func.count()).select_from(MandatRevocation)) == 1


def test_a_person_whose_file_stays_active_loses_the_content_of_her_old_mandates_only(
    db: Database, desk: Desk, admin: Actor
) -> None:
    # 2026: a mandate, renewed twelve days later for a year (the old one ends then).
    first = _mandat(db, desk.aidant, desk.beneficiaire_id)
    with db.session() as s:
        renewed = renew_mandat(
            s,
            desk.aidant,
            first,
            mentions_lues=True,
            hors_mesure_protection=True,
            duree_jours=365,
            now=SIGNED + timedelta(days=12),
        ).id
    now = datetime(2032, 6, 1, 12, tzinfo=UTC)
    with db.session() as s:  # the person still comes: her file is active, not due
        person = s.get(Beneficiaire, desk.beneficiaire_id)
        assert person is not None
        person.derniere_activite_at = now - timedelta(days=3)
    assert _due(db, admin, now) == [first]
    assert _purge(db, admin, now) == 1
    with db.session() as s:
        assert s.get(Mandat, first) is None
        kept = s.get(Mandat, renewed)
        assert kept is not None and kept.renouvelle_id is None  # it renewed a purged mandate
        assert kept.mandant_nom == "Lambert"  # kept whole, identity included
        person = s.get(Beneficiaire, desk.beneficiaire_id)
        assert person is not None and not person.efface and person.nom == "Lambert"


@pytest.mark.parametrize("slice_size", [1, 2])
def test_a_purge_larger_than_one_statement_goes_in_slices_and_misses_nothing(
    db: Database, desk: Desk, admin: Actor, monkeypatch: pytest.MonkeyPatch, slice_size: int
) -> None:
    """Tens of thousands of mandates may fall due at once (SQLite binds 32,766 values a
    statement): they go in slices, links across slices included."""
    monkeypatch.setattr(retention, "PURGE_SLICE", slice_size)
    # A chain: each renews the one before, so every slice holds a mandate the next one names.
    chain = [_mandat(db, desk.aidant, desk.beneficiaire_id)]
    for step in range(1, 5):
        with db.session() as s:
            chain.append(
                renew_mandat(
                    s,
                    desk.aidant,
                    chain[-1],
                    mentions_lues=True,
                    hors_mesure_protection=True,
                    duree_jours=31,
                    now=SIGNED + timedelta(days=10 * step),
                ).id
            )
    now = _years_later(_fin(db, chain[-1])) + timedelta(days=1)
    assert _purge(db, admin, now) == len(chain)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Mandat)) == 0
        assert s.scalar(select(func.count()).select_from(MandatCategorie)) == 0
        assert s.scalar(select(func.count()).select_from(MandatRevocation)) == 0
    assert [e.details for e in _purge_entries(db)] == [{"nombre": 5, "annees": 6}]


def test_a_short_mandate_that_took_one_category_over_goes_while_the_longer_one_runs_on(
    db: Database, desk: Desk, admin: Actor
) -> None:
    long_id = _mandat(
        db, desk.aidant, desk.beneficiaire_id, categories=("social", "logement"), duree_jours=365
    )
    # Three weeks later, a one-day mandate for « social » replaces that category of the first.
    short_id = _mandat(
        db, desk.aidant, desk.beneficiaire_id, signed=SIGNED + timedelta(days=21), duree_jours=1
    )
    now = _years_later(_fin(db, short_id))
    assert now < _years_later(_fin(db, long_id))
    assert _purge(db, admin, now) == 1
    with db.session() as s:
        assert s.get(Mandat, short_id) is None
        revocation = s.scalars(select(MandatRevocation)).one()
        assert (revocation.mandat_id, revocation.motif) == (long_id, "remplacement")
        assert revocation.remplace_par_id is None  # named the purged mandate
        lines = {c.categorie: c for c in s.scalars(select(MandatCategorie))}
        assert set(lines) == {"social", "logement"}
        assert lines["social"].revocation_id == revocation.id


def test_a_holder_of_the_right_purges_only_in_the_structures_where_she_holds_it(
    db: Database, desk: Desk, admin: Actor, make_agent: Callable[..., Actor]
) -> None:
    accueil = make_agent((Role.ACCUEIL, desk.structure_id))
    ours = _mandat(db, desk.aidant, desk.beneficiaire_id)
    stranger = add_beneficiaire(db, desk.other_structure_id, "Martin", "Paul")
    theirs = _mandat(db, desk.other_aidant, stranger)
    now = datetime(2038, 1, 1, tzinfo=UTC)
    assert _due(db, accueil, now) == [ours]
    # Even named, another structure's mandate is not hers to purge.
    assert _purge(db, accueil, now, ids=[ours, theirs]) == 1
    assert not _exists(db, ours) and _exists(db, theirs)
    # The administrator holds the right everywhere.
    assert _due(db, admin, now) == [theirs]
    assert _purge(db, admin, now) == 1
    assert not _exists(db, theirs)


@pytest.mark.parametrize("who", ["mediateur", "mediateur_ailleurs", "coordinateur"])
def test_a_role_without_the_data_protection_right_is_refused_and_nothing_is_erased(
    db: Database, desk: Desk, make_agent: Callable[..., Actor], who: str
) -> None:
    mandat_id = _mandat(db, desk.aidant, desk.beneficiaire_id)
    actor = {
        "mediateur": desk.mediateur,
        "mediateur_ailleurs": make_agent((Role.MEDIATEUR, desk.other_structure_id)),
        "coordinateur": make_agent((Role.COORDINATEUR, None)),
    }[who]
    now = datetime(2038, 1, 1, tzinfo=UTC)
    with db.session() as s, pytest.raises(PermissionDenied):
        mandats_past_retention(s, actor, now=now)
    with db.session() as s, pytest.raises(PermissionDenied):
        purge_mandats_past_retention(s, actor, now=now)
    assert _exists(db, mandat_id)
    assert _purge_entries(db) == []


def test_the_purge_is_journalled_once_with_counts_and_no_personal_data(
    db: Database, desk: Desk, make_agent: Callable[..., Actor]
) -> None:
    accueil = make_agent((Role.ACCUEIL, desk.structure_id))
    first = _mandat(db, desk.aidant, desk.beneficiaire_id, categories=("social", "logement"))
    with db.session() as s:
        revoke_mandat(s, desk.aidant, first, now=SIGNED + timedelta(days=3))
    _mandat(db, desk.aidant, desk.beneficiaire_id, signed=SIGNED + timedelta(days=40))
    with db.session() as s:
        references = list(s.scalars(select(Mandat.reference)))
    assert _purge(db, accueil, datetime(2038, 1, 1, tzinfo=UTC)) == 2
    entries = _purge_entries(db)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.details == {"nombre": 2, "annees": 6}
    assert (entry.agent_id, entry.entity_type, entry.entity_id) == (
        accueil.agent_id,
        "mandat",
        None,
    )
    dumped = repr(entry.details)
    for secret in (*PERSONAL, *references):
        assert secret not in dumped
    with db.session() as s:
        for model in (Mandat, MandatCategorie, MandatRevocation):
            assert s.scalar(select(func.count()).select_from(model)) == 0


def test_only_the_confirmed_mandates_still_due_are_purged(
    db: Database, desk: Desk, admin: Actor
) -> None:
    now = datetime(2038, 1, 1, tzinfo=UTC)
    shown = _mandat(db, desk.aidant, desk.beneficiaire_id)
    not_shown = _mandat(db, desk.aidant, add_beneficiaire(db, desk.structure_id, "Martin", "Paul"))
    running = _mandat(
        db,
        desk.aidant,
        add_beneficiaire(db, desk.structure_id, "Durand", "Lise"),
        fin=now + timedelta(days=1),
    )
    assert _purge(db, admin, now, ids=[shown, running]) == 1
    assert not _exists(db, shown)
    assert _exists(db, not_shown) and _exists(db, running)
    assert _purge(db, admin, now, ids=[]) == 0
    assert _exists(db, not_shown)
    assert [e.details["nombre"] for e in _purge_entries(db)] == [1]


def test_the_keeping_period_is_the_installation_setting(
    db: Database, desk: Desk, admin: Actor
) -> None:
    mandat_id = _mandat(db, desk.aidant, desk.beneficiaire_id)
    with db.session() as s:
        put_setting(s, "mandat_retention_years", 2)
        assert mandate_retention_years(s) == 2
    boundary = _years_later(_fin(db, mandat_id), 2)
    assert _purge(db, admin, boundary - timedelta(microseconds=1)) == 0
    assert _purge(db, admin, boundary) == 1
    assert [e.details for e in _purge_entries(db)] == [{"nombre": 1, "annees": 2}]
    with db.session() as s:  # a setting emptied by hand: the six years of the signed paper
        put_setting(s, "mandat_retention_years", None)
        assert mandate_retention_years(s) == 6


def test_a_mandate_ended_a_29_february_is_kept_until_1_march_six_years_later(
    db: Database, desk: Desk, admin: Actor
) -> None:
    ended = datetime(2028, 2, 29, 10, tzinfo=UTC)
    mandat_id = _mandat(
        db, desk.aidant, desk.beneficiaire_id, signed=datetime(2028, 2, 1, tzinfo=UTC), fin=ended
    )
    # 2034 has no 29 February: never before the full six years.
    assert _purge(db, admin, datetime(2034, 2, 28, 23, 59, 59, tzinfo=UTC)) == 0
    assert _exists(db, mandat_id)
    assert _purge(db, admin, datetime(2034, 3, 1, tzinfo=UTC)) == 1


def test_on_a_29_february_six_years_back_is_the_28th_at_the_same_time(
    db: Database, desk: Desk, admin: Actor
) -> None:
    now = datetime(2032, 2, 29, 12, tzinfo=UTC)
    signed = datetime(2026, 2, 1, tzinfo=UTC)
    at_bound = _mandat(
        db,
        desk.aidant,
        desk.beneficiaire_id,
        signed=signed,
        fin=datetime(2026, 2, 28, 12, tzinfo=UTC),
    )
    after_bound = _mandat(
        db,
        desk.aidant,
        add_beneficiaire(db, desk.structure_id, "Martin", "Paul"),
        signed=signed,
        fin=datetime(2026, 2, 28, 12, 0, 1, tzinfo=UTC),
    )
    assert _due(db, admin, now) == [at_bound]
    assert _purge(db, admin, now) == 1
    assert not _exists(db, at_bound) and _exists(db, after_bound)


def _paper(name: str, beneficiaire_id: int) -> Path:
    folder = paths.export_dir() / "mandats"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"%PDF-1.7 synthetic")
    fichiers_nominatifs.record(path, [beneficiaire_id])
    return path


def test_the_papers_of_a_purged_mandate_leave_this_desks_exports_once_committed(
    db: Database, desk: Desk, admin: Actor
) -> None:
    purged = _mandat(db, desk.aidant, desk.beneficiaire_id)
    kept = _mandat(
        db,
        desk.aidant,
        add_beneficiaire(db, desk.structure_id, "Martin", "Paul"),
        signed=SIGNED + timedelta(days=60),
    )
    with db.session() as s:
        ref, kept_ref = (s.get(Mandat, i).reference for i in (purged, kept))  # type: ignore[union-attr]
    papers = [
        _paper(f"{ref}.pdf", desk.beneficiaire_id),
        _paper(f"{ref}-avec-traduction-en.pdf", desk.beneficiaire_id),
        _paper(f"{ref}-revocation-7.pdf", desk.beneficiaire_id),
    ]
    other = _paper(f"{kept_ref}.pdf", desk.beneficiaire_id)
    now = _years_later(_fin(db, purged))

    class Stop(Exception):
        pass

    # Rolled back: the mandate and its papers stay.
    with pytest.raises(Stop), db.session() as s:
        assert purge_mandats_past_retention(s, admin, now=now) == 1
        raise Stop
    assert _exists(db, purged) and all(p.exists() for p in papers)
    # Rolled back, then the same unit of work goes on and commits: still nothing deleted.
    with db.session() as s:
        assert purge_mandats_past_retention(s, admin, now=now) == 1
        s.rollback()
    assert _exists(db, purged) and all(p.exists() for p in papers)
    # Committed: its papers go, the other mandate's stays, and the register forgets them.
    assert _purge(db, admin, now) == 1
    assert not any(p.exists() for p in papers)
    assert other.exists()
    assert fichiers_nominatifs.files_naming([desk.beneficiaire_id]) == [other]


# --- the command line: ``main.py beneficiaire conservation`` ------------------------------------


@pytest.fixture
def cli(
    db: Database, desk: Desk, make_agent: Callable[..., Actor], monkeypatch: pytest.MonkeyPatch
) -> Actor:
    """The command line on the test database, as the desk's agent d'accueil."""
    accueil = make_agent((Role.ACCUEIL, desk.structure_id), login="accueil-fs")
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MEDIANUM_AGENT", "accueil-fs")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    return accueil


def _ended_long_ago(db: Database, desk: Desk, aidant: Actor, beneficiaire_id: int) -> int:
    """A mandate that ended in 2019: past its keeping period today, whatever the day."""
    mandat_id = _mandat(db, aidant, beneficiaire_id)
    with db.session() as s:
        mandat = s.get(Mandat, mandat_id)
        assert mandat is not None
        mandat.debut = datetime(2019, 1, 2, 9, tzinfo=UTC)
        mandat.fin = datetime(2019, 2, 2, 9, tzinfo=UTC)
    return mandat_id


def _command(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from main import main

    code = main(["beneficiaire", "conservation", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_retention_command_lists_the_mandates_past_their_period_and_erases_nothing(
    db: Database, desk: Desk, cli: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _ended_long_ago(db, desk, desk.aidant, desk.beneficiaire_id)
    stranger = add_beneficiaire(db, desk.other_structure_id, "Martin", "Paul")
    _ended_long_ago(db, desk, desk.other_aidant, stranger)  # not this agent's structure
    _mandat(db, desk.aidant, desk.beneficiaire_id, signed=datetime(2026, 11, 1, tzinfo=UTC))
    code, out, _err = _command(["--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert (data["mandats"], data["annees_mandats"]) == ([old], 6)
    assert "mandats_effaces" not in data
    code, out, _err = _command([], capsys)
    assert code == 0
    assert "1 mandat(s) terminé(s) (expiré(s) ou révoqué(s)) depuis 6 ans ou plus." in out
    assert _exists(db, old)
    assert _purge_entries(db) == []


def test_the_retention_command_erases_the_mandates_once_confirmed_with_oui(
    db: Database, desk: Desk, cli: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _ended_long_ago(db, desk, desk.aidant, desk.beneficiaire_id)
    code, out, _err = _command(["--appliquer", "--oui", "--json"], capsys)
    assert code == 0, _err
    data = json.loads(out)
    assert (data["mandats"], data["mandats_effaces"], data["effaces"]) == ([old], 1, 0)
    assert not _exists(db, old)
    with db.session() as s:  # the person's file, active, is left alone
        person = s.get(Beneficiaire, desk.beneficiaire_id)
        assert person is not None and not person.efface and person.nom == "Lambert"
    entries = _purge_entries(db)
    assert [(e.agent_id, e.details) for e in entries] == [
        (cli.agent_id, {"nombre": 1, "annees": 6})
    ]
    code, out, _err = _command([], capsys)
    assert "0 mandat(s) terminé(s)" in out


def test_the_retention_command_erases_files_and_mandates_and_says_how_many(
    db: Database, desk: Desk, cli: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _ended_long_ago(db, desk, desk.aidant, desk.beneficiaire_id)
    idle = add_beneficiaire(db, desk.structure_id, "Martin", "Paul")
    with db.session() as s:
        person = s.get(Beneficiaire, idle)
        assert person is not None
        person.derniere_activite_at = datetime(2020, 1, 1, tzinfo=UTC)
    code, out, _err = _command(["--appliquer", "--oui"], capsys)
    assert code == 0, _err
    assert "1 dossier(s) effacé(s)." in out
    assert "1 mandat(s) effacé(s)." in out
    assert not _exists(db, old)
    with db.session() as s:
        erased = s.get(Beneficiaire, idle)
        assert erased is not None and erased.efface


def test_the_retention_command_asks_before_erasing_mandates(
    db: Database,
    desk: Desk,
    cli: Actor,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = _ended_long_ago(db, desk, desk.aidant, desk.beneficiaire_id)
    # No terminal and no --oui: refused, nothing erased.
    code, _out, err = _command(["--appliquer"], capsys)
    assert code == 1
    assert "--oui" in err
    assert _exists(db, old)
    # At a terminal: the question names the mandates; « n » erases nothing.
    asked: list[str] = []

    def answer_no(question: str) -> str:
        asked.append(question)
        return "n"

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", answer_no)
    code, out, _err = _command(["--appliquer"], capsys)
    assert code == 1
    assert asked == ["Effacer le contenu de ces 1 mandat(s) terminé(s) ? [o/N] "]
    assert "Rien n'a été effacé." in out
    assert _exists(db, old)
    assert _purge_entries(db) == []
