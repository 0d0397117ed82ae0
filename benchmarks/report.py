"""What a benchmark hands back: a table, targets met or missed, notes; printed and saved as JSON."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Target:
    """A number the issue sets a bound for; ``at_least`` says which side is good."""

    name: str
    value: float
    limit: float
    at_least: bool
    note: str = ""

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def describe(self) -> str:
        verdict = "met   " if self.met else "MISSED"
        sign = ">=" if self.at_least else "<="
        note = f" ({self.note})" if self.note else ""
        return f"{verdict} {self.name}: {self.value:.3f} (target {sign} {self.limit:g}){note}"


@dataclass
class Report:
    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def table(self) -> str:
        """A Markdown table (what docs/performance.md shows)."""
        lines = ["| " + " | ".join(self.columns) + " |",
                 "|" + "|".join("---:" for _ in self.columns) + "|"]
        for row in self.rows:
            lines.append("| " + " | ".join(_cell(row.get(c, "")) for c in self.columns) + " |")
        return "\n".join(lines)

    def render(self) -> str:
        parts = [f"## {self.title}", "", self.table(), ""]
        parts += [f"- {t.describe()}" for t in self.targets]
        parts += [f"- note: {n}" for n in self.notes]
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["targets"] = [{**asdict(t), "met": t.met} for t in self.targets]
        return data


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def machine() -> dict[str, Any]:
    """Where the numbers were taken: they mean little without it."""
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), "")
    redis = shutil.which("redis-server")
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "redis": subprocess.run([redis, "--version"], capture_output=True, text=True,
                                check=False).stdout.strip() if redis else "",
        "celery": metadata.version("celery"),
        "kombu": metadata.version("kombu"),
        "at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def save(reports: list[Report], out_dir: Path, started: dict[str, Any], args: dict[str, Any]
         ) -> Path:
    """Write one JSON file per benchmark and ``suite.json`` with all of them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    finished = machine()
    envelope = {"machine": started, "load_average_at_end": finished["load_average"],
                "args": args}
    for report in reports:
        (out_dir / f"{report.name}.json").write_text(
            json.dumps({**envelope, "report": report.to_json()}, indent=2), encoding="utf-8")
    suite = out_dir / "suite.json"
    suite.write_text(json.dumps({**envelope, "reports": [r.to_json() for r in reports]},
                                indent=2), encoding="utf-8")
    return suite
