"""Logging to a rotating file in the data directory. Never log personal data: ids and codes only."""

from __future__ import annotations

import logging
import logging.handlers
import sys

from core import paths


def configure_logging(level: int = logging.INFO, *, to_stderr: bool = False) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_medianum", False) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(
        paths.log_file(), maxBytes=2_000_000, backupCount=5, encoding="utf-8"
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
