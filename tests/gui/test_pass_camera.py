"""« Caméra » on the Encaisser screen: a webcam frame showing a pass is read and redeemed once.

No test needs a camera: frames are built from a real QR code of a real chequebook pass and handed
to the preview's video sink, the way Qt Multimedia hands over a webcam's frames."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QCameraDevice, QMediaDevices, QVideoFrame
from pytestqt.qtbot import QtBot

from pass_numerique.redemption import verify_scan
from tests.gui.test_pass_page import _issued, _page
from tests.gui.test_pass_page import answers as answers  # the fixture, shared
from tests.gui.test_pass_page import current as current  # the fixture, shared
from tests.pass_numerique.conftest import World
from tests.pass_numerique.conftest import world as world  # the fixture, shared
from ui.widgets import pass_camera

ROOT = Path(__file__).resolve().parents[2]

# pytest-qt reads one qt_log_ignore mark per test: every pattern goes in this one.
pytestmark = pytest.mark.qt_log_ignore(
    # Showing a window on the offscreen platform: a harmless notice, not a defect of the page.
    "This plugin does not support propagateSizeHints",
    # Qt Multimedia's FFmpeg plugin, loaded on a machine without PipeWire nor VA-API (hardware
    # video decoding): it looks for them, says so, and goes on without them.
    r"^Couldn't (load|resolve) (pipewire-0\.3|va-x11|va-drm|va|va\(in plugin\)) "
    r"(library|symbols)$",
    # Without a GPU (offscreen) frames are converted to images on the processor instead.
    r"ensureRhi\(QRhi::Implementation\) : No RHI backend\. Using CPU conversion\.$",
)


def _webcam_picture(text: str, tmp_path: Path) -> QImage:
    """A 640×480 picture of a grey desk with the pass's QR code held up in it."""
    code = qrcode.make(text, box_size=4, border=4).get_image().convert("RGB")
    scene = Image.new("RGB", (640, 480), (150, 150, 150))
    scene.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    scene.save(tmp_path / "frame.png")
    image = QImage(str(tmp_path / "frame.png"))
    assert not image.isNull()
    return image


def _empty_frame() -> QVideoFrame:
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(0x969696)
    return QVideoFrame(image)


def test_a_webcam_frame_showing_a_pass_gives_its_genuine_signed_text(
    qtbot: QtBot, world: World, current: int, tmp_path: Path
) -> None:
    scans = _issued(world, current)
    read = pass_camera.qr_text_in_frame(QVideoFrame(_webcam_picture(scans[3], tmp_path)))
    assert read == scans[3]
    with world.db.session() as s:
        verdict = verify_scan(s, world.mediateur, read)
    assert verdict.accepted and verdict.message.startswith("Pass valable — 10,00\xa0€")
    assert pass_camera.qr_text_in_frame(_empty_frame()) is None


def test_the_camera_redeems_the_pass_it_sees_then_closes(
    qtbot: QtBot, world: World, current: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pass_camera, "video_inputs", lambda: [QCameraDevice()])
    clock = [1000.0]
    monkeypatch.setattr(pass_camera, "monotonic", lambda: clock[0])
    scans = _issued(world, current)
    picture = _webcam_picture(scans[0], tmp_path)
    page = _page(qtbot, world, world.mediateur)
    widget = page.encaisser
    assert widget is not None
    page.show()
    widget.camera_button.click()
    dialog = widget.camera_dialog
    assert dialog is not None and dialog.isVisible()
    sink = dialog.preview.videoSink()
    sink.setVideoFrame(_empty_frame())
    assert dialog.isVisible() and widget.answer.text() == " "
    # The next frames of the same 200 ms are not decoded: the desk's processor is spared.
    clock[0] += 0.19
    sink.setVideoFrame(QVideoFrame(picture))
    assert dialog.isVisible() and widget.answer.text() == " "
    clock[0] += 0.02
    sink.setVideoFrame(QVideoFrame(picture))
    assert not dialog.isVisible()
    assert widget.answer.text() == "Pass accepté — 10,00\xa0€"
    assert widget.table.rowCount() == 1
    # When the window is active again, the cursor waits in the field for the next pass.
    assert widget.window().focusWidget() is widget.field


def test_frames_still_arriving_after_the_pass_was_read_do_not_redeem_it_again(
    qtbot: QtBot, world: World, current: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pass_camera, "video_inputs", lambda: [QCameraDevice()])
    monkeypatch.setattr(pass_camera, "DECODE_INTERVAL_S", 0.0)
    scans = _issued(world, current)
    picture = _webcam_picture(scans[1], tmp_path)
    page = _page(qtbot, world, world.mediateur)
    widget = page.encaisser
    assert widget is not None
    widget.camera_button.click()
    dialog = widget.camera_dialog
    assert dialog is not None
    sink = dialog.preview.videoSink()
    # Two frames of the camera, each a new frame (a sink ignores the frame it already holds).
    sink.setVideoFrame(QVideoFrame(picture))
    sink.setVideoFrame(QVideoFrame(picture))
    assert widget.answer.text() == "Pass accepté — 10,00\xa0€"
    assert widget.table.rowCount() == 1


def test_without_a_camera_the_button_says_so_until_one_is_plugged_in(
    qtbot: QtBot, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pass_camera, "video_inputs", lambda: [])
    page = _page(qtbot, world, world.mediateur)
    widget = page.encaisser
    assert widget is not None
    assert widget.camera_button.text() == "Caméra…"
    widget.camera_button.click()
    assert widget.camera_button.text() == "Aucune caméra détectée"
    assert not widget.camera_button.isEnabled()
    assert widget.camera_dialog is None
    devices = widget.findChild(QMediaDevices)
    assert devices is not None
    devices.videoInputsChanged.emit()
    assert widget.camera_button.text() == "Caméra…" and widget.camera_button.isEnabled()


def test_the_encaisser_screen_does_not_load_qt_multimedia_until_the_camera_is_asked_for() -> None:
    probe = (
        "import sys, ui.pages.pass_numerique\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6.QtMultimedia')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
