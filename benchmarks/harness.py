"""A small harness: each ``benchmarks/bench_*.py`` defines ``run(report)``; every result is
printed beside a baseline measured in the same run, and written to ``benchmarks/results/``.

Timing statistics are done here rather than with pytest-benchmark because results must be read
beside a baseline of a different nature (a bare Qt window, a raw SQL statement) in one table.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline_value: float | None = None
    target: str = ""
    note: str = ""


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.results.append(result)
        base = (
            f"{result.baseline_value:.3f} {result.unit} ({result.baseline_name})"
            if result.baseline_value is not None
            else "—"
        )
        print(
            f"{result.name:<58} {result.value:>12.3f} {result.unit:<6} "
            f"baseline {base:<40} target {result.target} {result.note}",
            flush=True,
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([asdict(r) for r in self.results], indent=2, ensure_ascii=False))


def median_ms(fn: Callable[[], Any], repeat: int = 20, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
