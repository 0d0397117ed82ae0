"""Credentials masked out of anything aigc shows: URLs, model servers' messages, log lines.

Secrets reach output by two roads. Operators write them into settings (``base_url =
"https://user:pass@host/v1"``, ``?api_key=...``), and model servers echo what they were sent
(OpenAI answers a wrong key with "Incorrect API key provided: sk-..."). Both end up in job
results that API clients read and in worker logs, so every place that prints a URL or a
server's text passes it through ``redact`` (or ``excerpt``, which also bounds it) first.

Masking is by shape: a secret with no recognisable shape (an arbitrary password in a server's
free text) cannot be found, which is why clients get no server text at all for
authentication failures (see the openai backend).
"""

from __future__ import annotations

import re

MASK = "***"

#: Names whose value is a secret, in ``name=value`` query strings, ``name: value`` text and
#: ``"name": "value"`` JSON. Whole words only: ``max_tokens`` is not ``token``. A bare ``key``
#: counts only as a query parameter (``?key=``): in prose, "missing key: 'messages'" is not one.
_SECRET_NAMES = (r"api[_-]?key|apikey|x-api-key|access[_-]?token|refresh[_-]?token"
                 r"|auth[_-]?token|token|secret|client[_-]?secret|password|passwd|pwd"
                 r"|signature|sig")

#: (pattern, replacement), applied in order; each keeps what says what was there (the URL's
#: host, the key's vendor prefix, the parameter's name) and masks only the secret.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:password@host: the userinfo up to the host's "@" (an unencoded "@" in a
    # password included, as URL parsers read it).
    (re.compile(r"\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@", re.IGNORECASE), rf"\1{MASK}@"),
    # Authorization header values.
    (re.compile(r"\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}", re.IGNORECASE), rf"\1 {MASK}"),
    # Named values: api_key=..., "password": "...", token: ...
    (re.compile(rf"""(?<![\w-])((?:{_SECRET_NAMES})["']?\s*[:=]\s*["']?)[^\s"'&,;)}}\]]+""",
                re.IGNORECASE), rf"\1{MASK}"),
    (re.compile(r"([?&;]key=)[^&#\s]+", re.IGNORECASE), rf"\1{MASK}"),
    # Keys with a vendor prefix: OpenAI and look-alikes (sk-, sk-proj-, sk-live-), Hugging
    # Face, GitHub, GitLab, Slack, Google, AWS access key ids.
    (re.compile(r"(?<![\w-])(sk|pk|rk|hf|ghp|gho|ghu|ghs|ghr|github_pat|glpat|xox[abprs])([-_])"
                r"[A-Za-z0-9_-]{6,}"), rf"\1\2{MASK}"),
    (re.compile(r"(?<![\w-])(AIza|AKIA|ASIA)[A-Za-z0-9_-]{12,}"), rf"\1{MASK}"),
    # JSON web tokens.
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), MASK),
    # Anything else shaped like a generated key: 32+ letters and digits, both present.
    (re.compile(r"(?<![\w-])(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{32,}(?![\w-])"),
     MASK),
)

#: Line breaks and other control characters: an excerpt is one line, so a server's text can
#: neither forge log lines nor spread over a client's terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")


def redact(text: str) -> str:
    """``text`` with every credential it visibly holds replaced by ``***``.

    >>> redact("http://aigc:hunter2@vllm:8000/v1?api_key=abc123")
    'http://***@vllm:8000/v1?api_key=***'
    >>> redact("Incorrect API key provided: sk-live-4f9a8b7c6d5e")
    'Incorrect API key provided: sk-***'
    """
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def excerpt(text: str, limit: int = 160) -> str:
    """``redact(text)`` on one line, at most ``limit`` characters (cut with an ellipsis).

    Masked before it is cut, so a cut cannot leave a key too short to be recognised.
    """
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", redact(text))).strip()
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"
