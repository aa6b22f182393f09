"""Score per module of the last `make mutation` run, and the mutants that survived.

mutmut prints a total; a reviewer needs one score per module where a bug costs money or rights,
and the list of survivors to read. Equivalent mutants (which cannot change behaviour) are listed
in tools/mutation-equivalents.txt with their reason and are left out of the score.

Each listed mutant carries the digest of the mutant and of its function as they were judged
(``tools.mutation_files.mutant_fingerprint``): mutmut numbers a function's mutants in order,
so after an edit the same name may be another mutation. A listing whose digest no longer
matches, or that has none yet, does not count: the mutant is scored by its run and shown to be
judged again. ``python -m tools.mutation_report --stamp`` writes the digest of the listings
that have none, from the last run's ``mutants/``, and only for a mutant that run saw survive (a
listed mutant that holds is not run again, so a listing is stamped only once a run has shown
the tests cannot tell it apart); it never rewrites one.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from mutmut.stats import status_by_exit_code

from tools.mutation_files import mutant_fingerprint

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tools" / "mutation-equivalents.txt"
MUTANTS = ROOT / "mutants"
_LISTING = re.compile(r"^(?P<name>\S+)(?:\s+(?P<digest>[0-9a-f]{12}))?\s*(?:#\s*(?P<reason>.*))?$")


@dataclass(frozen=True)
class Equivalent:
    name: str
    digest: str | None
    reason: str


def listed_equivalents(path: Path = EQUIVALENTS) -> dict[str, Equivalent]:
    """The listings of ``path``: « name digest  # reason », the digest once stamped."""
    if not path.exists():
        return {}
    listed: dict[str, Equivalent] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.split("#", 1)[0].strip():
            continue
        match = _LISTING.match(line.strip())
        if match is None:
            raise ValueError(f"{path.name}: ligne illisible : {line}")
        listed[match["name"]] = Equivalent(match["name"], match["digest"], match["reason"] or "")
    return listed


def equivalents_that_hold(root: Path = MUTANTS) -> set[str]:
    """The listed mutants whose digest is that of the same mutant in ``root`` today."""
    return {
        entry.name
        for entry in listed_equivalents().values()
        if entry.digest is not None and mutant_fingerprint(entry.name, root) == entry.digest
    }


def _exit_codes(root: Path) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in root.rglob("*.py.meta"):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def stamp(root: Path = MUTANTS) -> int:
    """Give each listing without a digest the digest of its mutant in ``root``, if it survived."""
    lines = EQUIVALENTS.read_text(encoding="utf-8").splitlines()
    codes = _exit_codes(root)
    stamped = missing = 0
    for index, line in enumerate(lines):
        match = _LISTING.match(line.strip()) if line.split("#", 1)[0].strip() else None
        if match is None or match["digest"] is not None:
            continue
        status = status_by_exit_code[codes.get(match["name"])]
        digest = mutant_fingerprint(match["name"], root)
        if digest is None or status != "survived":
            print(f"non tamponné ({'absent' if digest is None else status}) : {match['name']}")
            missing += 1
            continue
        name_end = line.index(match["name"]) + len(match["name"])
        lines[index] = f"{line[:name_end]} {digest}{line[name_end:]}"
        stamped += 1
    EQUIVALENTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{stamped} équivalents tamponnés, {missing} non tamponnés")
    return 1 if missing else 0


#: mutmut's log (pyproject's ``log_to_file``), with each mutant's end and duration.
_COMPLETED = re.compile(r"Completed (?P<name>\S+): exit=(?P<code>-?\d+) \((?P<seconds>[\d.]+)s\)")


def mutant_durations(root: Path = MUTANTS) -> dict[str, tuple[str, float]]:
    """Each mutant run by tests in the last run, with its status and its wall-clock seconds.

    mutmut keeps no duration of a mutant run by its fork server; its log does."""
    durations: dict[str, tuple[str, float]] = {}
    for log in sorted(root.glob("mutmut-debug.log*")):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _COMPLETED.search(line)
            if match is not None:
                status = status_by_exit_code[int(match["code"])]
                durations[match["name"]] = (status, float(match["seconds"]))
    return durations


def print_time_spent(durations: dict[str, tuple[str, float]], slowest: int = 10) -> None:
    """Where the mutants' time went: by module, by status, and the slowest mutants."""
    if not durations:
        return
    by_module: dict[str, float] = defaultdict(float)
    by_status: dict[str, float] = defaultdict(float)
    for name, (status, seconds) in durations.items():
        by_module[name.split(".x", 1)[0]] += seconds
        by_status[status] += seconds
    total = sum(by_module.values())

    def most(spent: dict[str, float]) -> str:
        return ", ".join(f"{k} {t:.0f}" for k, t in sorted(spent.items(), key=lambda i: -i[1]))

    count = len(durations)
    print(f"\nTemps des {count} mutants lancés : {total:.0f} s, leurs durées additionnées")
    print(f"    par état : {most(by_status)}")
    print(f"    par module : {most(by_module)}")
    print(f"    les {slowest} plus lents :")
    ranked = sorted(durations.items(), key=lambda item: -item[1][1])
    for name, (status, seconds) in ranked[:slowest]:
        print(f"        {seconds:6.1f} s  {status:8}  {name}")


def main() -> int:
    if sys.argv[1:] == ["--stamp"]:
        return stamp()
    listed = listed_equivalents()
    equivalents = equivalents_that_hold()
    stale = sorted(set(listed) - equivalents)
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
            elif status in ("not checked", "skipped"):
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
    if stale:
        print(
            f"\n{len(stale)} équivalents listés ne comptent pas (pas d'empreinte, ou la fonction "
            "ou la mutation a changé depuis) : à juger de nouveau, puis --stamp"
        )
        for name in stale:
            print(f"    à revoir : {name}")
    print_time_spent(mutant_durations())
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
