"""``python -m benchmarks [name ...]``: run every ``bench_*.py`` (or the named ones)."""

from __future__ import annotations

import importlib
import platform
import sys
from datetime import datetime
from pathlib import Path

from benchmarks.harness import Report


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(p.stem for p in here.glob("bench_*.py"))
    report = Report()
    print(f"Médianum benchmarks — {datetime.now():%Y-%m-%d %H:%M} — {platform.platform()}")
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n## {name}")
        module.run(report)
    report.save(here / "results" / f"{datetime.now():%Y%m%d-%H%M%S}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
