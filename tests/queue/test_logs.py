"""Worker logs: the libraries' per-request lines are off unless the worker runs at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from aigc_core import Problem, Result
from aigc_core.jobs import ErrorInfo, Provenance
from aigc_workers.logs import (
    PER_REQUEST_LOGGERS,
    URL_LOGGERS,
    MaskCredentials,
    job_line,
    mask_request_urls,
    quiet_per_request_loggers,
)


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


def test_request_urls_are_masked_at_debug(caplog):
    try:
        mask_request_urls()
        mask_request_urls()  # once per logger however often logging is set up
        with caplog.at_level(logging.DEBUG, logger="httpx2"):
            logging.getLogger("httpx2").info('HTTP Request: POST %s "%s"',
                                             "http://aigc:hunter2@vllm/v1", "HTTP/1.1 200 OK")
        assert caplog.messages == ['HTTP Request: POST http://***@vllm/v1 "HTTP/1.1 200 OK"']
        assert all(len(logging.getLogger(name).filters) == 1 for name in URL_LOGGERS)
    finally:
        for name in URL_LOGGERS:
            for found in logging.getLogger(name).filters[:]:
                if isinstance(found, MaskCredentials):
                    logging.getLogger(name).removeFilter(found)


def failed(kind: str, message: str, problems: list[Problem] | None = None) -> Result:
    prov = Provenance(generator="news.article", plugin="news", plugin_version="1",
                      model="vllm", attempts=2)
    prov.timings.total_ms = 812.4
    return Result(job_id="j-1", status="failed", text="secret draft", provenance=prov,
                  error=ErrorInfo(kind=kind, message=message), problems=problems or [])


def test_the_job_line_names_the_job_and_its_outcome_not_its_content():
    result = failed("validation", "the output still had problems after 2 attempt(s)",
                    [Problem(field="headline", message="'Secret draft' is too long",
                             code="too_long")])
    assert job_line(result, 815.0) == (
        "job j-1 news.article on vllm: failed in 815 ms (engine 812 ms, 2 model attempts): "
        "validation: the output still had problems after 2 attempt(s); "
        "problems: headline (too_long)")


def test_messages_that_quote_the_input_are_left_out_problems_are_named():
    problems = [Problem(field=f"input.k{i}", message=f"got 'private {i}'") for i in range(7)]
    line = job_line(failed("invalid_input", "invalid input: got 'private'", problems), 1.0)
    assert line.endswith(": invalid_input; problems: input.k0 (invalid), input.k1 (invalid), "
                         "input.k2 (invalid), input.k3 (invalid), input.k4 (invalid) and 2 more")
    assert "private" not in line


def test_a_logged_message_is_one_masked_line():
    line = job_line(failed("model", "http://u:pw@h/v1: refused\nforged line"), 1.0)
    assert line.endswith(": model: http://***@h/v1: refused forged line")
    line = job_line(failed("invalid_input", "x", [Problem(field="input.a\nforged", message="")]),
                    1.0)
    assert line.endswith("problems: input.a forged (invalid)")
