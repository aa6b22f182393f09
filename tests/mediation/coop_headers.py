"""Header rows of the national tool's exports, copied from its public source as test data.

Provenance (read on 30/11/2026):

- ACCOMPAGNEMENTS: repository ``inclusion-numerique/coop-mediation-numerique``, file
  ``apps/web/src/features/activites/use-cases/list/export/buildAccompagnementsWorksheet.ts``,
  commit ``0b78df5fd3ef93fc0084ae29618070f75df78bee``, constant ``activitesTableHeaders`` as it
  reads for an export of someone else's activities (``isSelfExport`` false: a coordinator's, the
  only kind Médianum writes, since its list covers every mediator of the scope) and without
  « Source de la donnée » (``hasCraV1`` false: Médianum has no V1 reports).
- BENEFICIAIRES: same repository, file
  ``apps/web/src/features/beneficiaire/abilities/exporter-beneficiaires/implementation/``
  ``build-beneficiaires-worksheet.ts``, commit ``086e7adfb34f68f4eac1271862ce22ca7bc963ab``,
  constant ``beneficiairesTableHeaders``.

The apostrophes are the typographic ones (U+2019) of the source.
"""

from __future__ import annotations

ACCOMPAGNEMENTS: tuple[str, ...] = (
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Prénom du médiateur",
    "Nom du médiateur",
    "Rôle",
    "ID - Conum",
    "Type",
    "Participants",
    "Canaux d\u2019accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l\u2019atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d\u2019accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d\u2019autonomie (ou de l\u2019atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d\u2019âge du bénéficiaire",
    "Statut du bénéficiaire",
    "ID CRA",
)

BENEFICIAIRES: tuple[str, ...] = (
    "Nom",
    "Prénom",
    "Année de naissance",
    "Nom de la commune",
    "Code INSEE",
    "Code postal",
    "N° de téléphone",
    "E-mail",
    "Genre",
    "Tranche d\u2019âge",
    "Statut",
    "Nombre d\u2019accompagnements",
    "Notes supplémentaires",
)
