"""Table models of the fragility page: validation problems, results, comparison (French display).

The data are small once computed (one row per commune), so the models hold them in memory; the
validation report of a large broken file is capped for display, the full report being exportable.

The computing modules (pandas, scipy, statsmodels through ``fragilite.calcul``) are not imported
here: the page is built without them, and they are loaded off the GUI thread before any model is
filled (``ui.pages.fragilite``); the functions below then find them already imported.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from core.i18n import N_, _, format_number

if TYPE_CHECKING:
    import pandas as pd

    from fragilite.calcul import Resultat
    from fragilite.lecture import Probleme

Index = QModelIndex | QPersistentModelIndex
MAX_PROBLEMES_AFFICHES = 5000

STATUTS = {
    "ok": N_("fiable"),
    "peu_fiable": N_("peu fiable (lissé)"),
    "masque": N_("masqué (trop peu)"),
}


class _Model(QAbstractTableModel):
    headers: list[str]
    rows: list[list[str]]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.headers, self.rows = [], []

    def _set(self, headers: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.headers, self.rows = headers, rows
        self.endResetModel()

    def vider(self) -> None:
        self._set([], [])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None


class ProblemesModel(_Model):
    def charger(self, problemes: list[Probleme]) -> None:
        self._set(
            [_("Ligne"), _("Colonne"), _("Valeur"), _("Problème")],
            [
                [str(p.ligne), p.colonne, p.valeur, p.motif]
                for p in problemes[:MAX_PROBLEMES_AFFICHES]
            ],
        )


def _estimate(value: float, low: float, high: float, name: str) -> str:
    from fragilite.cartes import formater

    if not math.isfinite(value):
        return "—"
    return f"{formater(value, name)}  [{formater(low, name)} – {formater(high, name)}]"


def ordre(choisi: str) -> list[str]:
    from fragilite.estimation import COLONNES_ESTIMEES

    return [choisi, *(n for n in COLONNES_ESTIMEES if n != choisi)]


class ResultatsModel(_Model):
    """One row per commune then the territory; the chosen indicator first, with its interval."""

    def charger(self, resultat: Resultat, choisi: str) -> None:
        from fragilite.cartes import non_calculable, titre

        est = resultat.estimations
        names = ordre(choisi)
        communes = [*est.territoire.communes, (est.territoire.siren, est.territoire.nom)]
        pull = est.poids_territoire_moyen()
        rows = []
        for i, (code, nom) in enumerate(communes):
            hidden = est.statut[i] == "masque"
            flag = _(" — non calée") if code in resultat.communes_sans_marges else ""
            territory_row = i == len(communes) - 1
            rows.append(
                [
                    nom,
                    "—" if hidden else str(int(est.n[i])),
                    "—" if hidden else format_number(float(est.n_eff[i]), 1),
                    _(STATUTS[est.statut[i]]) + flag,
                    *[
                        _("non calculable")
                        if non_calculable(est, n, i)
                        else _estimate(
                            float(est.valeurs[n][i]),
                            float(est.ic_bas[n][i]),
                            float(est.ic_haut[n][i]),
                            n,
                        )
                        for n in names
                    ],
                    "—"
                    if hidden or territory_row or not math.isfinite(pull[i])
                    else format_number(100 * float(pull[i]), 0) + " %",
                ]
            )
        self._set(
            [_("Commune"), _("Répondants"), _("n efficace"), _("Statut")]
            + [titre(n) + " " + _("[IC 95 %]") for n in names]
            + [_("Poids du territoire (lissage)")],
            rows,
        )


class ComparaisonModel(_Model):
    def charger(self, frame: pd.DataFrame, choisi: str) -> None:
        from fragilite.cartes import formater, titre

        names = ordre(choisi)
        rows = []
        for rec in frame.to_dict("records"):
            row = [
                str(rec["commune"]),
                _(STATUTS[str(rec["statut_avant"])]),
                _(STATUTS[str(rec["statut_apres"])]),
            ]
            for n in names:
                change = float(rec[f"{n}_evolution"])
                if not math.isfinite(change):
                    row.append("—")
                    continue
                scale = 100.0 if n != "indice" else 1.0
                unit = _(" pts") if n != "indice" else ""
                lo = float(rec[f"{n}_evolution_ic_bas"]) * scale
                hi = float(rec[f"{n}_evolution_ic_haut"]) * scale
                row.append(
                    f"{formater(float(rec[f'{n}_avant']), n)} → "
                    f"{formater(float(rec[f'{n}_apres']), n)} : "
                    f"{format_number(change * scale, 1)}{unit} "
                    f"[{format_number(lo, 1)} ; {format_number(hi, 1)}]"
                )
            rows.append(row)
        self._set(
            [_("Commune"), _("Statut avant"), _("Statut après")]
            + [titre(n) + " " + _("(évolution, IC 95 %)") for n in names],
            rows,
        )
