"""The application's style sheet: a focus ring that can always be seen.

RGAA (and WCAG 2.4.7, 1.4.11) asks that the keyboard focus be visible, with a contrast of at
least 3:1 against what surrounds it. The style's own focus marks are a 1 px tint on fields and a
dotted line on check boxes; here every interactive widget gets a 2 px ring of ``FOCUS_COLOUR``
(contrast 6.6:1 on white, 5.9:1 on the light grey of windows) when it has the focus. Unfocused
widgets keep a transparent or grey border of the same width, so nothing moves when focus does.
Sizes are in em or px of the border only: the interface still scales with the font.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

# The system's font size, kept on the application before the first scaling.
_BASE_POINT_SIZE = "medianum_base_point_size"

FOCUS_COLOUR = "#0b57d0"
FIELD_BORDER = "#767676"  # 4.5:1 on white: the edge of a field is itself visible

STYLE_SHEET = f"""
QPushButton {{
    border: 1px solid {FIELD_BORDER};
    border-radius: 3px;
    padding: 0.25em 0.9em;
    margin: 1px;
    background: #f7f7f7;
    color: #1a1a1a;
}}
QPushButton:hover {{ background: #e6eef9; }}
QPushButton:pressed, QPushButton:checked {{ background: #cfdcf2; }}
QPushButton:disabled {{ color: #6b6b6b; background: #eeeeee; border-color: #b5b5b5; }}
QPushButton:default {{ border-width: 1px; border-color: #1a1a1a; }}
QPushButton:focus {{ border: 2px solid {FOCUS_COLOUR}; margin: 0px; }}

QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox, QComboBox {{
    border: 1px solid {FIELD_BORDER};
    border-radius: 2px;
    padding: 1px 2px;
    margin: 1px;
    background: white;
    color: #1a1a1a;
}}
QLineEdit:disabled, QAbstractSpinBox:disabled, QComboBox:disabled {{
    background: #eeeeee; color: #6b6b6b;
}}
QLineEdit:read-only {{ background: #f2f2f2; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QAbstractSpinBox:focus,
QComboBox:focus {{
    border: 2px solid {FOCUS_COLOUR};
    margin: 0px;
}}

QCheckBox, QRadioButton {{
    border: 2px solid transparent;
    border-radius: 3px;
    padding: 1px;
}}
QCheckBox:focus, QRadioButton:focus {{ border: 2px solid {FOCUS_COLOUR}; }}

QAbstractItemView, QTabWidget::pane {{ border: 1px solid #a0a0a0; }}
QAbstractItemView:focus {{ border: 2px solid {FOCUS_COLOUR}; }}
"""


def apply_style(app: QApplication) -> None:
    app.setStyleSheet(STYLE_SHEET)


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
