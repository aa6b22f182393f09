"""What the mandate page and the beneficiary's file run off the GUI thread: record a mandate
and write its PDF to the data folder's exports."""

from __future__ import annotations

from pathlib import Path

from core import fichiers_nominatifs, paths
from core.i18n import _
from core.progress import Progress
from mediation.mandats.creation import create_mandat
from mediation.mandats.impression import print_mandat
from ui.context import AppContext
from ui.pages.mandats.wizard import MandatRequest


def mandats_folder() -> Path:
    folder = paths.export_dir() / "mandats"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_and_print_mandat(
    ctx: AppContext, request: MandatRequest, progress: Progress
) -> tuple[Path, str]:
    """Record the mandate the wizard gathered and write its PDF; (PDF path, reference)."""
    with ctx.db.session() as session:
        mandat = create_mandat(
            session,
            ctx.actor,
            request.beneficiaire_id,
            categories=request.categories,
            duree_jours=request.duree_jours,
            identite=request.identite,
            mentions_lues=request.mentions_lues,
            hors_mesure_protection=request.hors_mesure_protection,
            actions_specifiques=request.actions,
        )
        progress.step(1, 2, _("Impression"))
        pdf = print_mandat(session, ctx.actor, mandat.id)
        path = mandats_folder() / f"{mandat.reference}.pdf"
        write_paper(path, pdf, mandat.beneficiaire_id)
        return path, mandat.reference


def write_paper(path: Path, pdf: bytes, beneficiaire_id: int) -> Path:
    """Write a mandate's paper in the exports, recorded as naming the person: erasing them
    deletes it (``core.fichiers_nominatifs``)."""
    path.write_bytes(pdf)
    fichiers_nominatifs.record(path, [beneficiaire_id])
    return path
