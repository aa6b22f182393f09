"""The register of nominative files: which file the application wrote in the data folder names
which people, so that erasing a person also removes the files that name them.

A mandate's PDF, an access export, a chequebook, a list of beneficiaries: once written under the
data folder's ``exports``, such a file outlives the database rows it was printed from. Each
writer records the file here with the numbers of the people it names (pseudonymous numbers and
a path: no personal data, as in the erasure ledger). An erasure deletes the recorded files that
name the person; a file that could not be deleted (open in a viewer) stays in the register, and
the next start of the desk tries again. A file the agent copied elsewhere (a USB key, an e-mail)
is beyond reach: the erasure's confirmation says so.

The register is a JSON-lines file in the data folder, one line per file:
``{"fichier": "exports/mandats/MDT-….pdf", "beneficiaires": [12]}`` (the path relative to the data
folder, so that the folder can move). Each desk keeps its own, as it keeps its own exports.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from core import paths

REGISTER_NAME = "fichiers-nominatifs.jsonl"

log = logging.getLogger(__name__)


def register_file() -> Path:
    return paths.data_dir() / REGISTER_NAME


def _relative(path: Path) -> str | None:
    """``path`` relative to the data folder, or None when it lies outside it."""
    try:
        return path.resolve().relative_to(paths.data_dir().resolve()).as_posix()
    except ValueError:
        return None


def record(path: Path, beneficiaire_ids: Iterable[int]) -> bool:
    """Record that ``path`` names these people; False (nothing recorded) for a file outside the
    data folder, which an erasure cannot reach."""
    ids = sorted({int(i) for i in beneficiaire_ids})
    relative = _relative(path)
    if relative is None or not ids:
        return False
    line = json.dumps({"fichier": relative, "beneficiaires": ids})
    with register_file().open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return True


def _lines() -> list[tuple[str, frozenset[int]]]:
    path = register_file()
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            raw = json.loads(line)
            found.append((str(raw["fichier"]), frozenset(int(i) for i in raw["beneficiaires"])))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut by a crash while being written
    return found


def named() -> set[int]:
    """Every person some recorded file names."""
    return {i for _f, ids in _lines() for i in ids}


def files_naming(beneficiaire_ids: Iterable[int]) -> list[Path]:
    """The recorded files that name one of these people and still exist."""
    wanted = set(beneficiaire_ids)
    root = paths.data_dir()
    seen: dict[str, Path] = {}
    for relative, ids in _lines():
        if ids & wanted and relative not in seen and (root / relative).exists():
            seen[relative] = root / relative
    return list(seen.values())


def delete_files_naming(beneficiaire_ids: Iterable[int]) -> list[Path]:
    """Delete the recorded files that name one of these people; returns those deleted. The
    register forgets them; a file that cannot be deleted now stays recorded for the next try."""
    wanted = set(beneficiaire_ids)
    return _delete(lambda _relative, ids: bool(ids & wanted))


def delete_files_matching(match: Callable[[str], bool]) -> list[Path]:
    """Delete the recorded files whose path relative to the data folder ``match`` accepts (the
    papers of a mandate, named after its reference), as ``delete_files_naming`` does."""
    return _delete(lambda relative, _ids: match(relative))


def _delete(selected: Callable[[str, frozenset[int]], bool]) -> list[Path]:
    root = paths.data_dir()
    deleted: list[Path] = []
    failed: set[str] = set()
    for relative, ids in _lines():
        if not selected(relative, ids):
            continue
        target = root / relative
        try:
            if target.exists():
                target.unlink()
                deleted.append(target)
        except OSError:
            log.warning("nominative file could not be deleted yet: %s", target.name)
            failed.add(relative)
    _rewrite(lambda relative, ids: not selected(relative, ids) or relative in failed)
    return deleted


def _rewrite(keep: Callable[[str, frozenset[int]], bool]) -> None:
    lines = _lines()
    path = register_file()
    if not lines:
        return
    kept = [(f, ids) for f, ids in lines if keep(f, ids)]
    if len(kept) == len(lines):
        return
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for relative, ids in kept:
            handle.write(json.dumps({"fichier": relative, "beneficiaires": sorted(ids)}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
