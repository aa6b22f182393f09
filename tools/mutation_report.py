"""Score per module of the last `make mutation` run, and the mutants that survived.

mutmut prints a total; a reviewer needs one score per module where a bug costs money or rights,
and the list of survivors to read. Equivalent mutants (which cannot change behaviour) are listed
in tools/mutation-equivalents.txt with their reason and are left out of the score.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tools" / "mutation-equivalents.txt"


def _equivalents() -> set[str]:
    if not EQUIVALENTS.exists():
        return set()
    names = set()
    for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.add(name)
    return names


def main() -> int:
    equivalents = _equivalents()
    metas = sorted((ROOT / "mutants").rglob("*.py.meta"))
    if not metas:
        print("Aucun résultat : lancez d'abord `make mutation`.")
        return 1
    below = 0
    print(
        f"{'module':45} {'tués':>6} {'dont typage':>11} {'dont délai':>10} {'survivants':>10} "
        f"{'équiv.':>6} "
        f"{'non lancés':>10} {'score':>7}"
    )
    for meta in metas:
        module = str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts: Counter[str] = Counter()
        survivors = []
        for name, code in sorted(codes.items()):
            status = status_by_exit_code[code]
            if name in equivalents:
                counts["equivalent"] += 1
            elif status in ("killed", "timeout", "segfault", "caught by type check"):
                counts["killed"] += 1
                # A timeout counts as a kill (mutmut's rule) but, on a loaded machine, may be
                # a slow clean run: shown apart so that a reader can weigh it.
                counts["timeout"] += status in ("timeout", "segfault")
                # Rejected by strict mypy before any test ran (pyproject's type_check_command):
                # `make test` fails on such a mutant too.
                counts["typed"] += status == "caught by type check"
            elif status == "not checked":
                counts["not checked"] += 1
            elif status in ("survived", "no tests"):
                counts["survived"] += 1
                survivors.append(f"{name} ({status})")
            else:
                counts[status] += 1
        tried = counts["killed"] + counts["survived"]
        if tried == 0:
            continue
        score = counts["killed"] / tried
        # A module with mutants not yet run has no score yet: the one shown is of those run.
        below += score < 0.9 or counts["not checked"] > 0
        print(
            f"{module:45} {counts['killed']:6} {counts['typed']:11} {counts['timeout']:10} "
            f"{counts['survived']:10} "
            f"{counts['equivalent']:6} {counts['not checked']:10} {score:7.1%}"
        )
        for survivor in survivors:
            print(f"    survit : {survivor}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
