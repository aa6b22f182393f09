"""A person's rights over their data (RGPD): access (everything held, as JSON and as a readable
PDF), erasure (personal fields removed, anonymous statistics kept), and the retention policy.

Erasure pseudonymises rather than deletes: the row keeps its id, genre, age band, statut and
commune, so the statistics of past years do not change and the journal, which refers to the id,
stays verifiable. The name becomes « Personne effacée n° <id> ».

Mandates come first: while one of the person's mandates is in force, their file is neither
erased on request (refused with the date from which it becomes possible) nor listed by the
retention policy. Once every mandate has ended (a revocation ends it), the file is erased like
any other, and the mandates keep only the proof that they existed (see ``erase_beneficiaire``).
Each erasure is written to a ledger outside the database that a restore replays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, event, func, inspect, select, update
from sqlalchemy.orm import Session

from core import fichiers_nominatifs
from core.auth import Actor, Permission, require
from core.db import Database, utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.i18n import _, format_date, format_datetime, format_money
from core.installation import get_setting
from core.models import Agent, AuditEntry, Structure
from core.territory import cog
from mediation import journal as journal_mediation
from mediation import referentiel as ref
from mediation import registre_effacements as ledger
from mediation.demarrage import LEDGER_IDS_PER_QUERY
from mediation.mandats.retention import (
    active_mandate_until,
    erase_mandant_identity,
    has_active_mandate_clause,
)
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
    Diagnostic,
)

PSEUDONYM = "Personne effacée n° {id}"
DEFAULT_RETENTION_YEARS = 3


def pseudonym(beneficiaire_id: int) -> str:
    return PSEUDONYM.format(id=beneficiaire_id)


# --- right of access ----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row_dict(obj: Any) -> dict[str, Any]:
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in inspect(obj).mapper.column_attrs}


_OWN_TABLES = frozenset({"beneficiaire", "diagnostic", "accompagnement_participant"})


def foreign_references(session: Session) -> list[tuple[Table, Column[Any]]]:
    """(table, column) of other domains' tables (passes, mandates…) pointing at a beneficiary,
    among the tables this database has (a domain not migrated yet has none)."""
    from core.migrate import load_all_models

    present = set(inspect(session.connection()).get_table_names())
    found = []
    for table in load_all_models().sorted_tables:
        if table.name in _OWN_TABLES or table.name not in present:
            continue
        for column in table.c:
            if any(fk.column.table.name == "beneficiaire" for fk in column.foreign_keys):
                found.append((table, column))
    return found


_NOT_ABOUT_THE_PERSON = frozenset({"audit_entry"})
_LINK_DEPTH = 3  # beneficiary → chequebook → pass → redemption


def _other_domains(session: Session, beneficiaire_id: int) -> dict[str, list[dict[str, Any]]]:
    """Rows of other domains' tables about this person: those pointing at the beneficiary,
    then those pointing at these rows (a chequebook's passes, a pass's redemption, a
    mandate's categories and revocations), found through the foreign keys so that this module
    names no other domain."""
    from core.migrate import load_all_models

    present = set(inspect(session.connection()).get_table_names())
    tables = [
        t
        for t in load_all_models().sorted_tables
        if t.name in present and t.name not in _OWN_TABLES | _NOT_ABOUT_THE_PERSON
    ]
    found: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    frontier: dict[str, set[int]] = {"beneficiaire": {beneficiaire_id}}
    for _depth in range(_LINK_DEPTH):
        reached: dict[str, set[int]] = {}
        for table, column, ids in _links_into(tables, frontier):
            rows = found.setdefault(table.name, {})
            for row in session.execute(select(table).where(column.in_(sorted(ids)))).mappings():
                key = tuple(row[c.name] for c in table.primary_key.columns)
                if key not in rows:
                    rows[key] = {k: _plain(v) for k, v in row.items()}
                    if "id" in row:
                        reached.setdefault(table.name, set()).add(int(row["id"]))
        frontier = reached
    return {name: list(rows.values()) for name, rows in found.items() if rows}


def _links_into(
    tables: list[Table], frontier: dict[str, set[int]]
) -> list[tuple[Table, Column[Any], set[int]]]:
    links = []
    for table in tables:
        for column in table.c:
            for fk in column.foreign_keys:
                ids = frontier.get(fk.column.table.name)
                if ids and fk.column.name == "id":
                    links.append((table, column, ids))
    return links


def _journal_about(
    session: Session, beneficiaire_id: int, others: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Journal entries about the person's file and about the rows of other domains held on
    them (the journal names each row by its table and id)."""
    targets = {"beneficiaire": {str(beneficiaire_id)}}
    for name, rows in others.items():
        targets[name] = {str(r["id"]) for r in rows if "id" in r}
    entries = []
    for entity_type, ids in targets.items():
        if not ids:
            continue
        query = select(AuditEntry, Agent.display_name).outerjoin(
            Agent, Agent.id == AuditEntry.agent_id
        )
        for entry, agent in session.execute(
            query.where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id.in_(ids))
        ):
            entries.append(
                {
                    "seq": entry.seq,
                    "at": _plain(entry.at),
                    "action": entry.action,
                    "entity_type": entry.entity_type,
                    "entity_id": entry.entity_id,
                    "agent": agent,
                }
            )
    return sorted(entries, key=lambda e: e["seq"])


