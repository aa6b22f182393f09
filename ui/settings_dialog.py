"""Settings of this desk: language, inactivity lock, text size (``core.settings``)."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.errors import MedianumError
from core.i18n import _
from core.settings import SPECS, Settings
from ui.widgets import show_error

LANGUAGES = (("fr", "Français"), ("en", "English"))
_BASE_POINT_SIZE = "medianum_base_point_size"


def apply_font_scale(app: QApplication, percent: int) -> None:
    """Scale the application font from the system's size (not from the last scaled one)."""
    base = app.property(_BASE_POINT_SIZE)
    if base is None:
        base = QFont(app.font()).pointSizeF()
        if base <= 0:
            base = 10.0
        app.setProperty(_BASE_POINT_SIZE, base)
    font = QFont(app.font())
    font.setPointSizeF(float(base) * percent / 100)
    app.setFont(font)


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(_("Paramètres"))
        self.setAccessibleName(_("Paramètres"))
        layout = QVBoxLayout(self)
        form = QFormLayout()

        self.language = QComboBox()
        self.language.setAccessibleName(_(SPECS["language"].title))
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(settings.get("language")), 0))
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setAccessibleName(_(SPECS["lock_minutes"].title))
        self.lock_minutes.setRange(SPECS["lock_minutes"].minimum or 1, 240)
        self.lock_minutes.setSuffix(_(" min"))
        self.lock_minutes.setValue(int(settings.get("lock_minutes")))
        self.font_scale = QSpinBox()
        self.font_scale.setAccessibleName(_(SPECS["font_scale"].title))
        self.font_scale.setRange(SPECS["font_scale"].minimum or 50, 250)
        self.font_scale.setSingleStep(10)
        self.font_scale.setSuffix(" %")
        self.font_scale.setValue(int(settings.get("font_scale")))

        for key, widget in (
            ("language", self.language),
            ("lock_minutes", self.lock_minutes),
            ("font_scale", self.font_scale),
        ):
            label = QLabel(_(SPECS[key].title) + " :")
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout.addLayout(form)
        note = QLabel(_("Le changement de langue prend effet au prochain démarrage de Médianum."))
        note.setWordWrap(True)
        layout.addWidget(note)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            self.settings.set("language", str(self.language.currentData()))
            self.settings.set("lock_minutes", self.lock_minutes.value())
            self.settings.set("font_scale", self.font_scale.value())
            self.settings.save()
        except (MedianumError, OSError) as exc:
            if isinstance(exc, OSError):
                show_error(
                    self,
                    MedianumError(
                        _("Les paramètres n'ont pas pu être enregistrés ({reason}).").format(
                            reason=exc.strerror or exc
                        )
                    ),
                )
            else:
                show_error(self, exc)
            return
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_font_scale(app, self.font_scale.value())
        self.accept()
