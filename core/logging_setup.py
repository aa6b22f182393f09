"""Logging to a rotating file in the data directory. Never log personal data: ids and codes only."""

from __future__ import annotations

import logging
import logging.handlers
import sys

from core import paths


def configure_logging(level: int = logging.INFO, *, to_stderr: bool = False) -> None:
    root = logging.getLogger()
    target = paths.log_file()
    for existing in [h for h in root.handlers if getattr(h, "_medianum", False)]:
        if isinstance(existing, logging.FileHandler) and existing.baseFilename == str(target):
            return
        # The data directory moved (MEDIANUM_HOME changed): log where the data now lives.
        root.removeHandler(existing)
        existing.close()
    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s")
    )
    handler._medianum = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    if to_stderr:
        err = logging.StreamHandler(sys.stderr)
        err.setLevel(logging.WARNING)
        err.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        root.addHandler(err)
    root.setLevel(level)
