"""The printed chequebook, read back as a person and a scanner would."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.pdf import chequebook_pdf
from pass_numerique.redemption import redeem
from pass_numerique.serials import display
from tests.pass_numerique.conftest import TODAY, World


def _render(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    source = tmp_path / "chequier.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True
    )
    return [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]


def test_every_printed_qr_code_decodes_verifies_and_redeems_exactly_once(
    world: World, tmp_path: Path
) -> None:
    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=TODAY
        )
        book = chequebook_print(s, world.accueil, chequier.id, today=TODAY)
    pdf = chequebook_pdf(book)
    decoded = [
        barcode.text
        for page in _render(pdf, tmp_path)
        for barcode in zxingcpp.read_barcodes(page)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert sorted(decoded) == sorted(p.qr_text for p in book.passes)
    for scanned in decoded:
        with world.db.session() as s:
            assert redeem(s, world.mediateur, scanned, today=TODAY).accepted
        with world.db.session() as s:
            assert redeem(s, world.mediateur, scanned, today=TODAY).code == "deja_encaisse"


def test_the_cover_names_the_beneficiary_by_first_name_and_initial_and_lists_where(
    world: World,
) -> None:
    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=TODAY
        )
        book = chequebook_print(s, world.accueil, chequier.id, today=TODAY)
    reader = PdfReader(io.BytesIO(chequebook_pdf(book)))
    cover = reader.pages[0].extract_text()
    assert "Odile L." in cover
    assert "Lambert" not in cover
    assert "Pass numérique 2026" in cover
    assert "Association test" in cover
    assert "Cyberbase" not in cover  # referenced, but not for this campaign
    assert "31/01/2027" in cover
    body = "\n".join(page.extract_text() for page in reader.pages[1:])
    for p in book.passes:
        assert display(p.serial) in body
    assert len(reader.pages) == 1 + 4  # cover, then 10 passes three to a page
