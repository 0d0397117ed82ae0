"""Logging in and out of the console."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from . import passwords
from .sessions import COOKIE
from .web import NOT_OURS, console_of, form_of, page, redirect, refused, session_of

router = APIRouter(prefix="/ui", include_in_schema=False)
#: The login form's CSRF token, before there is a session to hold one (double submit).
LOGIN_COOKIE = "aigc_login"


@router.get("/login")
async def login_page(request: Request, next: str = "/ui/") -> Response:
    return _login_form(request, next)


def _login_form(request: Request, next_page: str, error: str = "", status: int = 200,
                name: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = page("login.html", status, csrf=token, next=_local(next_page), error=error,
                     name=name)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/ui",
                        secure=console_of(request).secure_cookie)
    return response


def _local(path: str) -> str:
    """Only a path on this console is a place to go after logging in (no open redirect)."""
    return path if path.startswith("/ui/") and not path.startswith("/ui//") else "/ui/"


@router.post("/login")
async def login(request: Request) -> Response:
    form = await form_of(request)
    sent, kept = form.get("csrf", ""), request.cookies.get(LOGIN_COOKIE, "")
    if not kept or not secrets.compare_digest(sent, kept):
        return _login_form(request, form.get("next", "/ui/"), status=403,
                           error="The form had expired. Log in again.")
    name, password = form.get("name", ""), form.get("password", "")
    console = console_of(request)
    user = await run_in_threadpool(
        lambda: console.gateway.history.read(lambda ledger: ledger.user(name)))
    if not passwords.verify(user.password_hash if user else None, password):
        return _login_form(request, form.get("next", "/ui/"), status=401, name=name,
                           error="Wrong name or password.")
    assert user is not None
    token = console.sessions.open(user.name, user.role)
    response = redirect(_local(form.get("next", "/ui/")))
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/ui",
                        secure=console.secure_cookie)
    response.delete_cookie(LOGIN_COOKIE, path="/ui")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = session_of(request)
    form = await form_of(request)
    if session is not None and not session.csrf_ok(form.get("csrf")):
        return refused(session, NOT_OURS)
    console_of(request).sessions.close(request.cookies.get(COOKIE))
    response = redirect("/ui/login")
    response.delete_cookie(COOKIE, path="/ui")
    return response
