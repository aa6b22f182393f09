"""What an accessibility check sees: the interactive widgets of a window and their French names,
named the way Qt's accessibility names them for a screen reader."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenuBar,
    QPlainTextEdit,
    QSlider,
    QTabBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
    QSlider,
)
# Parts that Qt builds inside a composite widget and names through it (a line edit's clear
# button, a menu bar's overflow arrow, a tab bar's scroll arrows).
COMPOSITES = (QComboBox, QAbstractSpinBox, QTabBar, QHeaderView, QLineEdit, QMenuBar)


def _inside_a_composite(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root.parentWidget():
        if isinstance(parent, COMPOSITES):
            return True
        if isinstance(parent, QAbstractItemView) and isinstance(widget, QAbstractButton):
            return True  # a table's corner button
        parent = parent.parentWidget()
    return False


def interactive_widgets(root: QWidget) -> list[QWidget]:
    found = [root] if isinstance(root, INTERACTIVE) else []
    found += [w for w in root.findChildren(QWidget) if isinstance(w, INTERACTIVE)]
    return [w for w in found if not isinstance(w, QHeaderView) and not _inside_a_composite(w, root)]


def _named_by_buddy(root: QWidget) -> set[int]:
    named: set[int] = set()
    window = root.window()
    for label in window.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None and label.text().strip():
            named.add(id(buddy))
            proxy = buddy.focusProxy()
            if proxy is not None:
                named.add(id(proxy))
    return named


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader announces: the accessible name, else a button's own text."""
    name = widget.accessibleName().strip()
    if not name and isinstance(widget, QAbstractButton):
        name = widget.text().replace("&", "").strip()
    return name


def unnamed(root: QWidget) -> list[str]:
    """Interactive widgets under ``root`` that a screen reader could only call « button »,
    « edit »…: no accessible name, no text of their own, no label pointing at them."""
    by_buddy = _named_by_buddy(root)
    problems = []
    for widget in interactive_widgets(root):
        if accessible_name(widget) or id(widget) in by_buddy:
            continue
        owner = widget.parentWidget()
        where = type(owner).__name__ if owner is not None else ""
        hint = getattr(widget, "placeholderText", lambda: "")() or widget.toolTip()
        problems.append(f"{type(widget).__name__} in {where} {hint!r}".strip())
    return problems
