"""The review console's people: name, role, password hash. The console hashes and checks
passwords (gateway/console/passwords.py); the ledger only keeps what it is given."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import Connection, delete, select

from ..jobs import utcnow
from . import schema
from .queries import utc
from .records import USER_NAME, Role
from .writer import insert

_users = schema.users


class User(BaseModel):
    name: str = Field(pattern=USER_NAME)
    role: Role
    password_hash: str = Field(repr=False)
    created_at: datetime
    updated_at: datetime


def get(connection: Connection, name: str) -> User | None:
    row = connection.execute(select(_users).where(_users.c.name == name)).mappings().first()
    return _user(row) if row else None


def every(connection: Connection) -> list[User]:
    return [_user(row) for row in connection.execute(select(_users).order_by(_users.c.name))
            .mappings()]


def save(connection: Connection, name: str, role: Role, password_hash: str) -> bool:
    """Create the user, or set an existing one's role and password; whether it was new."""
    now = utcnow()
    User(name=name, role=role, password_hash=password_hash, created_at=now, updated_at=now)
    new = get(connection, name) is None
    connection.execute(insert(connection, _users).values(
        name=name, role=role, password_hash=password_hash, created_at=now, updated_at=now,
    ).on_conflict_do_update(index_elements=["name"], set_={
        "role": role, "password_hash": password_hash, "updated_at": now}))
    return new


def remove(connection: Connection, name: str) -> bool:
    return bool(connection.execute(delete(_users).where(_users.c.name == name)).rowcount)


def _user(row: object) -> User:
    data = dict(row)  # type: ignore[call-overload]
    return User(**data | {"created_at": utc(data["created_at"]),
                          "updated_at": utc(data["updated_at"])})
