"""Fixtures of the mandate tests: two structures, their aidants, a named beneficiary."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from core.auth import Actor, create_structure
from core.db import Database
from core.models import Role
from core.validation import fold
from mediation.mandats.creation import MandantIdentity
from mediation.models import Beneficiaire


@dataclass
class Desk:
    structure_id: int
    other_structure_id: int
    aidant: Actor
    other_aidant: Actor
    mediateur: Actor
    beneficiaire_id: int


IDENTITE = MandantIdentity("Lambert", "Odile", date(1948, 3, 14), "Rochefort")


def add_beneficiaire(db: Database, structure_id: int, nom: str, prenom: str) -> int:
    with db.session() as s:
        person = Beneficiaire(
            structure_id=structure_id,
            nom=nom,
            prenom=prenom,
            nom_cle=fold(nom),
            prenom_cle=fold(prenom),
            annee_naissance=1948,
            date_naissance=date(1948, 3, 14),
            commune_insee="17300",
        )
        s.add(person)
        s.flush()
        return person.id


@pytest.fixture
def desk(db: Database, make_agent) -> Desk:  # type: ignore[no-untyped-def]
    return make_desk(db, make_agent)


def make_desk(db: Database, make_agent) -> Desk:  # type: ignore[no-untyped-def]
    """A France Services desk and its aidant, another structure's aidant, a médiateur."""
    with db.session() as s:
        fs = create_structure(
            s,
            None,
            "France Services Essai",
            adresse="5 rue de l'Essai",
            code_postal="17000",
            commune_insee="17300",
        )
        other = create_structure(s, None, "Maison des Autres", code_postal="17140")
        fs_id, other_id = fs.id, other.id
    aidant = make_agent((Role.AIDANT, fs_id), login="aidant-fs")
    other_aidant = make_agent((Role.AIDANT, other_id), login="aidant-autre")
    mediateur = make_agent((Role.MEDIATEUR, fs_id), login="mediateur-fs")
    person = add_beneficiaire(db, fs_id, "Lambert", "Odile")
    return Desk(fs_id, other_id, aidant, other_aidant, mediateur, person)


def pdf_text(data: bytes) -> str:
    """Every page's text, whitespace collapsed, as a reader would see it."""
    reader = PdfReader(_as_stream(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_pages(data: bytes) -> list[str]:
    reader = PdfReader(_as_stream(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def _as_stream(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(data)


def decode_qr_codes(data: bytes, tmp_path: Path) -> list[str]:
    """Render every page at 150 dpi with pdftoppm and decode the QR codes with zxing-cpp."""
    pdf = tmp_path / "mandat.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    found = []
    for image in sorted(tmp_path.glob("page*.png")):
        with Image.open(image) as img:
            found += [
                r.text
                for r in zxingcpp.read_barcodes(img)
                if r.format == zxingcpp.BarcodeFormat.QRCode
            ]
    return found


def decode_qr_codes_per_page(data: bytes, tmp_path: Path, dpi: int = 200) -> list[list[str]]:
    """The QR codes of each page, rendered with pdftoppm and decoded with zxing-cpp."""
    pdf = tmp_path / "pages.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(tmp_path / "p")],
        check=True,
        capture_output=True,
    )
    pages = []
    for image in sorted(tmp_path.glob("p-*.png")):
        with Image.open(image) as img:
            pages.append(
                [
                    r.text
                    for r in zxingcpp.read_barcodes(img)
                    if r.format == zxingcpp.BarcodeFormat.QRCode
                ]
            )
    return pages