def collect_personal_data(session: Session, actor: Actor, beneficiaire_id: int) -> dict[str, Any]:
    """Everything held on one beneficiary, as JSON-ready data (journalled: an export of personal
    data is an action that matters)."""
    b = _rights_file(session, actor, beneficiaire_id)
    if b.efface:
        raise NotFoundError(_("Bénéficiaire introuvable (n° {id}).").format(id=beneficiaire_id))
    structure = session.get(Structure, b.structure_id)
    identite = _row_dict(b)
    for internal in ("nom_cle", "prenom_cle"):
        identite.pop(internal, None)
    identite["tranche_age"] = ref.tranche_age(b.annee_naissance, b.tranche_age_declaree)
    commune = cog().get(b.commune_insee or "")
    identite["commune"] = commune.nom if commune else None
    identite["structure"] = structure.nom if structure else None
    if b.consentement_agent_id is not None:
        agent = session.get(Agent, b.consentement_agent_id)
        identite["consentement_agent"] = agent.display_name if agent else None
    diagnostics = [
        _row_dict(d)
        for d in session.scalars(
            select(Diagnostic).where(Diagnostic.beneficiaire_id == b.id).order_by(Diagnostic.date)
        )
    ]
    accompagnements = []
    for acc in session.scalars(
        select(Accompagnement)
        .join(AccompagnementParticipant)
        .where(AccompagnementParticipant.beneficiaire_id == b.id)
        .order_by(Accompagnement.date, Accompagnement.id)
    ):
        row = _row_dict(acc)
        row["thematiques"] = list(
            session.scalars(
                select(AccompagnementThematique.thematique).where(
                    AccompagnementThematique.accompagnement_id == acc.id
                )
            )
        )
        row["materiel"] = list(
            session.scalars(
                select(AccompagnementMateriel.materiel).where(
                    AccompagnementMateriel.accompagnement_id == acc.id
                )
            )
        )
        accompagnements.append(row)
    others = _other_domains(session, b.id)
    data = {
        "genere_le": _plain(utcnow()),
        "beneficiaire": identite,
        "diagnostics": diagnostics,
        "accompagnements": accompagnements,
        "autres_donnees": others,
        "journal": _journal_about(session, b.id, others),
    }
    journal_mediation.beneficiaire_export_donnees(
        session, actor, b.id, diagnostics=len(diagnostics), accompagnements=len(accompagnements)
    )
    return data


