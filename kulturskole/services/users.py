"""The web console's accounts: adding, listing, disabling, and checking a password.

Passwords are hashed with argon2id and never stored, logged or returned; a wrong e-mail address
and a wrong password are refused alike, so that a login form does not tell which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.errors import InvalidInput, NotFound
from models import USER_ROLES, User
from models.base import utcnow

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
# Checked against when the account does not exist, so both refusals take the same time.
_DUMMY_HASH = _HASHER.hash("not a password of anyone's")


@dataclass(frozen=True)
class Account:
    """An account as the console and the CLI see it (no hash)."""

    id: int
    email: str
    name: str
    role: str
    active: bool
    last_login_at: str | None  # UTC, ending in Z


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(f"{email!r} is not an e-mail address: {exc}") from None


def add_user(session: Session, email: str, name: str, role: str, password: str) -> Account:
    address = normalise_email(email)
    if role not in USER_ROLES:
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(USER_ROLES)}")
    if not name.strip():
        raise InvalidInput("the name must not be empty")
    _check_password(password)
    if session.scalar(select(User).where(User.email == address)) is not None:
        raise InvalidInput(f"there is already an account for {address}")
    user = User(
        email=address,
        name=name.strip(),
        role=role,
        password_hash=_HASHER.hash(password),
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return account(user)


def set_password(session: Session, email: str, password: str) -> Account:
    user = _find(session, email)
    _check_password(password)
    user.password_hash = _HASHER.hash(password)
    return account(user)


def disable_user(session: Session, email: str) -> Account:
    user = _find(session, email)
    user.active = False
    return account(user)


def list_users(session: Session) -> list[Account]:
    return [account(u) for u in session.scalars(select(User).order_by(User.email))]


def authenticate(session: Session, email: str, password: str) -> Account | None:
    """The active account with this e-mail address and password, or None (either wrong)."""
    try:
        address = normalise_email(email)
    except InvalidInput:
        address = ""
    user = session.scalar(select(User).where(User.email == address)) if address else None
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    user.last_login_at = utcnow()
    return account(user)


def active_account(session: Session, user_id: int) -> Account | None:
    """The account behind a session, if it still exists and is active (checked every request,
    so that disabling an account ends its sessions at once)."""
    user = session.get(User, user_id)
    return account(user) if user is not None and user.active else None


def account(user: User) -> Account:
    return Account(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        last_login_at=(
            user.last_login_at.isoformat().replace("+00:00", "Z") if user.last_login_at else None
        ),
    )


def _find(session: Session, email: str) -> User:
    address = normalise_email(email)
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        raise NotFound(f"no account for {address}")
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
