"""``python -m benchmarks [NAME ...] [--quick] ...``: run the suite, print tables, write JSON.

    python -m benchmarks                       # everything (about 30 minutes on 2 cores)
    python -m benchmarks --quick               # smaller runs (about 10 minutes)
    python -m benchmarks throughput overhead   # some of them
    python -m benchmarks throughput structured --server http://127.0.0.1:8000/v1 --model MODEL

Exit status 1 when a target was missed, so a CI job or a person sees it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from . import (
    console,
    control,
    eval_fleet,
    faults,
    gates,
    ledger,
    overhead,
    queue_scale,
    scaling,
    startup,
    structured,
    throughput,
)
from .context import Context
from .fleet import Fleet
from .report import RESULTS, Report, machine, save

#: Every benchmark, in the order the suite runs them.
BENCHMARKS: dict[str, Callable[[Context], Report]] = {
    "throughput": throughput.run,
    "overhead": overhead.run,
    "scaling": scaling.run,
    "faults": faults.run,
    "structured": structured.run,
    "queue-scale": queue_scale.run,
    "control": control.run,
    "startup": startup.run,
    "gates": gates.run,
    "ledger": ledger.run,
    "console": console.run,
    "eval": eval_fleet.run,
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true",
                        help="smaller runs: C up to 64, 10,000 queued jobs, fewer samples")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="multiply the simulated server's durations (0.5: twice as fast)")
    parser.add_argument("--server", default=None,
                        help="an external OpenAI-compatible base URL (vLLM, ...) for the "
                             "throughput and structured benchmarks, instead of the simulation")
    parser.add_argument("--model", default="sim", help="the model id the --server knows")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for the JSON")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    names = args.names or list(BENCHMARKS)
    started = machine()
    print(f"machine: {started['cpu']}, {started['cores']} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in started['load_average'])}", flush=True)
    reports: list[Report] = []
    with tempfile.TemporaryDirectory(prefix="aigc-bench-") as workdir, \
            Fleet(Path(workdir)) as fleet:
        ctx = Context(fleet, quick=args.quick, time_scale=args.time_scale, server=args.server,
                      model=args.model)
        for name in names:
            print(f"\n# {name} ...", flush=True)
            begun = time.monotonic()
            with fleet.scope():
                report = BENCHMARKS[name](ctx)
            report.seconds = time.monotonic() - begun
            reports.append(report)
            print(report.render(), f"\n({report.seconds:.0f} s)", flush=True)
            save(reports, args.out, started, vars(args) | {"out": str(args.out)})
    missed = [t.describe() for r in reports for t in r.targets if not t.met]
    print(f"\nresults in {args.out}/; {len(missed)} target(s) missed", flush=True)
    for line in missed:
        print(f"  {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