_FIELD_LABELS = {
    "id": "Numéro de dossier",
    "anonyme": "Anonyme",
    "nom": "Nom",
    "prenom": "Prénom",
    "annee_naissance": "Année de naissance",
    "date_naissance": "Date de naissance",
    "genre": "Genre",
    "tranche_age": "Tranche d'âge",
    "tranche_age_declaree": "Tranche d'âge déclarée",
    "statut": "Statut",
    "commune_insee": "Code INSEE de la commune",
    "commune": "Commune",
    "telephone": "Téléphone",
    "email": "E-mail",
    "notes": "Notes",
    "consentement_at": "Consentement recueilli le",
    "consentement_agent": "Consentement recueilli par",
    "structure": "Structure",
    "created_at": "Dossier créé le",
    "updated_at": "Dernière modification",
    "derniere_activite_at": "Dernière activité",
    "date": "Date",
    "equipement": "Équipement",
    "connexion_domicile": "Connexion à domicile",
    "usages": "Usages",
    "thematiques": "Thématiques",
    "autonomie": "Autonomie",
    "aide_entourage": "Une personne de l'entourage peut aider",
    "abc_diag_score": "Résultat ABC Diag (%)",
    "type": "Type",
    "duree_min": "Durée (min)",
    "lieu_type": "Lieu",
    "lieu_nom": "Nom du lieu",
    "materiel": "Matériel",
    "sous_themes_admin": "Sous-thèmes administratifs",
    "demarche_nom": "Démarche",
    "oriente": "Réorienté",
    "orientation": "Structure de redirection",
    "atelier_titre": "Titre de l'atelier",
    "atelier_niveau": "Niveau",
}
# Internal references, meaningless on paper (they stay in the JSON).
_PDF_HIDDEN = frozenset(
    {
        "structure_id",
        "agent_id",
        "consentement_agent_id",
        "efface",
        "beneficiaire_id",
        "cle_id",
        "created_by_id",
        "courante",
        "pass_structure_id",
        "lot_id",
        "reglement_id",
        "campagne_id",
        "decide_par",
        "entity_type",
    }
)
# Labels of the other sections, where the same column name may mean something else.
_SECTION_LABELS: dict[str, dict[str, str | None]] = {
    "diagnostic": {"id": "Numéro du diagnostic"},
    "accompagnement": {"id": "Numéro de l'accompagnement"},
    "mandat": {
        "id": "Numéro du mandat",
        "reference": "Référence du mandat",
        "mandant_nom": "Nom du mandant",
        "mandant_prenom": "Prénom du mandant",
        "mandant_date_naissance": "Date de naissance du mandant",
        "mandant_lieu_naissance": "Lieu de naissance du mandant",
        "mandant_cle": None,
        "mandataire_nom": "Structure mandataire",
        "mandataire_adresse": "Adresse de la structure mandataire",
        "lieu_signature": "Lieu de signature",
        "actions_specifiques": "Actions spécifiques",
        "duree_jours": "Durée (jours)",
        "debut": "Début",
        "fin": "Fin",
        "template_version": "Version du texte signé",
        "integrity_code": "Code de vérification imprimé",
        "created_at": "Enregistré le",
        "renouvelle_id": "Renouvelle le mandat n°",
        "revoque_at": "Révoqué le",
        "mandant_efface_at": "Identité effacée le",
    },
    "mandat_categorie": {
        "mandat_id": "Mandat n°",
        "categorie": "Catégorie de démarches",
        "rang": None,
        "revoquee_at": "Révoquée le",
        "revocation_id": "Révocation n°",
    },
    "mandat_revocation": {
        "id": "Numéro de la révocation",
        "mandat_id": "Mandat n°",
        "categorie": "Catégorie révoquée (toutes si vide)",
        "motif": "Motif",
        "remplace_par_id": "Remplacée par le mandat n°",
        "at": "Date",
    },
    "pass_chequier": {
        "id": "Numéro du chéquier",
        "emis_at": "Émis le",
        "remis_at": "Remis le",
        "opposition_at": "Opposition le",
        "reimpressions": "Réimpressions",
    },
    "pass": {
        "id": "Numéro interne du pass",
        "serial": "Numéro de série",
        "chequier_id": "Chéquier n°",
        "rang": "Rang dans le chéquier",
        "valeur_cents": "Valeur",
        "expire_le": "Expire le",
        "etat": "État",
        "annule_at": "Annulé le",
    },
    "pass_encaissement": {
        "id": "Numéro de l'encaissement",
        "pass_id": "Pass n°",
        "at": "Encaissé le",
        "source": "Enregistré depuis",
    },
    "pass_conflit": {
        "id": "Numéro du conflit",
        "pass_id": "Pass n°",
        "serial": "Numéro de série",
        "motif": "Motif",
        "encaisse_at": "Encaissé le",
        "statut": "Décision",
        "decide_at": "Décidé le",
        "note": "Note",
    },
    "journal": {
        "seq": "Entrée du journal n°",
        "at": "Date",
        "action": "Action",
        "entity_id": "Numéro de l'objet",
        "agent": "Agent",
    },
}
_SECTION_TITLES = {
    "mandat": "Mandats",
    "mandat_categorie": "Catégories de démarches des mandats",
    "mandat_revocation": "Révocations de mandats",
    "pass_chequier": "Chéquiers Pass numérique",
    "pass": "Pass numériques",
    "pass_encaissement": "Pass numériques encaissés",
    "pass_conflit": "Encaissements contestés",
}
# Text that looks like a date but is not one.
_NOT_DATES = frozenset({"template_version", "serial", "reference"})


