"""8. Gates: what the content gates add to one 1,000-word ``news.article`` output, against
the same output's validation without them, measured in the same run and in the same process.

The output is a realistic article (headline, lede, ten body paragraphs, summary: about 1,000
words of lede and body) written from a realistic input (twenty facts: statements, figures,
quotes, sources), and the prompt is the generator's own, rendered by the engine; the article
passes every validator and every gate, as a succeeded job's answer does. Nothing calls a model.

Each step is timed as the engine runs it, step by step in turn within one iteration (so that
the machine's drift shows in all of them): ``repair.run_loop``'s validate step (parse the
answer, ``finalize``, ``Engine._check``) with and without the gates, and ``Engine._gate``
alone: ``prose_fields`` and every gate, as the engine calls them on one output. A job's first
attempt finds none of the gates' per-job caches filled (the prompt's instructions, the
input's words, each field's words): those rows clear them before each run. A repair attempt
of the same job finds the prompt's and the input's entries filled, and an answer that repeats
fields finds theirs: the "caches filled" row is that lower bound. Each gate alone is timed
too, first-attempt style; they share each field's words, so their sum exceeds the whole.

Target (issue 13, the gates' budget, quoted in ``aigc_core/gates/words.py``): all gates together
<= 2 ms p50 on a 1,000-word article, a job's first attempt.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aigc_core import Engine, lexicon
from aigc_core.config import Settings
from aigc_core.gates import (
    GATES,
    GateView,
    cutoff,
    echo,
    identify,
    language,
    names,
    prose_fields,
    repetition,
    scripts,
    strings,
    vocabulary,
    words,
)
from aigc_core.repair import parse_output

from .context import Context
from .report import Report, Target, percentile

ITERATIONS = 400
QUICK_ITERATIONS = 100
#: Runs before timing: imports, the language detector's model, pydantic's first validations.
WARMUP = 5
#: All gates on a 1,000-word article, p50 (issue 13).
GATES_P50_MS = 2.0

GENERATOR = "news.article"

#: Caches that live as long as the process whatever the job (the detector's model, a
#: script's pattern, the word lists, the settings checked): not cleared for a "first attempt".
_PROCESS_CACHES = {(identify, "_model"), (scripts, "_units_of"), (lexicon, "_table"),
                   (lexicon, "available"), (vocabulary, "_check_languages")}

FACTS: list[dict[str, Any]] = [
    {"kind": "statement", "text": "Springfield City Council approved the Northgate tram line "
                                  "on 14 May 2025 by 31 votes to 12."},
    {"kind": "statement", "text": "The line will run from Central Station through Riverside "
                                  "and Oakfield to the Northgate hospital campus."},
    {"kind": "statement", "text": "Construction is scheduled to start in spring 2026, and the "
                                  "first trams are expected to carry passengers in 2029."},
    {"kind": "statement", "text": "The council will build the line in three sections, "
                                  "starting with the stretch between Central Station and "
                                  "Riverside."},
    {"kind": "statement", "text": "Shops on Market Street will keep access for deliveries "
                                  "throughout construction, the council said."},
    {"kind": "statement", "text": "The Springfield Residents' Party voted against the plan, "
                                  "citing its cost."},
    {"kind": "statement", "text": "Buses on the Northgate route are often full at peak hours, "
                                  "and many hospital staff drive to work."},
    {"kind": "figure", "label": "length of the tram line", "value": 11.4, "unit": " km"},
    {"kind": "figure", "label": "stops on the line", "value": 18, "unit": " stops"},
    {"kind": "figure", "label": "cost of the tram line", "value": 640,
     "unit": " million euros"},
    {"kind": "figure", "label": "passengers expected each day", "value": 42000,
     "unit": " passengers"},
    {"kind": "figure", "label": "tram journey time from Central Station to Northgate",
     "value": 24, "unit": " minutes"},
    {"kind": "figure", "label": "bus journey time from Central Station to Northgate today",
     "value": 41, "unit": " minutes"},
    {"kind": "figure", "label": "share of the cost paid by the national government",
     "value": 60, "unit": "%"},
    {"kind": "figure", "label": "construction jobs the project will create", "value": 1500,
     "unit": " jobs"},
    {"kind": "figure", "label": "trams ordered for the line", "value": 22, "unit": " trams"},
    {"kind": "quote", "speaker": "Jane Doe", "role": "mayor of Springfield",
     "text": "For the first time, people in Northgate will be able to reach the city centre "
             "without a car in under half an hour."},
    {"kind": "quote", "speaker": "Amir Patel", "role": "director of Springfield Transport",
     "text": "We will build the line in sections so that no street is closed for more than "
             "six months at a time."},
    {"kind": "quote", "speaker": "Margaret Holloway",
     "role": "leader of the Springfield Residents' Party",
     "text": "Nobody is against better transport, but this budget leaves no room for error."},
    {"kind": "quote", "speaker": "Tomasz Nowak", "role": "owner of a bakery on Market Street",
     "text": "We have waited twenty years for this tram, but we cannot survive two years of "
             "roadworks at our front door."},
    {"kind": "source", "name": "Springfield City Council",
     "url": "https://springfield.example/news/northgate-tram",
     "title": "Council approves Northgate tram line", "published": "2025-05-14"},
    {"kind": "source", "name": "Springfield Transport",
     "url": "https://transport.springfield.example/projects/northgate",
     "title": "Northgate tram: the project"},
]

INPUT: dict[str, Any] = {
    "facts": FACTS,
    "angle": "what the new tram line means for people who live and work in Northgate",
    "audience": "local residents",
    "target_words": 1000,
}

#: The model's answer: the fields article_schema asks for, as JSON.
ARTICLE: dict[str, Any] = {
    "headline": "Springfield approves 640 million euro tram line to Northgate",
    "lede": "Springfield City Council approved the Northgate tram line on 14 May 2025, a "
            "project that will cut the journey from Central Station to the hospital campus "
            "to 24 minutes.",
    "body": [
        "The vote was 31 to 12. The line will be 11.4 km long and will run from Central "
        "Station through Riverside and Oakfield to the Northgate hospital campus, with 18 "
        "stops along the way. Councillors debated the plan for most of the afternoon before "
        "the vote, and the public gallery was full for the whole session. Several residents "
        "who had travelled in from Northgate stayed until the result was read out, and some "
        "of them applauded when the chair announced that the motion had passed by a clear "
        "margin.",
        "For people in Northgate the change is mostly about time. Today the bus journey from "
        "Central Station to Northgate takes 41 minutes, and the tram is expected to make the "
        "same trip in 24 minutes. Buses on the route are often full at peak hours, and many "
        "hospital staff drive to work because they cannot rely on getting a seat. A tram "
        "that runs on its own track would not be held up by the traffic that slows the "
        "buses down every morning, which is why supporters have argued for it for years. "
        "Nurses who work night shifts say that the last buses of the evening are the "
        "hardest to catch.",
        "\"For the first time, people in Northgate will be able to reach the city centre "
        "without a car in under half an hour,\" said Jane Doe, the mayor of Springfield. She "
        "told the chamber that the line would connect neighbourhoods that have long felt cut "
        "off from the rest of the city, and that the hospital, one of the largest employers "
        "in the area, would be easier to reach for patients, visitors and staff alike. Her "
        "remarks drew applause from the public gallery and from councillors on both sides "
        "who had backed the plan. Afterwards she thanked the "
        "officials who had prepared the proposal over several years of planning and "
        "consultation.",
        "The tram line will cost 640 million euros. The national government will pay 60% of "
        "the cost, and the council will cover the rest from its own budget. The council "
        "expects 42,000 passengers to use the line each day once it is running, a figure "
        "that supporters say justifies the investment. The project will also create 1,500 "
        "construction jobs, and local firms are expected to bid for parts of the work. "
        "The council said that the tender documents would be published in the coming "
        "months, and that they would ask bidders to explain how they plan to limit noise and "
        "dust near homes, schools and the hospital.",
        "Not everyone is convinced. The Springfield Residents' Party voted against the plan, "
        "citing its cost. \"Nobody is against better transport, but this budget leaves no "
        "room for error,\" said Margaret Holloway, who leads the party. Her colleagues asked "
        "how the council would pay for delays or price rises, and whether other services "
        "would be cut to cover them. They proposed sending the plan back to committee for "
        "another review, but the proposal was defeated before the main vote took place.",
        "Construction is scheduled to start in spring 2026, and the first trams are expected "
        "to carry passengers in 2029. The council has ordered 22 trams for the line. It will "
        "build the line in three sections, starting with the stretch between Central Station "
        "and Riverside, so that work moves along the route rather than digging up every "
        "street at once. Each section will be tested before the next one opens, and "
        "residents will be told about closures on their streets well in advance of any work "
        "beginning.",
        "\"We will build the line in sections so that no street is closed for more than six "
        "months at a time,\" said Amir Patel, the director of Springfield Transport. He said "
        "that diversions for buses and cars would be planned street by street, and that the "
        "schedule for each section would be shared with people who live and work nearby "
        "before any digging starts. Patel added that his team had studied tram projects in "
        "other cities to learn which mistakes to avoid during the building work.",
        "Businesses along the route are watching closely. Shops on Market Street will keep "
        "access for deliveries throughout construction, the council said. Tomasz Nowak, who "
        "owns a bakery on the street, welcomed the decision but worried about the disruption "
        "it will bring. \"We have waited twenty years for this tram, but we cannot survive "
        "two years of roadworks at our front door,\" he said. Other traders on the street "
        "have raised similar concerns about parking, deliveries and falling trade.",
        "Residents of Riverside and Oakfield, the two neighbourhoods between the city centre "
        "and Northgate, will also gain stops on the line. Supporters hope that a reliable "
        "link will bring new customers to local shops and make it easier for young people "
        "to reach colleges and jobs in the centre without depending on a car or a crowded "
        "bus. Some residents in Oakfield have asked for safe crossings near schools, and the "
        "council said that it would consult them on the design of each stop before work "
        "begins. Cyclists have asked for the route to include space for bicycles, and "
        "the council said that their requests would be considered.",
        "The next steps are the detailed design of each section and the tender for the "
        "construction work. The council said that residents would be able to comment on the "
        "plans for the stops in their neighbourhoods, and that information about the "
        "project will be published by Springfield Transport as the work goes on. Meetings "
        "are planned in Northgate, Riverside and Oakfield, where residents will be able to "
        "ask questions, see the drawings and tell the engineers what matters most to them "
        "before the designs are final. Dates for those meetings have not yet been "
        "announced, and the council said that it would publish them on its website.",
    ],
    "summary": "Springfield's council has approved a tram line from Central Station to "
               "Northgate that will cost 640 million euros and carry its first passengers in "
               "2029.",
}

ANSWER = json.dumps(ARTICLE)


def run(ctx: Context) -> Report:
    iterations = QUICK_ITERATIONS if ctx.quick else ITERATIONS
    gated, bare = _Job(Engine(Settings())), _Job(Engine(Settings()))
    bare.engine._gate = lambda *args: []  # type: ignore[method-assign]  # the engine, no gates
    output = bare.validate()[0]
    gate = lambda: gated.engine._gate(gated.context, gated.data, output)  # noqa: E731
    first_ms = _ms(gate)[0]  # the first gate run in this process
    problems = gated.validate()[1] + bare.validate()[1]
    if problems:
        raise AssertionError(f"the benchmark's article should pass: {problems}")
    view = gated.view(output)

    clear, keep = _clear_job_caches, None
    #: what -> (step, what to do before it, untimed)
    steps: dict[str, tuple[Callable[[], Any], Callable[[], None] | None]] = {
        "baseline: validate step without gates (parse, finalize, validators)":
            (bare.validate, keep),
        "validate step with gates, first attempt": (gated.validate, clear),
        "gates (Engine._gate), first attempt": (gate, clear),
        "gates (Engine._gate), caches filled": (gate, keep),
        **{f"{name} alone, first attempt": (_one(name, view), clear) for name in GATES},
    }
    for step, before in steps.values():
        for _ in range(WARMUP):
            _ms(step, before)
    timings: dict[str, list[tuple[float, float]]] = {what: [] for what in steps}
    gc.collect()
    for _ in range(iterations):
        for what, (step, before) in steps.items():
            timings[what].append(_ms(step, before))

    baseline = statistics.median(wall for wall, _ in timings[next(iter(steps))])
    report = Report(
        "gates", "8. Gates: all gates on one 1,000-word news.article output",
        ["what", "runs", "p50 ms", "p95 ms", "CPU p50 ms", "p50 / baseline p50"],
        params={"iterations": iterations, "warmup": WARMUP, "generator": GENERATOR,
                "lede_and_body_words": len(" ".join([ARTICLE["lede"], *ARTICLE["body"]])
                                               .split()),
                "prose_fields": len(view.fields), "prompt_chars": len(view.prompt),
                "first_call_in_process_ms": first_ms},
    )
    for what, runs in timings.items():
        walls = [wall for wall, _ in runs]
        p50 = percentile(walls, 50)
        report.rows.append({"what": what, "runs": len(runs), "p50 ms": p50,
                            "p95 ms": percentile(walls, 95),
                            "CPU p50 ms": percentile([cpu for _, cpu in runs], 50),
                            "p50 / baseline p50": p50 / baseline if baseline else 0.0})
    gates_row = report.rows[2]
    report.targets.append(Target(
        "gates p50 ms, first attempt, 1,000-word article", gates_row["p50 ms"], GATES_P50_MS,
        False, note=f"p95 {gates_row['p95 ms']:.2f} ms; {gates_row['p50 / baseline p50']:.2f}"
                    " x the validate step without gates"))
    report.notes += [
        f"{report.params['lede_and_body_words']} words of lede and body, "
        f"{len(view.fields)} prose fields, a {len(view.prompt):,}-character prompt; the "
        "article passes every validator and gate (a succeeded job's answer)",
        f"the first gate run in a process took {first_ms:.0f} ms: the language detector's "
        "model and the language's word list load on first use (once per worker process, "
        "not per job)",
        "first attempt: the gates' per-job caches (prompt instructions, input words, field "
        "words) cleared before each run; caches filled: what a repeated identical answer "
        "costs, the floor of a repair attempt",
    ]
    return report


class _Job:
    """One news.article job on an engine: its context, its rendered prompt, its answer."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.generator = engine.generator(GENERATOR).generator
        job = engine.make_job(GENERATOR, INPUT)
        self.context = engine._context(job)
        engine._prepare(self.context)
        self.data = self.context.data
        engine._render(self.context, self.data)  # sets context.messages, as _run_part does

    def validate(self) -> tuple[Any, list[Any]]:
        """``repair.run_loop``'s validate step on the answer: parse, finalize, check."""
        output, problems = parse_output(ANSWER, self.generator.output_model)
        if output is not None:
            output = self.generator.finalize(output, self.data)
            problems = self.engine._check(self.context, self.data, output)
        return output, problems

    def view(self, output: Any) -> GateView:
        """The view ``Engine._gate`` builds, built the same way (to time one gate alone)."""
        return GateView(
            fields=prose_fields(output),
            prompt="\n".join(message.content for message in self.context.messages),
            input_texts=strings(self.context.job.input),
            language=self.generator.language_of(self.data),
            settings=self.engine.settings.gates,
            data=self.data,
        )


def _one(name: str, view: GateView) -> Callable[[], Any]:
    gate = GATES[name]
    return lambda: gate(replace(view, fields=list(view.fields)))


def _job_caches() -> list[Callable[[], None]]:
    """``cache_clear`` of the gates' per-job caches: every cache of a gate module (an
    ``lru_cache``, or an object with a ``cache_clear``, such as the detector's guesses of the
    texts seen last) but the process-wide ones."""
    return [value.cache_clear
            for module in (cutoff, echo, identify, language, lexicon, names, repetition,
                           scripts, vocabulary, words)
            for attribute, value in vars(module).items()
            if callable(getattr(value, "cache_clear", None)) and not isinstance(value, type)
            and (module, attribute) not in _PROCESS_CACHES]


_CLEARS = _job_caches()


def _clear_job_caches() -> None:
    """What a job's first attempt finds: none of the gates' per-job caches filled."""
    for clear in _CLEARS:
        clear()


def _ms(step: Callable[[], Any], before: Callable[[], None] | None = None
        ) -> tuple[float, float]:
    """Wall and CPU milliseconds of one call (``before`` runs first, untimed)."""
    if before is not None:
        before()
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return (time.perf_counter() - wall) * 1000.0, (time.process_time() - cpu) * 1000.0
