"""The desk installs every domain (``domaines.py``) when it starts: checked in a fresh interpreter,
as a desk starts, since this test process has the domains installed already (tests/conftest.py).

Without them the desk's start-up work does nothing (erasures a restore brought back stay
undone) and what needs every domain's tables (the right of access) fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from core import fichiers_nominatifs, paths
from core.auth import Actor
from core.db import Database
from core.installation import DEMO_KEY, put_setting
from core.models import Role
from domaines import DOMAINES
from mediation import registre_effacements as ledger
from mediation.droits import export_personal_data
from mediation.mandats.models import Mandat
from mediation.models import Beneficiaire
from tests.gui.test_startup_path import _start_desk
from tests.mandats.conftest import pdf_text
from tests.mandats.test_effacement import AFTER_REVOCATION, NOM, TELEPHONE, _person_with_everything
from tests.mediation.dossier_data import add_person, make_desks

EVERY_DOMAIN = " ".join(d.nom for d in DOMAINES)
SIGNED_IN = {"MEDIANUM_AGENT": "admin", "MEDIANUM_PASSWORD": "mot-de-passe-solide"}

# What the probes share: the domains installed, and the window's pages as the agent sees them.
PROBE_HEAD = (
    "import sys, time\n"
    "import main, ui.main_window as mw\n"
    "from core.domaine import installed\n"
    "from PySide6.QtWidgets import QApplication\n"
    "errors = []\n"
    "import ui.widgets.messages as messages\n"
    "messages.show_error = lambda parent, exc, tb=None: errors.append(repr(exc))\n"
    "def settle(until, seconds=60):\n"
    "    deadline = time.monotonic() + seconds\n"
    "    while not until() and not errors and time.monotonic() < deadline:\n"
    "        QApplication.processEvents()\n"
    "        time.sleep(0.01)\n"
)


def _demo(db: Database) -> None:
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)  # automatic sign-in is for demonstration databases


def test_a_desk_erases_again_at_its_start_a_person_the_restored_database_still_names(
    db: Database, admin: Actor, make_agent: Callable[..., Actor], medianum_home: Path
) -> None:
    _demo(db)
    accueil = make_desks(db, admin, make_agent).accueil_nord
    bid = add_person(db, accueil, nom=NOM, telephone=TELEPHONE, notes="Carnetsecretnote")
    with db.session() as s:
        person = s.get(Beneficiaire, bid)
        assert person is not None and person.telephone and person.notes
        created = person.created_at
        # A file of this desk's exports naming the person, left over from before the erasure.
        written = export_personal_data(s, accueil, bid, paths.export_dir() / "acces")
    assert written and all(p.exists() for p in written)
    assert bid in fichiers_nominatifs.named()
    # The erasure was made at this desk after the backup the database was restored from.
    ledger.append(ledger.LedgerEntry(bid, created, AFTER_REVOCATION))
    probe = PROBE_HEAD + (
        "from sqlalchemy import text\n"
        "seen = []\n"
        "show = mw.MainWindow.show\n"
        "def record(window):\n"
        "    with window.ctx.db.read_session() as s:\n"
        f"        seen.append(s.scalar(text('SELECT nom FROM beneficiaire WHERE id = {bid}')))\n"
        "    show(window)\n"
        "mw.MainWindow.show = record\n"
        "status = main.main([])\n"
        "print('STATUS', status, 'ERRORS', errors)\n"
        "print('DOMAINS', *(d.nom for d in installed()))\n"
        "print('NAME WHEN SHOWN', *seen)\n"
    )
    out = _start_desk(db, medianum_home, probe, MEDIANUM_QUIT_AFTER_SHOW="1", **SIGNED_IN)
    assert "STATUS 0 ERRORS []" in out, out
    assert f"DOMAINS {EVERY_DOMAIN}\n" in out, out
    # Erased before the main window showed anything.
    assert f"NAME WHEN SHOWN Personne effacée n° {bid}\n" in out, out
    with db.read_session() as s:
        person = s.get(Beneficiaire, bid)
        assert person is not None and person.efface and person.nom != NOM
        assert person.telephone is None and person.notes is None
    assert not any(p.exists() for p in written)  # the leftover files went too


def test_the_right_of_access_export_made_in_the_desk_holds_the_other_domains_rows(
    db: Database, admin: Actor, make_agent: Callable[..., Actor], tmp_path: Path
) -> None:
    _demo(db)
    desks = make_desks(db, admin, make_agent)
    bid, mandat_id = _person_with_everything(db, desks, make_agent)
    with db.read_session() as s:
        mandat = s.get(Mandat, mandat_id)
        assert mandat is not None
        reference = mandat.reference
    folder = tmp_path / "cle"
    # The administrator opens « Données personnelles » and exports the person's file, as a desk
    # does once started (the page writes in a worker thread).
    probe = PROBE_HEAD + (
        "from pathlib import Path\n"
        "from PySide6.QtCore import QTimer\n"
        "said = []\n"
        "show = mw.MainWindow.show\n"
        "def export(window):\n"
        "    show(window)\n"
        "    window.open_page('donnees_personnelles')\n"
        "    settle(lambda: not window.current_page_loading())\n"
        "    page = window.current_page()\n"
        f"    page.dossier.setValue({bid})\n"
        f"    page.export_request(Path({str(folder)!r}))\n"
        "    settle(lambda: page.message.text())\n"
        "    said.append(page.message.text())\n"
        "    QTimer.singleShot(0, QApplication.instance().quit)\n"
        "mw.MainWindow.show = export\n"
        "status = main.main([])\n"
        "print('STATUS', status, 'ERRORS', errors)\n"
        "print('SAID', *said)\n"
    )
    out = _start_desk(db, tmp_path / "home", probe, **SIGNED_IN)
    assert "STATUS 0 ERRORS []" in out, out
    assert f"SAID Données du dossier n° {bid} exportées" in out, out
    (json_file,) = folder.glob("*.json")
    (pdf_file,) = folder.glob("*.pdf")
    data = json.loads(json_file.read_text(encoding="utf-8"))
    assert data["beneficiaire"]["nom"] == NOM
    mandats = data["autres_donnees"]["mandat"]
    assert [m["reference"] for m in mandats] == [reference]
    assert data["autres_donnees"]["mandat_revocation"]  # reached through the mandate
    assert reference in pdf_text(pdf_file.read_bytes())


def test_the_login_dialog_comes_up_with_every_domain_installed(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    """The guard: whatever the window needs later, the start path installs the domains before
    anyone can sign in."""
    probe = (
        "import main, ui.login\n"
        "from core.domaine import installed\n"
        "from PySide6.QtWidgets import QDialog\n"
        "seen = []\n"
        "def answer(dialog):\n"
        "    seen.extend(d.nom for d in installed())\n"
        "    return QDialog.DialogCode.Rejected\n"
        "ui.login.LoginDialog.exec = answer\n"
        "status = main.main([])\n"
        "print('STATUS', status, 'DOMAINS AT LOGIN', *seen)\n"
    )
    out = _start_desk(db, tmp_path / "home", probe)
    assert f"STATUS 0 DOMAINS AT LOGIN {EVERY_DOMAIN}\n" in out, out


def test_a_desk_started_without_the_domains_models_opens_every_page_of_its_rail(
    db: Database, admin: Actor, make_agent: Callable[..., Actor], tmp_path: Path
) -> None:
    """The desk signs in before any domain's models are loaded (nothing to redo at start);
    each page then loads them before its first query. Every page of an agent holding every
    role opens in a fresh desk, built (not « cette page n'a pas pu s'ouvrir »), with no error."""
    _demo(db)
    nord = make_desks(db, admin, make_agent).nord
    make_agent(
        (Role.ADMINISTRATEUR, None),
        (Role.COORDINATEUR, None),
        (Role.ACCUEIL, nord),
        (Role.MEDIATEUR, nord),
        (Role.AIDANT, nord),
        login="partout",
    )
    probe = PROBE_HEAD + (
        "from PySide6.QtCore import QTimer\n"
        "from ui.widgets import PlaceholderPage\n"
        "import ui.crash\n"
        "ui.crash.report_exception = lambda kind, exc, tb, parent=None: errors.append(repr(exc))\n"
        "opened = []\n"
        "at_sign_in = []\n"
        "show = mw.MainWindow.show\n"
        "def visit(window):\n"
        "    at_sign_in.append('mediation.models' in sys.modules)\n"
        "    show(window)\n"
        "    for i in range(window.rail.count()):\n"
        "        key = window.rail.item(i).data(mw.RAIL_ROLE_KEY)\n"
        "        window.open_page(key)\n"
        "        settle(lambda: not window.current_page_loading())\n"
        "        page = window.current_page()\n"
        "        name = 'broken' if isinstance(page, PlaceholderPage) else type(page).__name__\n"
        "        opened.append(f'{key}:{name}')\n"
        "    QTimer.singleShot(0, QApplication.instance().quit)\n"
        "mw.MainWindow.show = visit\n"
        "status = main.main([])\n"
        "print('STATUS', status, 'ERRORS', errors)\n"
        "print('MODELS AT SIGN-IN', *at_sign_in)\n"
        "print('OPENED', *opened)\n"
    )
    out = _start_desk(
        db,
        tmp_path / "home",
        probe,
        MEDIANUM_AGENT="partout",
        MEDIANUM_PASSWORD="mot-de-passe-solide",
    )
    assert "STATUS 0 ERRORS []" in out, out
    assert "MODELS AT SIGN-IN False" in out, out
    opened = out.split("OPENED", 1)[1].split()
    assert len(opened) >= 8, opened  # every domain's pages, for an agent with every role
    assert not [p for p in opened if p.endswith(":broken")], opened
