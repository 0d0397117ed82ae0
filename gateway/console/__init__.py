"""The review console: server-rendered pages under ``/ui/`` where people log in, read what
was generated beside its input, and approve, edit or reject it (docs/review.md).

- ``passwords.py``: argon2id hashes of console passwords;
- ``sessions.py``: logins kept in Redis behind an HttpOnly cookie, each with its CSRF token;
- ``preview.py``: an output as its reader will see it (an article, an ad, a translation);
- ``web.py``: what every page shares (templates, security headers, logins, form checks);
  the routes, one module per page: ``login.py``, ``queue.py`` (the queue, the next job,
  the dashboard), ``job.py`` (a job and decisions on it), ``submit.py``;
- ``templates/`` and ``static/``: the pages, their style and script (no inline script or
  style: the Content-Security-Policy forbids them).

People and their roles live in the ledger (``aigc users``); decisions go through the same
``Reviews`` as the HTTP API.
"""
