"""What every exporter shares: its error. The explicit AI label they carry over is read and
placed with ``aigc_core.labelling``."""

from __future__ import annotations

from aigc_core import AigcError


class ExportError(AigcError):
    """The output cannot be written in the requested format without losing or corrupting it."""
