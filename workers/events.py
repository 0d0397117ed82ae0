"""Task events published in batches, at most every ``queue.event_flush_interval`` seconds.

Celery's worker buffers task events (received, started, succeeded) and asks its event loop to
publish them at once, on the next turn. With jobs that take a few milliseconds that publish
(one Redis round trip and some Python) lands in the middle of the next job, competing with it
for the GIL and the CPU. Publishing the buffer on a timer instead batches the events of many
jobs into one message: Flower and ``celery events`` see them up to one interval later, and
the worker spends one round trip per interval rather than one or more per job.

    app.steps["consumer"].add(BatchedTaskEvents)   # done by ``create_app``
"""

from __future__ import annotations

from typing import Any

from celery import bootsteps

#: Events held between two timer ticks before they are published at once anyway.
_BUFFER_LIMIT = 1000


class BatchedTaskEvents(bootsteps.StartStopStep):
    """Flushes the worker's buffered task events on a timer of the worker's event loop."""

    requires = ("celery.worker.consumer.events:Events",)

    def __init__(self, c: Any, **kwargs: Any):
        super().__init__(c, **kwargs)
        self.timer: Any = None

    def start(self, c: Any) -> None:
        interval = c.app.queue_settings.event_flush_interval
        dispatcher = c.event_dispatcher
        # Without an event loop (solo, gevent pools) Celery sends each event at once.
        if not interval or c.hub is None or dispatcher is None or not dispatcher.enabled:
            return
        dispatcher.on_send_buffered = None
        # Celery publishes at once, from whichever thread sends, when 24 events wait: in the
        # middle of a job. Leave that to the timer unless a burst fills a larger buffer.
        dispatcher.buffer_limit = _BUFFER_LIMIT
        self.timer = c.hub.call_repeatedly(interval, c._flush_events)

    def stop(self, c: Any) -> None:
        # Runs before Celery's Events step closes the dispatcher: nothing buffered is lost.
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        c._flush_events()

    shutdown = stop
