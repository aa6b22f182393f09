"""Text for the survey's PDFs (the report and the single maps), in the font they both use.

Its own module so that the map (``cartes``) and the report (``rapport``, which draws the map) do
not import each other.
"""

from __future__ import annotations

# Helvetica's encoding (WinAnsi) has every French letter but no Greek or maths signs.
_REMPLACEMENTS = {"τ": "tau", "Σ": "somme ", "≥": ">=", "≤": "<=", "√": "racine de ", "−": "-"}


def police_texte() -> str:
    return "Helvetica"


def texte_pdf(text: str) -> str:
    for old, new in _REMPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("cp1252", errors="replace").decode("cp1252")
