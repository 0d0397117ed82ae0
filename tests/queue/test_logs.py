"""Worker logs: the libraries' per-request lines are off unless the worker runs at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from aigc_core import Result
from aigc_core.jobs import ErrorInfo, Provenance
from aigc_workers.logs import PER_REQUEST_LOGGERS, job_line, quiet_per_request_loggers


@pytest.fixture(autouse=True)
def restore_levels() -> Iterator[None]:
    before = {name: logging.getLogger(name).level for name in PER_REQUEST_LOGGERS}
    try:
        yield
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("level", ["INFO", logging.WARNING])
def test_per_request_lines_are_off_at_info_and_above(level):
    quiet_per_request_loggers(level)
    for name in PER_REQUEST_LOGGERS:
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        assert logging.getLogger(name).isEnabledFor(logging.WARNING), name


def test_debug_keeps_them():
    for name in PER_REQUEST_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    quiet_per_request_loggers("DEBUG")
    assert all(logging.getLogger(name).level == logging.NOTSET for name in PER_REQUEST_LOGGERS)


def test_the_job_line_names_the_job_and_its_outcome_not_its_content():
    prov = Provenance(generator="news.article", plugin="news", plugin_version="1",
                      model="vllm", attempts=2)
    prov.timings.total_ms = 812.4
    result = Result(job_id="j-1", status="failed", text="secret draft", provenance=prov,
                    error=ErrorInfo(kind="validation", message="headline: too long"))
    assert job_line(result, 815.0) == (
        "job j-1 news.article on vllm: failed in 815 ms (engine 812 ms, 2 model attempts): "
        "validation: headline: too long")
