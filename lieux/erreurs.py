"""System errors told in French: ``OSError.strerror`` is the C library's English."""

from __future__ import annotations

import errno

from core.i18n import _


def raison_systeme(exc: OSError) -> str:
    """Why the system refused to read or write a file, in French."""
    reasons = {
        errno.ENOENT: _("fichier ou dossier introuvable"),
        errno.EACCES: _("accès refusé"),
        errno.EPERM: _("accès refusé"),
        errno.EISDIR: _("c'est un dossier, pas un fichier"),
        errno.ENOTDIR: _("un élément du chemin n'est pas un dossier"),
        errno.ENOSPC: _("disque plein"),
        errno.EROFS: _("support en lecture seule"),
    }
    return reasons.get(exc.errno or 0, _("erreur système n° {code}").format(code=exc.errno))