def _display(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) >= 19 and value[10] == "T":
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _pdf_rows(values: dict[str, Any], section: str | None = None) -> list[tuple[str, str]]:
    """Label and value of each field worth printing, in plain French."""
    labels = _SECTION_LABELS.get(section or "", {})
    rows = []
    for key, value in values.items():
        label = labels[key] if key in labels else _FIELD_LABELS.get(key)
        if key in _PDF_HIDDEN or label is None or (section and key == "id" and key not in labels):
            continue
        rows.append((label, _section_value(key, value)))
    return rows


def _section_value(key: str, value: Any) -> str:
    if key in _NOT_DATES:
        return str(value) if value else "—"
    if key == "categorie" and isinstance(value, str):
        from mediation.mandats.models import CATEGORIES_BY_KEY

        found = CATEGORIES_BY_KEY.get(value)
        return found.titre if found else value
    if key == "valeur_cents" and isinstance(value, int):
        return format_money(value)
    return _display(value)


def write_access_pdf(data: dict[str, Any], path: Path) -> Path:
    """A readable PDF of ``collect_personal_data``'s result, for the person to take home."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    story: list[Any] = []

    def para(text: str, style: str = "BodyText") -> Paragraph:
        return Paragraph(escape(text), styles[style])

    def table(rows: list[tuple[str, str]]) -> Table:
        t = Table([[para(k), para(v)] for k, v in rows], colWidths=[6 * cm, 10.5 * cm])
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ]
            )
        )
        return t

    ident = data["beneficiaire"]
    story.append(para(_("Données personnelles détenues par Médianum"), "Title"))
    story.append(
        para(
            _(
                "Réponse à une demande d'accès (article 15 du RGPD), établie le {date}. Ce "
                "document contient toutes les informations enregistrées à votre sujet."
            ).format(date=_display(data["genere_le"]))
        )
    )
    story.append(Spacer(1, 0.4 * cm))
    story.append(para(_("Identité et coordonnées"), "Heading2"))
    story.append(table(_pdf_rows(ident)))
    story.append(
        para(_("Diagnostics des besoins ({n})").format(n=len(data["diagnostics"])), "Heading2")
    )
    for d in data["diagnostics"]:
        story.append(table(_pdf_rows(d, "diagnostic")))
        story.append(Spacer(1, 0.2 * cm))
    story.append(
        para(_("Accompagnements ({n})").format(n=len(data["accompagnements"])), "Heading2")
    )
    for a in data["accompagnements"]:
        story.append(table(_pdf_rows(a, "accompagnement")))
        story.append(Spacer(1, 0.2 * cm))
    for section, rows in data["autres_donnees"].items():
        title = _SECTION_TITLES.get(section, section)
        story.append(para(f"{title} ({len(rows)})", "Heading2"))
        for r in rows:
            story.append(table(_pdf_rows(r, section)))
            story.append(Spacer(1, 0.2 * cm))
    story.append(
        para(
            _("Journal des actions vous concernant ({n})").format(n=len(data["journal"])),
            "Heading2",
        )
    )
    for entry in data["journal"]:
        story.append(table(_pdf_rows(entry, "journal")))
        story.append(Spacer(1, 0.2 * cm))
    story.append(Spacer(1, 0.4 * cm))
    story.append(
        para(
            _(
                "Vous pouvez demander la rectification ou l'effacement de ces données auprès de "
                "la structure qui vous accompagne."
            )
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        title=_("Données personnelles"),
        author="Médianum",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
    )
    doc.build(story)
    return path


def export_personal_data(
    session: Session, actor: Actor, beneficiaire_id: int, out: Path
) -> list[Path]:
    """Right of access: write ``out`` as JSON (``.json``) or PDF (``.pdf``); any other suffix
    writes both, ``out`` with ``.json`` and ``.pdf``."""
    data = collect_personal_data(session, actor, beneficiaire_id)
    suffix = out.suffix.lower()
    written: list[Path] = []
    if suffix not in (".json", ".pdf"):
        targets = [out.with_suffix(".json"), out.with_suffix(".pdf")]
    else:
        targets = [out]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".json":
            target.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            write_access_pdf(data, target)
        fichiers_nominatifs.record(target, [beneficiaire_id])
        written.append(target)
    return written


# --- erasure ------------------------------------------------------------------------------------


def pseudonymise(b: Beneficiaire, on: date | None = None) -> None:
    """Remove the personal fields of ``b`` in memory, keeping the anonymous statistical values
    (genre, statut, commune, and the age band frozen from the birth year)."""
    b.tranche_age_declaree = ref.tranche_age(b.annee_naissance, b.tranche_age_declaree, on)
    b.nom = pseudonym(b.id)
    b.prenom = None
    b.nom_cle = b.prenom_cle = None
    b.annee_naissance = None
    b.date_naissance = None
    b.telephone = b.email = b.notes = None
    b.consentement_at = None
    b.consentement_agent_id = None
    b.anonyme = True
    b.efface = True
    b.updated_at = utcnow()


def _erase(session: Session, b: Beneficiaire, at: datetime, *, to_ledger: bool = True) -> None:
    """Remove the person's identity from their file and from everything written about them
    alone, after recording the erasure in the ledger that a restore replays."""
    if to_ledger:
        ledger.append(ledger.LedgerEntry(b.id, b.created_at, at))
    pseudonymise(b)
    # Free text written about this person alone: needs-assessment notes, and the notes of
    # individual accompaniments (an atelier's notes are about the group), with the procedure's
    # name and, for a visit at home, the place (an address).
    session.execute(update(Diagnostic).where(Diagnostic.beneficiaire_id == b.id).values(notes=None))
    individual = (
        select(AccompagnementParticipant.accompagnement_id)
        .join(Accompagnement)
        .where(
            AccompagnementParticipant.beneficiaire_id == b.id,
            Accompagnement.type == ref.TYPE_INDIVIDUEL,
        )
    )
    session.execute(
        update(Accompagnement)
        .where(Accompagnement.id.in_(individual))
        .values(notes=None, demarche_nom=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Accompagnement)
        .where(Accompagnement.id.in_(individual), Accompagnement.lieu_type == _A_DOMICILE)
        .values(lieu_nom=None)
        .execution_options(synchronize_session=False)
    )
    erase_mandant_identity(session, b.id, pseudonym(b.id), at)
    session.flush()
    _checkpoint_after_commit(session)
    _delete_files_after_commit(session, b.id)


_A_DOMICILE = "À domicile"


def _checkpoint_after_commit(session: Session) -> None:
    """Once the erasure is committed, copy the write-ahead log into the database file and
    empty it: until then the log still holds the erased values (``secure_delete``, set on every
    connection by ``core.db``, has already overwritten them in the database file's free space)."""
    engine = session.get_bind()
    if engine.dialect.name != "sqlite" or session.info.get("checkpoint_prevu"):
        return
    session.info["checkpoint_prevu"] = True

    def checkpoint(committed: Session) -> None:
        committed.info.pop("checkpoint_prevu", None)
        raw = engine.raw_connection()  # type: ignore[union-attr]
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()

    event.listen(session, "after_commit", checkpoint, once=True)


def _delete_files_after_commit(session: Session, beneficiaire_id: int) -> None:
    """Once the erasure is committed, delete the files the application wrote that name the
    person (``core.fichiers_nominatifs``): a mandate's PDF, an access export, a chequebook, a
    list. Not before: an erasure rolled back leaves the files as they were."""
    session.info.setdefault(_FILES_KEY, set()).add(beneficiaire_id)
    if session.info.get(_FILES_LISTENING):
        return
    session.info[_FILES_LISTENING] = True

    def delete(committed: Session) -> None:
        ids = committed.info.pop(_FILES_KEY, set())
        if ids:
            fichiers_nominatifs.delete_files_naming(ids)

    def forget(rolled_back: Session) -> None:
        rolled_back.info.pop(_FILES_KEY, None)

    event.listen(session, "after_commit", delete)
    event.listen(session, "after_rollback", forget)


_FILES_KEY = "beneficiaires_effaces_fichiers"
_FILES_LISTENING = "fichiers_nominatifs_ecoute"


def _rights_file(session: Session, actor: Actor, beneficiaire_id: int) -> Beneficiaire:
    """The file a data-protection request is about. The right is checked before anything is
    said about the file (erased or not), so that nobody learns of another structure's
    erasures; the holder of the right needs no other role to answer the request."""
    if not actor.can_anywhere(Permission.DROITS_PERSONNES):
        require(actor, Permission.DROITS_PERSONNES)
    found = session.get(Beneficiaire, beneficiaire_id)
    if found is None:
        raise NotFoundError(_("Bénéficiaire introuvable (n° {id}).").format(id=beneficiaire_id))
    require(actor, Permission.DROITS_PERSONNES, found.structure_id)
    return found


def files_notice() -> str:
    """What an erasure's confirmation says of the files (French, translated)."""
    return _(
        "Les fichiers que Médianum a écrits à son nom dans le dossier des exports (mandats, "
        "chéquiers, exports de données) seront supprimés. Les copies faites ailleurs (clé USB, "
        "courriel, autre dossier) sont hors de portée de Médianum : supprimez-les vous-même."
    )


def files_deleted_message(files: list[Path]) -> str:
    """The files an erasure deleted, for the agent (French, translated); "" when none."""
    if not files:
        return ""
    return _("Fichiers supprimés des exports : {files}").format(
        files=", ".join(f.name for f in files)
    )


def erase_beneficiaire(
    session: Session, actor: Actor, beneficiaire_id: int, *, now: datetime | None = None
) -> list[Path]:
    """Right to erasure: the file becomes « Personne effacée n° <id> »; irreversible. Returns
    the files of the data folder that name the person, deleted once the erasure is committed
    (copies made elsewhere are beyond reach).

    Refused (``ConflictError``, with the date from which it becomes possible) while a mandate of
    the person is in force: the aidant acts on their behalf under it and must be able to show
    who gave it. The person can end it at any time; a revoked or ended mandate holds nothing
    back. Of an ended mandate, the database then keeps only the proof that it existed
    (``mediation.mandats.erase_mandant_identity``); the signed paper, kept by the structure six
    years after the mandate's end, is the evidence for legal claims (RGPD art. 17.3 e).
    """
    b = _rights_file(session, actor, beneficiaire_id)
    if b.efface:
        raise ConflictError(_("Ce dossier est déjà effacé."))
    at = now or utcnow()
    active_until = active_mandate_until(session, b.id, now=at)
    if active_until is not None:
        raise ConflictError(
            _(
                "Effacement impossible pour l'instant : cette personne a un mandat en cours "
                "jusqu'au {date}. Son dossier pourra être effacé à partir de cette date, ou dès "
                "que le mandat sera révoqué : la personne peut y mettre fin à tout moment."
            ).format(date=format_date(active_until))
        )
    files = fichiers_nominatifs.files_naming([b.id])
    _erase(session, b, at)
    journal_mediation.beneficiaire_effacement(session, actor, b.id, motif="demande")
    return files


def replay_erasure_ledger(session: Session) -> int:
    """Erase again, in a restored database, the files the ledger says were erased; returns
    how many were (those the backup already had erased, or never had, are left alone).

    Cheap when there is nothing to do (one query per 900 ledger lines), so that every desk can
    run it at each start: a PostgreSQL database restored by ``pg_restore`` outside Médianum is
    caught by the first start of each desk, each replaying the erasures made there."""
    wanted = {e.beneficiaire_id: e for e in ledger.entries()}
    ids = sorted(wanted)
    missing: list[int] = []
    for chunk in range(0, len(ids), LEDGER_IDS_PER_QUERY):
        part = ids[chunk : chunk + LEDGER_IDS_PER_QUERY]
        missing += session.scalars(
            select(Beneficiaire.id).where(Beneficiaire.id.in_(part), Beneficiaire.efface.is_(False))
        ).all()
    replayed = 0
    for bid in sorted(missing):
        entry = wanted[bid]
        b = session.get(Beneficiaire, bid)
        if b is None or b.efface or not _same_instant(b.created_at, entry.cree_le):
            continue
        _erase(session, b, entry.efface_le, to_ledger=False)
        journal_mediation.beneficiaire_effacement(
            session, None, b.id, motif="restauration", efface_le=entry.efface_le.isoformat()
        )
        replayed += 1
    return replayed


def _same_instant(recorded: datetime, in_ledger: datetime) -> bool:
    """The same creation instant, whichever engine stored it (SQLite hands back naive UTC)."""
    if recorded.tzinfo is None:
        recorded = recorded.replace(tzinfo=UTC)
    if in_ledger.tzinfo is None:
        in_ledger = in_ledger.replace(tzinfo=UTC)
    return recorded == in_ledger


def after_restore(db: Database) -> str:
    """Restore hook (``core.backup``): replay the erasure ledger, and say how many."""
    with db.session() as session:
        count = replay_erasure_ledger(session)
    return _("{n} effacement(s) réappliqué(s) depuis le registre des effacements.").format(n=count)


def at_start(db: Database) -> str:
    """Start-up hook of every desk: replay the erasures of this desk's ledger that the database
    lacks (a backup restored outside Médianum, ``pg_restore`` for PostgreSQL), then delete the
    files of the data folder that name an erased person (one an erasure could not delete, or
    one of a person erased at another desk). A sentence when something was done, else ""."""
    with db.session() as session:
        count = replay_erasure_ledger(session)
    named = fichiers_nominatifs.named()
    erased: list[int] = []
    if named:
        ids = sorted(named)
        with db.read_session() as session:
            for chunk in range(0, len(ids), LEDGER_IDS_PER_QUERY):
                erased += session.scalars(
                    select(Beneficiaire.id).where(
                        Beneficiaire.id.in_(ids[chunk : chunk + LEDGER_IDS_PER_QUERY]),
                        Beneficiaire.efface.is_(True),
                    )
                ).all()
    deleted = fichiers_nominatifs.delete_files_naming(erased) if erased else []
    parts = []
    if count:
        parts.append(
            _(
                "La base ne connaissait pas {n} effacement(s) faits à ce poste (sauvegarde "
                "restaurée) : ils ont été réappliqués."
            ).format(n=count)
        )
    if deleted:
        parts.append(
            _("{n} fichier(s) nommant des personnes effacées supprimé(s) des exports.").format(
                n=len(deleted)
            )
        )
    return " ".join(parts)


# --- retention ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionCandidate:
    id: int
    structure_id: int
    derniere_activite_at: datetime


def retention_years(session: Session) -> int:
    value = get_setting(session, "retention_years")
    return int(value) if value else DEFAULT_RETENTION_YEARS


def _retention_cutoff(session: Session, now: datetime | None) -> datetime:
    years = retention_years(session)
    current = now or utcnow()
    try:
        return current.replace(year=current.year - years)
    except ValueError:  # 29 February, counted back to a year without one: the 28th
        return current.replace(year=current.year - years, day=28)


def _in_rights_structures(stmt: Any, actor: Actor) -> Any:
    # The holder of the right answers for the files of the structures where they hold it,
    # whether or not they also see names at the desk (an administrator does not).
    allowed = actor.structures_with(Permission.DROITS_PERSONNES)
    return stmt if allowed is None else stmt.where(Beneficiaire.structure_id.in_(sorted(allowed)))


def _retention_statement(actor: Actor, cutoff: datetime, now: datetime) -> Any:
    stmt = select(
        Beneficiaire.id, Beneficiaire.structure_id, Beneficiaire.derniere_activite_at
    ).where(
        Beneficiaire.efface.is_(False),
        Beneficiaire.derniere_activite_at < cutoff,
        # The aidant acts under a running mandate: not due while it runs.
        ~has_active_mandate_clause(Beneficiaire.id, now=now),
    )
    return _in_rights_structures(stmt, actor).order_by(
        Beneficiaire.derniere_activite_at, Beneficiaire.id
    )


def _require_rights_holder(actor: Actor) -> None:
    if not actor.can_anywhere(Permission.DROITS_PERSONNES):
        require(actor, Permission.DROITS_PERSONNES)


def retention_due(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> list[RetentionCandidate]:
    """Files of the structures where the actor holds the data-protection right with no
    activity for ``retention_years`` years, except those of people with a mandate in force.
    An ended mandate holds nothing back: only its proof is kept, without the identity."""
    _require_rights_holder(actor)
    at = now or utcnow()
    cutoff = _retention_cutoff(session, at)
    return [
        RetentionCandidate(*r) for r in session.execute(_retention_statement(actor, cutoff, at))
    ]


def retention_held_by_mandates(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> int:
    """How many idle files ``retention_due`` leaves out because the person has a mandate in
    force, so that the listing can say why they are missing."""
    _require_rights_holder(actor)
    at = now or utcnow()
    cutoff = _retention_cutoff(session, at)
    stmt = select(func.count(Beneficiaire.id)).where(
        Beneficiaire.efface.is_(False),
        Beneficiaire.derniere_activite_at < cutoff,
        has_active_mandate_clause(Beneficiaire.id, now=at),
    )
    return int(session.scalar(_in_rights_structures(stmt, actor)) or 0)


def apply_retention(
    session: Session, actor: Actor, ids: list[int], *, now: datetime | None = None
) -> int:
    """Erase the confirmed files among ``ids`` that are still due (one may have had an activity
    or a new mandate since the list was shown: it is kept). Returns how many were erased."""
    if not ids:
        raise ValidationError(_("Aucun dossier à effacer."))
    at = now or utcnow()
    due = {c.id for c in retention_due(session, actor, now=at)}
    erased = []
    for bid in ids:
        if bid not in due or active_mandate_until(session, bid, now=at) is not None:
            continue
        b = session.get(Beneficiaire, bid)
        if b is None:
            raise NotFoundError(_("Bénéficiaire introuvable (n° {id}).").format(id=bid))
        _erase(session, b, at)
        erased.append(bid)
        journal_mediation.beneficiaire_effacement(
            session, actor, bid, motif="conservation", annees=retention_years(session)
        )
    return len(erased)


__all__ = [
    "RetentionCandidate",
    "apply_retention",
    "collect_personal_data",
    "erase_beneficiaire",
    "export_personal_data",
    "pseudonym",
    "pseudonymise",
    "retention_due",
    "retention_held_by_mandates",
    "write_access_pdf",
]
