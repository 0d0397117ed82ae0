"""The client's Celery app and the worker's: submitting needs no task module, and the worker's
global Celery signal handlers are connected once per process, acting for their own app only."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest
from celery.signals import worker_init, worker_process_init, worker_process_shutdown

from aigc_core.config import load_settings
from aigc_workers import tasks
from aigc_workers.app import create_app
from aigc_workers.client import Client
from aigc_workers.protocol import TASK_NAME
from tests.queue.conftest import ROOT

SIGNALS = (worker_init, worker_process_init, worker_process_shutdown)


class Worker:
    """What a worker_init sender (Celery's WorkController) carries that the handlers read."""

    def __init__(self, app: object, hostname: str):
        self.app = app
        self.hostname = hostname
        self.pool_cls = "threads"


def receivers() -> list[int]:
    return [len(signal.receivers) for signal in SIGNALS]


def test_only_the_worker_app_has_the_task():
    settings = load_settings()
    assert TASK_NAME not in create_app(settings).tasks
    assert TASK_NAME in tasks.worker_app(settings).tasks


def test_submitting_imports_no_task_module():
    code = ("import sys; from aigc_workers.client import Client; "
            "print(sorted(m for m in sys.modules if m.startswith('aigc_workers')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout
    assert "aigc_workers.submit" in loaded
    assert "aigc_workers.tasks" not in loaded and "aigc_workers.watchdog" not in loaded


def test_signal_handlers_are_connected_once_however_many_apps_are_built():
    settings = load_settings()
    tasks.worker_app(settings)
    before = receivers()
    for _ in range(3):
        tasks.worker_app(settings)
        Client(settings).close()  # what the gateway and every CLI command build
    assert receivers() == before


def test_a_handler_acts_for_its_own_app_only(monkeypatch: pytest.MonkeyPatch):
    settings = load_settings()
    ours, other = tasks.worker_app(settings), create_app(settings)
    loaded: list[object] = []
    monkeypatch.setattr(tasks, "pin_gpu", lambda gpus: loaded.append(gpus))
    monkeypatch.setattr(tasks, "warm_up", lambda engine: None)
    monkeypatch.setattr(tasks, "runtime", lambda app: SimpleNamespace(engine=None))

    worker_init.send(sender=Worker(other, "other@h"))
    worker_process_init.send(sender="other@h")
    assert not hasattr(other, "aigc_pool_has_limits") and loaded == []

    worker_init.send(sender=Worker(ours, "ours@h"))
    assert ours.aigc_pool_has_limits is False  # threads: the watchdog enforces the limits
    worker_process_init.send(sender="ours@h")
    assert loaded == [ours.queue_settings.gpus]
