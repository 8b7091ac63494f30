"""How people sign in: failed-login lockout, session and access-token lifetimes, TOTP roles.

Built at the entry points (``create_app``, the CLI) from ``GRIDMAP_*`` variables and handed to
the use cases, like every other settings class.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gis.identity.roles import ROLES


class AuthSettings(BaseSettings):
    """Sign-in rules.

    Attributes
    ----------
    max_failures : int
        Wrong passwords (or one-time codes) within ``failure_window_minutes`` that lock an
        account (``GRIDMAP_MAX_FAILURES``).
    failure_window_minutes, lock_minutes : float
        How long failures count, and how long a lock lasts.
    session_idle_minutes : float
        A browser session ends after this long without a request.
    session_hours : float
        A browser session ends this long after it started, however busy.
    access_token_minutes : int
        The lifetime of a token from ``POST /auth/token`` (the password grant).
    totp_required_roles : str
        Roles (a comma list, e.g. ``admin,auditor``) whose users must have a TOTP second
        factor to sign in with a password.
    cookie_secure : bool
        Send the session cookie only over HTTPS (set it behind TLS).
    password_max_days : int
        A password older than this many days no longer signs in (it must be reset);
        0, the default, never expires (``GRIDMAP_PASSWORD_MAX_DAYS``, e.g. 90).
    public_reads : bool
        Whether the public reads (``GET /lookup``, ``/areas``, the Open311 ``GET``s, station
        listings) answer without credentials (``GRIDMAP_PUBLIC_READS``; false: signed in).
    public_grid_map : bool
        Whether the grid map page answers without signing in, showing every area
        (``GRIDMAP_PUBLIC_GRID_MAP``).
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    max_failures: int = Field(default=5, gt=0)
    failure_window_minutes: float = Field(default=15, gt=0)
    lock_minutes: float = Field(default=15, gt=0)
    session_idle_minutes: float = Field(default=30, gt=0)
    session_hours: float = Field(default=12, gt=0)
    access_token_minutes: int = Field(default=60, gt=0)
    totp_required_roles: str = ""
    cookie_secure: bool = False
    password_max_days: int = Field(default=0, ge=0)
    public_reads: bool = True
    public_grid_map: bool = False

    @field_validator("totp_required_roles")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        unknown = [name for name in _names(value) if name not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; one of {', '.join(ROLES)}")
        return value

    @property
    def totp_roles(self) -> frozenset[str]:
        """The roles that need a TOTP second factor.

        Examples
        --------
        >>> sorted(AuthSettings(totp_required_roles=" admin, auditor ,").totp_roles)
        ['admin', 'auditor']
        >>> AuthSettings(totp_required_roles="").totp_roles
        frozenset()
        """
        return frozenset(_names(self.totp_required_roles))

    @property
    def failure_window(self) -> timedelta:
        """How long a failed login counts towards a lock."""
        return timedelta(minutes=self.failure_window_minutes)

    @property
    def lock(self) -> timedelta:
        """How long an account stays locked."""
        return timedelta(minutes=self.lock_minutes)

    @property
    def session_idle(self) -> timedelta:
        """How long a session lives without a request."""
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_lifetime(self) -> timedelta:
        """How long a session lives at most."""
        return timedelta(hours=self.session_hours)

    @property
    def access_token_lifetime(self) -> timedelta:
        """How long a password-grant token lives."""
        return timedelta(minutes=self.access_token_minutes)


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]
