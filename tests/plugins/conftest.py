"""Shared by the plugin tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aigc_core import testing


@pytest.fixture
def assert_grammar() -> Callable[..., None]:
    """``aigc_core.testing.assert_grammar``, skipped where llama-cpp-python is not installed."""
    pytest.importorskip("llama_cpp")
    return testing.assert_grammar
