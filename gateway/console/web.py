"""What the console's pages share: the templates, the security headers every page is sent
with, logins, and the checks every posted form goes through.

Every page is rendered from templates/ with autoescaping on, and sent with a
Content-Security-Policy that allows only this site's own script and style sheet: no inline
script, no inline style, so an output that smuggles markup in stays inert text even where a
template would fail to escape it. Every form carries a CSRF token; the session cookie is
HttpOnly and SameSite=Strict besides.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from ..service import Gateway
from .preview import width
from .sessions import COOKIE, Session, Sessions

#: Sent with every page. 'self' only: the console's own console.css and console.js.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

TEMPLATES = Environment(loader=PackageLoader("aigc_gateway.console", "templates"),
                        autoescape=select_autoescape(default=True, default_for_string=True),
                        trim_blocks=True, lstrip_blocks=True)
TEMPLATES.filters["width"] = width
TEMPLATES.filters["pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False,
                                                       default=str)


class Console:
    """What the pages share: the gateway, and logins."""

    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        settings = gateway.settings
        self.secure_cookie = settings.console_secure_cookie
        self.sessions = Sessions(gateway.client.redis, gateway.client.app.queue_settings.prefix,
                                 settings.console_session_hours)


def console_of(request: Request) -> Console:
    return request.app.state.console


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303, headers=SECURITY_HEADERS)


async def form_of(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the only kind these pages send); the last of repeats."""
    body = (await request.body()).decode("utf-8", "replace")
    return {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}


def session_of(request: Request) -> Session | None:
    return console_of(request).sessions.find(request.cookies.get(COOKIE))


def login_first(request: Request) -> RedirectResponse:
    return redirect(f"/ui/login?next={quote(request.url.path)}")


NOT_OURS = "The form did not come from this console (CSRF check)."


def refused(session: Session, message: str) -> HTMLResponse:
    return page("error.html", 403, session=session, title="Refused", message=message)


async def posted(request: Request, verb: str) -> tuple[Session, dict[str, str]] | Response:
    """The session and form of a POST that would ``verb`` (decide, submit), or the page
    refusing it: no login, a form from elsewhere (CSRF), or a role that may not."""
    session = session_of(request)
    if session is None:
        return login_first(request)
    form = await form_of(request)
    if not session.csrf_ok(form.get("csrf")):
        return refused(session, NOT_OURS)
    if not session.may_decide():
        return refused(session, f"{session.user} is a {session.role}: only reviewers and "
                                 f"admins {verb}.")
    return session, form
