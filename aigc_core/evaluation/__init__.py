"""``aigc eval``: measure a generator on a dataset, per model and prompt variant.

    from aigc_core import Engine
    from aigc_core.evaluation import Eval, InlineRunner, evaluate, read_dataset, variants, write

    engine = Engine.from_config()
    cases = read_dataset(Path("evals/news.headlines.jsonl"), "news.headlines", engine.validate)
    spec = Eval("news.headlines", Path("evals/news.headlines.jsonl"), cases,
                variants(["default"], [None]))
    report = evaluate(spec, InlineRunner(engine), progress=lambda n: None)
    write(report, Path("eval-out"))             # report.json and report.html
    print(report.variants[0].succeeded.rate)

One module per job: ``dataset`` (reading cases), ``assertions`` (a dataset's own rules),
``variants`` and ``plan`` (the jobs), ``runner`` (inline; the fleet's comes through a hook),
``record``, ``summary`` and ``report`` (what was measured), ``stats`` (intervals,
percentiles), ``html`` and ``charts`` (the page), ``compare`` (flips between two reports),
``evaluate`` (all of it in order). docs/quality.md is the guide.
"""

from .assertions import Assertion, AssertionOutcome, check
from .compare import Flip, compare
from .dataset import Case, read_dataset, spread
from .evaluate import Eval, below, evaluate, write
from .report import Report
from .runner import InlineRunner, Runner
from .variants import Variant, variants

__all__ = [
    "Assertion",
    "AssertionOutcome",
    "Case",
    "Eval",
    "Flip",
    "InlineRunner",
    "Report",
    "Runner",
    "Variant",
    "below",
    "check",
    "compare",
    "evaluate",
    "read_dataset",
    "spread",
    "variants",
    "write",
]
