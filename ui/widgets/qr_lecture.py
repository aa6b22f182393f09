"""Reading a pass's QR code from a picture: an image file, or a webcam frame (``pass_camera``).

Apart from the Encaisser screen, so that the screen and its camera dialog, which it opens, do not
import each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ValidationError
from core.i18n import _

if TYPE_CHECKING:
    import zxingcpp


def first_qr_text(found: Iterable[zxingcpp.Barcode]) -> str | None:
    """The text of the first QR code among the barcodes a decoder found in a picture."""
    import zxingcpp

    for barcode in found:
        if barcode.format == zxingcpp.BarcodeFormat.QRCode and barcode.text:
            return str(barcode.text)
    return None


def decode_qr_image(path: Path) -> str:
    """The text of the first QR code found in an image file (a photo, a webcam capture)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            found = zxingcpp.read_barcodes(image.convert("RGB"))
    except (OSError, UnidentifiedImageError) as exc:
        raise ValidationError(_("Image illisible : {path}").format(path=path.name)) from exc
    text = first_qr_text(found)
    if text is not None:
        return text
    raise ValidationError(_("Aucun QR code lisible dans cette image."))
