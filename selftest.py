"""``medianum self-test``: checks that an installed Médianum can do its essential work on this PC.

An IT service runs it after installing or upgrading: it proves that the bundle holds the
migrations, the templates, the map assets and the libraries, without touching the desk's data.
Everything happens in a temporary folder: a fresh database migrated to the code's schema, a
journal entry verified, a keyring entry written, read back and deleted, a chequebook and a mandate
rendered as PDF and read back, the offline map built, and every page of the window imported
(which loads Qt and its web engine).

It lives above every domain (next to ``main.py``), not in ``core``: it exercises the domains and
the window, which ``core`` must never name. The domains' checks are listed with their domain in
``domaines.py``, which hands them over with the rest of the list.

A step is « ok », « échec » (the exit status is then 1), or « absent » (the PC has no keyring:
said clearly, not a failure, since Médianum works without one as long as no secret is needed).
"""

from __future__ import annotations

import argparse
import io
import json
import secrets as pysecrets
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import journal_actions
from core.domaine import Domaine
from core.errors import KeyringUnavailableError
from core.i18n import N_, _

if TYPE_CHECKING:
    from core.cli import CliContext, FrenchParser
    from core.db import Database

OK = "ok"
ECHEC = "echec"
ABSENT = "absent"

_STATUS_TEXT = {
    OK: "OK",
    ECHEC: "ÉCHEC",
    ABSENT: "ABSENT",
}


class NoKeyring(Exception):
    """The PC offers no keyring: reported, not a failure."""


@dataclass
class StepResult:
    etape: str
    statut: str
    detail: str
    duree_s: float


@dataclass
class _Workspace:
    folder: Path
    db: Database | None = None


