"""Schemathesis hooks (``SCHEMATHESIS_HOOKS=tests.gateway.schemathesis_probes``): requests the
API document cannot describe, added to the examples phase of test_schemathesis.py's run.

The document cannot say "no lone surrogates" or "at most 32 levels of nesting", so generated
data never has them; nor can generated path ids step outside the id pattern in the phases
that keep to the document. These probes (probes.py: each bad job alone and in a batch, bad
ids in every ``/v1/jobs/{job_id}`` path) then go through schemathesis's checks like any case:
never a 5xx, every answer documented and conforming. Each answer is also written to
``$AIGC_PROBE_LOG``, so that the test can tell that every probe was sent.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import unquote

import schemathesis

from tests.gateway.probes import BAD_PATH_IDS, bad_jobs

#: Names the probe a request is (the gateway ignores the header).
PROBE_HEADER = "X-Aigc-Probe"
LOG_ENV = "AIGC_PROBE_LOG"

#: The job the document's own examples queue.
_JOB = {"generator": "translation.translate",
        "input": {"text": "The museum opens at nine.", "target_language": "fr"}}

#: (operation, probe name) -> what the probe sends: a raw JSON body or a path id.
PROBES: dict[tuple[str, str], dict[str, Any]] = {
    **{("POST /v1/jobs", name): {"body": text.encode()}
       for name, (text, _) in bad_jobs(_JOB).items()},
    **{("POST /v1/jobs:batch", name): {"body": f'{{"jobs": [{text}]}}'.encode()}
       for name, (text, _) in bad_jobs(_JOB).items()},
    **{(f"{method} {path}", job_id): {"path_parameters": {"job_id": unquote(job_id)}}
       for method, path in [("GET", "/v1/jobs/{job_id}"), ("DELETE", "/v1/jobs/{job_id}"),
                            ("GET", "/v1/jobs/{job_id}/events")]
       for job_id in BAD_PATH_IDS},
}


@schemathesis.hook
def before_add_examples(context: Any, examples: list[Any]) -> None:
    operation = context.operation
    for (label, name), request in PROBES.items():
        if label == f"{operation.method.upper()} {operation.path}":
            media_type = {"media_type": "application/json"} if "body" in request else {}
            examples.append(operation.Case(headers={PROBE_HEADER: name}, **request,
                                           **media_type))


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    name = (case.headers or {}).get(PROBE_HEADER)
    if name and os.environ.get(LOG_ENV):
        operation = f"{case.operation.method.upper()} {case.operation.path}"
        with open(os.environ[LOG_ENV], "a", encoding="utf-8") as log:
            log.write(json.dumps({"operation": operation, "probe": name,
                                  "status": response.status_code}) + "\n")
