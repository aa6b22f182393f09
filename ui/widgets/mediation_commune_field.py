"""A commune of residence field: territory communes offered first by a completer, any other
French commune accepted and marked « hors territoire »; the INSEE code is what is stored."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QWidget,
)

from core.errors import ValidationError
from core.i18n import _
from core.territory import cog

_CODE = re.compile(r"\((\d[\dAB]\d{3})\)\s*$|^\s*(\d[\dAB]\d{3})\s*$")


class CommuneField(QWidget):
    def __init__(self, territoire: dict[str, str], parent: Any = None) -> None:
        """``territoire``: INSEE code → name of the territory's communes."""
        super().__init__(parent)
        self.territoire = territoire
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(_("Commune de résidence"))
        self.edit.setPlaceholderText(_("Nom ou code INSEE de la commune"))
        self.marque = QLabel(self)
        self.marque.setAccessibleName(_("Commune hors territoire"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.marque)
        inside = sorted(f"{nom} ({code})" for code, nom in territoire.items())
        outside = sorted(
            f"{c.nom} ({c.code_insee})" for c in cog().values() if c.code_insee not in territoire
        )
        completer = QCompleter(QStringListModel(inside + outside, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        completer.setModelSorting(QCompleter.ModelSorting.UnsortedModel)
        self.edit.setCompleter(completer)
        self.edit.textChanged.connect(self._marquer)
        self.setFocusProxy(self.edit)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_code(self, code: str | None) -> None:
        if not code:
            self.edit.clear()
            return
        found = cog().get(code)
        self.edit.setText(f"{found.nom} ({code})" if found else code)

    def code_insee(self) -> str | None:
        """The chosen INSEE code, None if empty; ValidationError if it names no commune."""
        text = self.edit.text().strip()
        if not text:
            return None
        match = _CODE.search(text)
        if match:
            code = match.group(1) or match.group(2)
        else:
            by_name = [code for code, nom in self.territoire.items() if nom.lower() == text.lower()]
            if len(by_name) != 1:
                raise ValidationError(
                    _("Commune inconnue : « {text} ». Choisissez-la dans la liste.").format(
                        text=text
                    ),
                    field="commune_insee",
                )
            code = by_name[0]
        if code not in cog():
            raise ValidationError(
                _("Code INSEE inconnu : « {code} ».").format(code=code), field="commune_insee"
            )
        return code

    def hors_territoire(self) -> bool:
        try:
            code = self.code_insee()
        except ValidationError:
            return False
        return code is not None and code not in self.territoire

    def _marquer(self) -> None:
        self.marque.setText(_("hors territoire") if self.hors_territoire() else "")
