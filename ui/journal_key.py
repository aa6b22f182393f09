"""A desk that lacks the journal's key (it joins a shared database, or the key was rotated on
another desk) is told so in French and asked for the key's file, before it tries to write."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from core.errors import MedianumError
from core.i18n import _
from core.journal_cle import EtatJournal, import_key_file
from ui.widgets import confirm, show_error, show_info


def choose_key_file(parent: QWidget | None) -> Path | None:
    name, _filter = QFileDialog.getOpenFileName(
        parent, _("Fichier de la clé du journal"), str(Path.home())
    )
    return Path(name) if name else None


def offer_key_import(parent: QWidget | None, state: EtatJournal) -> bool:
    """Say what is missing and offer to import the key's file; True once it is imported."""
    message = state.message()
    if state.can_write or message is None:
        return True
    if not confirm(parent, message, yes_label=_("Importer la clé…")):
        return False
    source = choose_key_file(parent)
    if source is None:
        return False
    try:
        kid = import_key_file(source)
    except MedianumError as exc:
        show_error(parent, exc)
        return False
    show_info(parent, _("Clé du journal {kid} importée.").format(kid=kid))
    return True
