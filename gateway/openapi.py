"""The committed OpenAPI document (docs/openapi.json), generated from the app.

    python -m aigc_gateway.openapi docs/openapi.json     # after changing the API

The document depends on no setting: it describes every gateway, whatever its keys and plugins.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aigc_core.config import Settings

from .app import create_app


def document() -> str:
    """The OpenAPI JSON text, stable byte for byte for the same code."""
    app = create_app(Settings(gateway={}, queue={}))  # whatever this machine's config says
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> None:
    text = document()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
