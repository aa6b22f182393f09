"""« Caméra » of the Encaisser screen: a webcam preview that reads the first QR code shown to it.

Imported only when the mediator asks for the camera: Qt Multimedia (and its FFmpeg plugin) stays
out of the start-up of the application."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QMediaCaptureSession,
    QMediaDevices,
    QVideoFrame,
)
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from core.i18n import _
from ui.widgets.qr_lecture import first_qr_text

# A webcam delivers 25 to 30 frames a second; reading one every 200 ms answers as fast as a
# person can hold a pass still, and leaves the GUI thread free to show the preview.
DECODE_INTERVAL_S = 0.2
# Beyond this width a QR code held up to the camera is still found, and decoding costs less.
DECODE_MAX_WIDTH = 1280


def qr_text_in_image(image: QImage) -> str | None:
    """The text of the first QR code in a picture, or None (nothing readable in it)."""
    import zxingcpp

    if image.isNull():
        return None
    if image.width() > DECODE_MAX_WIDTH:
        image = image.scaledToWidth(DECODE_MAX_WIDTH, Qt.TransformationMode.FastTransformation)
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    # Rows are padded to 32 bits: view the buffer with its stride, then crop the padding.
    pixels = np.frombuffer(gray.constBits(), dtype=np.uint8, count=stride * height)
    return first_qr_text(zxingcpp.read_barcodes(pixels.reshape(height, stride)[:, :width]))


def qr_text_in_frame(frame: QVideoFrame) -> str | None:
    """The text of the first QR code in a video frame (whatever the camera's pixel format)."""
    return qr_text_in_image(frame.toImage()) if frame.isValid() else None


def video_inputs() -> list[QCameraDevice]:
    """The cameras plugged in, the system's default first."""
    default = QMediaDevices.defaultVideoInput()
    cameras = list(QMediaDevices.videoInputs())
    return sorted(cameras, key=lambda c: c.id() != default.id())


def watch_video_inputs(parent: QObject, changed: Callable[[], None]) -> None:
    """Call `changed` whenever a camera is plugged in or out (lives as long as `parent`)."""
    devices = QMediaDevices(parent)
    devices.videoInputsChanged.connect(changed)


class CameraDialog(QDialog):
    """Shows the camera; on the first QR code read, emits its text once and closes."""

    qr_found = Signal(str)

    def __init__(self, device: QCameraDevice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Lire un QR code avec la caméra"))
        self.setAccessibleName(_("Lire un QR code avec la caméra"))
        layout = QVBoxLayout(self)
        self.hint = QLabel(_("Présentez le QR code du pass devant la caméra."))
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.preview = QVideoWidget()
        self.preview.setMinimumSize(480, 360)
        self.preview.setAccessibleName(_("Image de la caméra"))
        layout.addWidget(self.preview, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Fermer"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.camera = QCamera(device, self)
        self.camera.errorOccurred.connect(self._camera_failed)
        self.session = QMediaCaptureSession(self)
        self.session.setCamera(self.camera)
        self.session.setVideoOutput(self.preview)
        self.preview.videoSink().videoFrameChanged.connect(self.read_frame)
        self._next_decode = 0.0
        self._found = False
        self.finished.connect(self._stop)

    def start(self) -> None:
        self.camera.start()
        # A camera unplugged or held by another program may fail before errorOccurred is
        # connected: its state is read once more here.
        if self.camera.error() != QCamera.Error.NoError:
            self._camera_failed(self.camera.error(), self.camera.errorString())

    def read_frame(self, frame: QVideoFrame) -> None:
        now = monotonic()
        if self._found or now < self._next_decode:
            return
        self._next_decode = now + DECODE_INTERVAL_S
        text = qr_text_in_frame(frame)
        if text is None:
            return
        # Frames keep arriving until the camera stops: the pass must be submitted only once.
        self._found = True
        self.accept()
        self.qr_found.emit(text)

    def _camera_failed(self, _error: Any, _message: str) -> None:
        # Qt's own message is in English: the mediator is told what to check instead.
        self.hint.setText(
            _(
                "La caméra ne répond pas : vérifiez qu'elle est branchée "
                "et qu'aucun autre logiciel ne l'utilise."
            )
        )

    def _stop(self, _result: int) -> None:
        self.camera.stop()