def _pdf_text(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


def _check_pdf(path: Path, data: bytes, expected: str) -> str:
    path.write_bytes(data)
    pages, text = _pdf_text(path.read_bytes())
    if pages < 1 or expected not in text.replace("\n", " "):
        raise RuntimeError(
            _("le PDF écrit ne contient pas le texte attendu « {text} »").format(text=expected)
        )
    return _("{pages} page(s), {size} Ko, relu").format(pages=pages, size=len(data) // 1024)


def _applied_revisions(db: Database) -> set[str]:
    """Every revision applied: alembic stores only the heads that no other branch depends on."""
    from alembic.script import ScriptDirectory

    from core import migrate

    script = ScriptDirectory.from_config(migrate.alembic_config())
    current = tuple(migrate.current_revisions(db))
    return {rev.revision for rev in script.iterate_revisions(current, "base") if rev is not None}


# --- steps ---------------------------------------------------------------------------------------


def _step_database(ws: _Workspace) -> str:
    from core import journal, migrate
    from core.db import Database

    db = Database(f"sqlite:///{ws.folder / 'autotest.sqlite3'}")
    ws.db = db
    migrate.upgrade(db, backup=False)
    if not migrate.script_heads() <= _applied_revisions(db):
        raise RuntimeError(_("la base n'est pas au niveau du code après migration"))
    with db.session() as session:
        journal_actions.autotest(session, None, 1, etape="base")
    with db.read_session() as session:
        report = journal.verify_journal(session)
    if not report.ok or report.count != 1:
        raise RuntimeError(_("le journal écrit n'a pas pu être vérifié"))
    with db.engine.connect() as conn:
        integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    if integrity != "ok":
        raise RuntimeError(str(integrity))
    return _("{n} migrations appliquées, journal vérifié").format(n=len(migrate.script_heads()))


def _step_keyring(ws: _Workspace) -> str:
    from core import secrets

    if not secrets.keyring_available():
        raise NoKeyring(
            _(
                "aucun trousseau de clés sur ce poste : Médianum fonctionne, mais ne pourra "
                "pas retenir un mot de passe PostgreSQL"
            )
        )
    name = f"autotest-{pysecrets.token_hex(6)}"
    value = pysecrets.token_urlsafe(24)
    secrets.set_secret(name, value)
    try:
        if secrets.get_secret(name) != value:
            raise RuntimeError(_("le secret relu diffère du secret écrit"))
    finally:
        secrets.delete_secret(name)
    return _("secret écrit, relu puis effacé")


# The domains' checks: domaines.py lists each with its domain. A library left out of the bundle
# fails their import, which the self-test reports as a failure.


def check_chequebook(folder: Path) -> str:
    from pass_numerique import serials
    from pass_numerique.issuance import ChequebookPrint, PrintedPass
    from pass_numerique.pdf import chequebook_pdf

    today = date.today()
    serial = serials.new_serial()
    book = ChequebookPrint(
        chequier_id=1,
        porteur="Camille E.",
        campagne="Campagne d'autotest",
        financeur="Autotest",
        debut=today,
        fin=today + timedelta(days=30),
        expire_le=today + timedelta(days=30),
        valeur_cents=1000,
        structures=[],
        passes=[PrintedPass(serial, 1, 1000, today + timedelta(days=30), f"AUTOTEST;{serial}")],
    )
    return _check_pdf(folder / "chequier.pdf", chequebook_pdf(book), serials.display(serial))


def check_mandate(folder: Path) -> str:
    from mediation.mandats import templates as mandat_templates
    from mediation.mandats.models import Mandat, MandatCategorie
    from mediation.mandats.pdf import mandat_pdf

    start = datetime.now(UTC)
    reference = "M-AUTOTEST-1"
    mandat = Mandat(
        reference=reference,
        mandant_nom="Exemple",
        mandant_prenom="Camille",
        mandant_date_naissance=date(1970, 1, 1),
        mandant_lieu_naissance="La Rochelle",
        mandant_cle="",
        mandataire_nom="Structure d'essai",
        mandataire_adresse="1 rue de l'Essai, 17000 La Rochelle",
        lieu_signature="La Rochelle",
        actions_specifiques="",
        duree_jours=1,
        debut=start,
        fin=start + timedelta(days=1),
        template_version=mandat_templates.current_version(date.today()),
        integrity_code="0" * 64,
        categories=[MandatCategorie(categorie="social", rang=1)],
    )
    return _check_pdf(folder / "mandat.pdf", mandat_pdf(mandat), reference)


def check_map(folder: Path) -> str:
    from core.webmap import offline_html
    from lieux.carte import construire_carte
    from lieux.models import Lieu

    lieu = Lieu(
        id=1,
        identifiant="autotest-1",
        pivot="00000000000000",
        nom="Lieu d'autotest",
        commune="La Rochelle",
        code_postal="17000",
        code_insee="17300",
        adresse="1 rue de l'Essai",
        latitude=46.1591,
        longitude=-1.1520,
        date_maj=date.today(),
    )
    html = offline_html(construire_carte([lieu]))
    path = folder / "carte.html"
    path.write_text(html, encoding="utf-8")
    lowered = html.lower()
    external = [
        marker
        for marker in ('<script src="http', '<link href="http', "src='http")
        if marker in lowered
    ]
    if external:
        raise RuntimeError(_("la carte charge encore des fichiers depuis internet"))
    if "L.map(" not in html and "l.map(" not in lowered:
        raise RuntimeError(_("la carte ne contient pas Leaflet"))
    if "Lieu d'autotest" not in html and "Lieu d\\u0027autotest" not in html:
        raise RuntimeError(_("le lieu d'essai manque sur la carte"))
    return _("carte hors ligne de {size} Ko").format(size=len(html.encode()) // 1024)


def _step_pages(ws: _Workspace) -> str:
    # Importing every page of the window loads Qt's shared libraries (the web engine's too, for
    # the maps) and the modules a bundle might have left out: a missing one fails here, with its
    # name, rather than when a desk opens the page. Core never imports Qt itself: the pages do.
    import importlib

    from core import paths
    from ui.pages import PAGES, page_class

    absent = [spec.key for spec in PAGES if page_class(spec) is None]
    # The maps run in a map host (ui.map_host) that the window starts: its web engine must be in
    # the bundle too, though no page imports it.
    importlib.import_module("ui.map_host")
    importlib.import_module("PySide6.QtWebEngineWidgets")
    if not list(paths.LOCALE_DIR.glob("*/LC_MESSAGES/medianum.mo")):
        raise RuntimeError(_("les traductions compilées de Médianum manquent"))
    detail = _("{n} pages chargées avec Qt et le moteur web").format(n=len(PAGES) - len(absent))
    if absent:
        detail += _(" ; pages pas encore écrites : {pages}").format(pages=", ".join(absent))
    return detail


Step = tuple[str, Callable[[_Workspace], str]]  # N_()-marked title, step


def _steps(domaines: Sequence[Domaine]) -> list[Step]:
    """The installation's own steps around each domain's checks, in the order of domaines.py."""

    def in_folder(check: Callable[[Path], str]) -> Callable[[_Workspace], str]:
        return lambda ws: check(ws.folder)

    return [
        (N_("Base de données temporaire et migrations"), _step_database),
        (N_("Trousseau de clés"), _step_keyring),
        *((a.titre, in_folder(a.verifier)) for d in domaines for a in d.autotest),
        (N_("Pages de l'interface (Qt)"), _step_pages),
    ]


def run_selftest(domaines: Sequence[Domaine]) -> list[StepResult]:
    """Run every step in a temporary folder removed afterwards; one result per step."""
    results: list[StepResult] = []
    folder = Path(tempfile.mkdtemp(prefix="medianum-autotest-"))
    ws = _Workspace(folder)
    try:
        for title, step in _steps(domaines):
            started = time.perf_counter()
            try:
                detail, status = step(ws), OK
            except NoKeyring as exc:
                detail, status = str(exc), ABSENT
            except KeyringUnavailableError as exc:
                detail, status = str(exc), ECHEC
            except Exception as exc:  # noqa: BLE001 - a self-test reports any failure, and goes on
                detail, status = f"{type(exc).__name__}: {exc}", ECHEC
            results.append(
                StepResult(_(title), status, detail, round(time.perf_counter() - started, 3))
            )
    finally:
        if ws.db is not None:
            ws.db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    return results


def succeeded(results: list[StepResult]) -> bool:
    return all(r.statut != ECHEC for r in results)


def _handler(ctx: CliContext) -> int:
    results = run_selftest(ctx.domaines)
    ok = succeeded(results)
    if ctx.json_output:
        payload: dict[str, Any] = {"reussi": ok, "etapes": [asdict(r) for r in results]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for r in results:
            print(f"[{_STATUS_TEXT[r.statut]}] {r.etape} : {r.detail}")
        print(
            _("Autotest réussi.")
            if ok
            else _("Autotest en échec : voir les étapes marquées ÉCHEC ci-dessus.")
        )
    return 0 if ok else 1


def register(sub: argparse._SubParsersAction[FrenchParser]) -> None:
    sub.add_parser(
        "self-test",
        help=_("vérifier l'installation (base temporaire, trousseau, PDF, carte)"),
    ).set_defaults(handler=_handler)
