"""Resource bombs in templates are refused before they allocate; loops stop at the deadline."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from aigc_core import Generator
from aigc_core.deadline import Deadline, active
from aigc_core.errors import DeadlineExceeded, TemplateError
from aigc_core.templates import TemplateStore

#: Each would build gigabytes (or spin for minutes) if it ran unbounded.
BOMBS = [
    "{{ 'a' * 10**9 }}",
    "{{ 10**9 * 'a' }}",
    "{{ [1] * 10**9 }}",
    "{{ 'a'|center(10**9) }}",
    "{{ 'a'.center(10**9) }}",
    "{{ 'a'.ljust(1000000000) }}",
    "{{ 'a'|center(1000000000) }}",
    "{{ '%1000000000s'|format('a') }}",
    "{{ '%*s'|format(10**9, 'a') }}",
    "{{ '%1000000000s' % 'a' }}",
    "{{ '{:>1000000000}'.format('a') }}",
    "{{ '{:>{}}'.format('a', 10**9) }}",
    "{{ ('a' * 150000).replace('a', 'aaaaaaaaaa') }}",
    "{{ ('a' * 150000)|replace('a', 'aaaaaaaaaa') }}",
    "{{ ('a' * 150000)|replace('', 'bb') }}",
    "{{ range(10000)|join('a' * 100000) }}",
    "{{ ('a' * 100000).join(range(10000)|map('string')) }}",
    "{{ ('\n' * 100000)|indent(10**6) }}",
    "{{ ('\t' * 100000).expandtabs(1000) }}",
    "{{ range(10)|batch(10**9, 'x')|list }}",
    "{{ range(10)|slice(10**9)|list }}",
    "{{ 2 ** (10**9) }}",
    "{% macro f(s, n) %}{{ f(s ~ s, n - 1) if n else s }}{% endmacro %}{{ f('a', 40) }}",
    "{% set a = 'a' * 150000 %}{{ a ~ a ~ a }}",
    "{% set a = 'a' * 150000 %}{{ a + a + a }}",
]


class In(BaseModel):
    topic: str


def generator(source: str) -> Generator:
    return Generator(name="t.g", description="", input_model=In, prompt="t/p.j2",
                     template_sources={"t/p.j2": source})


def render(source: str, topic: str = "x") -> str:
    return TemplateStore().render(generator(source), "t/p.j2", {"topic": topic}).text


@pytest.mark.parametrize("bomb", BOMBS)
def test_a_resource_bomb_is_refused_naming_the_template(bomb: str):
    with pytest.raises(TemplateError, match=r"t\.g: template 't/p\.j2'.*(limit|exceeds)"):
        render(bomb)


def test_bombs_are_refused_before_they_allocate():
    # In a fresh process, so that its peak memory is the bombs' alone.
    script = (
        "import json, resource\n"
        "from tests.core.test_sandbox import BOMBS, render\n"
        "from aigc_core.errors import TemplateError\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "refused = 0\n"
        "for bomb in BOMBS:\n"
        "    try:\n"
        "        render(bomb)\n"
        "    except TemplateError:\n"
        "        refused += 1\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'refused': refused, 'grew_kb': after - before}))\n"
    )
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    report = json.loads(out)
    assert report["refused"] == len(BOMBS)
    assert report["grew_kb"] < 50_000  # each bomb would need 1 GB or more
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("source, expected", [
    ("{{ 'ab' * 3 }}", "ababab"),
    ("[{{ '%5.2f'|format(3.14159) }}]", "[ 3.14]"),
    ("{{ '{:,}'.format(1234567) }}", "1,234,567"),
    ("[{{ '{:>6}'.format('ab') }}]", "[    ab]"),
    ("{{ '%d items' % 2000000 }}", "2000000 items"),
    ("{{ ['a', 'b']|join(', ') }}", "a, b"),
    ("{{ 'x'|center(5) }}|", "x  |"),
    ("{{ topic ~ '!' ~ topic }}", "tides!tides"),
    ("{{ 'one two three'|wordwrap(8) }}", "one two\nthree"),
    ("{{ 'a\nb'|indent(2) }}", "a\n  b"),
    ("{{ 2 ** 10 }}", "1024"),
    ("{% for i in range(3) %}{{ i }}{% endfor %}", "012"),
    ("{{ 'tide'.replace('t', 'T') }}", "Tide"),
])
def test_ordinary_templates_still_render(source: str, expected: str):
    assert render(source, "tides") == expected


def test_a_loop_without_calls_stops_at_the_deadline():
    spin = "{% for a in topic %}{% for b in topic %}{% for c in topic %}{% endfor %}" \
           "{% endfor %}{% endfor %}"
    started = time.monotonic()
    with active(Deadline(0.5, label="soft time limit")), \
            pytest.raises(DeadlineExceeded, match=r"stopped at the soft time limit of 0\.5s"):
        render(spin, "x" * 2000)  # 8e9 iterations unbounded
    assert time.monotonic() - started < 2.0
