"""What the service needs to run: database, token, clock, office catalogue and limits.

- The bearer token for the office side comes from the environment (`SLOTPLAN_TOKEN`) or from a
  TOML config file (`token = "..."`), never from the command line, and never appears in a repr or log.
- The catalogue of offices and request types (display names, durations, `info` texts for citizens)
  comes from scenario JSON files: the service reads only the public format's `office` and
  `service_types` sections, with its own small models (it shares nothing else with the planner).
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .clock import DEFAULT_TIMEZONE, Clock, SystemClock, zone

TOKEN_ENV = "SLOTPLAN_TOKEN"
DOCUMENT_KEY_ENV = "SLOTPLAN_DOCUMENT_KEY"
SMTP_ENV = (
    "SLOTPLAN_SMTP_HOST",
    "SLOTPLAN_SMTP_PORT",
    "SLOTPLAN_SMTP_USER",
    "SLOTPLAN_SMTP_PASSWORD",
    "SLOTPLAN_SMTP_STARTTLS",
    "SLOTPLAN_MAIL_FROM",
    "SLOTPLAN_PUBLIC_URL",
)
MIN_TOKEN_LENGTH = 16
DEFAULT_DB = "sqlite:///slotplan-service.sqlite3"


class SettingsError(ValueError):
    """A setting is wrong; the message names it (never a token's value)."""


# ---- catalogue: office and request-type texts from scenario files ----------------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ServiceInfo(_Loose):
    """A request type as citizens see it."""

    id: str = Field(min_length=1)
    name: str
    duration_min: int | None = None
    info: str | None = None


class OfficeInfo(_Loose):
    id: str = Field(min_length=1)
    name: str
    timezone: str = DEFAULT_TIMEZONE
    services: tuple[ServiceInfo, ...] = ()

    def service(self, service_id: str) -> ServiceInfo:
        """The request type `service_id`, or a stand-in named by its id when the catalogue lacks it."""
        known = next((s for s in self.services if s.id == service_id), None)
        return known or ServiceInfo(id=service_id, name=service_id)


class _ScenarioHead(_Loose):
    class _Office(_Loose):
        id: str = Field(min_length=1)
        name: str
        timezone: str = DEFAULT_TIMEZONE

    office: _Office
    service_types: list[ServiceInfo] = []


def office_from_scenario(path: str | Path) -> OfficeInfo:
    """The office and its request types from a scenario JSON file (shared/spec/SCENARIO.md)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        head = _ScenarioHead.model_validate(data)
    except OSError as err:
        raise SettingsError(f"--scenario {path}: cannot read ({err.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SettingsError(f"--scenario {path}: not valid JSON ({err})") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettingsError(f"--scenario {path}: {where}: {first['msg']}") from None
    try:
        zone(head.office.timezone)
    except ValueError as err:
        raise SettingsError(f"--scenario {path}: office.timezone: {err}") from None
    return OfficeInfo(
        id=head.office.id, name=head.office.name, timezone=head.office.timezone, services=tuple(head.service_types)
    )


# ---- settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailSettings:
    """SMTP for confirmation mails, from the environment (`SLOTPLAN_SMTP_*`, `SLOTPLAN_MAIL_FROM`);
    `public_url` (`SLOTPLAN_PUBLIC_URL`) is the base of the links in the mails."""

    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    sender: str = "termine@localhost"
    public_url: str | None = None

    @staticmethod
    def from_environ(environ: Mapping[str, str]) -> MailSettings:
        port_text = environ.get("SLOTPLAN_SMTP_PORT", "").strip() or "25"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"SLOTPLAN_SMTP_PORT: {port_text!r} is not a port")
        public = environ.get("SLOTPLAN_PUBLIC_URL", "").strip().rstrip("/") or None
        if public is not None and not public.startswith(("http://", "https://")):
            raise SettingsError("SLOTPLAN_PUBLIC_URL: an http(s) URL is needed, e.g. https://termine.example.org")
        return MailSettings(
            host=environ.get("SLOTPLAN_SMTP_HOST", "").strip() or None,
            port=int(port_text),
            user=environ.get("SLOTPLAN_SMTP_USER", "").strip() or None,
            password=environ.get("SLOTPLAN_SMTP_PASSWORD") or None,
            starttls=environ.get("SLOTPLAN_SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes"),
            sender=environ.get("SLOTPLAN_MAIL_FROM", "").strip() or "termine@localhost",
            public_url=public,
        )


@dataclass
class Settings:
    """Everything `create_app` needs. `token=None` disables the office side (every call answers 401)."""

    db_url: str = DEFAULT_DB
    token: str | None = field(default=None, repr=False)
    clock: Clock = field(default_factory=SystemClock)
    offices: dict[str, OfficeInfo] = field(default_factory=dict)
    #: When set, the token may publish only for these offices (others: 403) and only they are shown.
    allowed_offices: frozenset[str] | None = None
    timezone: str = DEFAULT_TIMEZONE
    #: Citizen requests per minute and client (0: no limit); bursts up to half a minute's worth.
    rate_limit_per_min: int = 120
    #: Booking attempts (POST) per minute and client (0: no limit).
    booking_limit_per_min: int = 10
    #: Failed office-side authentications per minute and client before 429.
    auth_failures_per_min: int = 10
    #: Names and e-mail addresses of bookings whose day lies this many days back are erased (daily).
    retention_days: int = 30
    #: Minutes a pending (unconfirmed) booking holds its slot; also how long a cancelled slot stays
    #: reserved for the same document.
    hold_minutes: int = 15
    #: New bookings per minute and office (pending or confirmed), whoever makes them (0: no limit).
    office_booking_limit_per_min: int = 20
    #: ALTCHA search space at a quiet moment; multiplied by 1 + bookings of the office in the last
    #: minute (at most 64 times).
    challenge_base: int = 50_000
    #: Key of the ALTCHA challenges' HMAC (random per start unless configured).
    challenge_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    #: Key of the document numbers' HMAC (`SLOTPLAN_DOCUMENT_KEY`).
    document_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    mail: MailSettings = field(default_factory=MailSettings)
    #: Seconds between the maintenance rounds (expire holds; retention once a day).
    maintenance_interval_s: float = 30.0
    #: Seconds a client may take to send a request's headers and body.
    request_timeout_s: float = 5.0

    def office(self, office_id: str) -> OfficeInfo:
        """The catalogue entry of `office_id`, or a stand-in named by its id."""
        return self.offices.get(office_id) or OfficeInfo(id=office_id, name=office_id, timezone=self.timezone)

    def allows(self, office_id: str) -> bool:
        return self.allowed_offices is None or office_id in self.allowed_offices


def check_token(token: str, source: str) -> str:
    token = token.strip()
    if len(token) < MIN_TOKEN_LENGTH:
        raise SettingsError(
            f"{source}: the token is too short; use at least {MIN_TOKEN_LENGTH} characters, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if any(c.isspace() or not c.isprintable() for c in token):
        raise SettingsError(f"{source}: the token must not contain spaces or control characters")
    return token


def read_config(path: str | Path) -> dict[str, Any]:
    """A TOML config file as a dict. Warns (via the returned `_warnings`) when a file holding a token
    can be read by other users."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as err:
        raise SettingsError(f"--config {path}: cannot read ({err.strerror})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise SettingsError(f"--config {path}: not valid TOML ({err})") from None
    known = {
        "token",
        "db",
        "offices",
        "timezone",
        "scenarios",
        "rate_limit_per_min",
        "booking_limit_per_min",
        "auth_failures_per_min",
        "retention_days",
        "hold_minutes",
        "office_booking_limit_per_min",
        "challenge_base",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(f"--config {path}: unknown key(s) {', '.join(unknown)}")
    warnings = []
    if "token" in data and os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.append(f"--config {path}: holds the token but other users can read it; chmod 600 it")
    data["_warnings"] = warnings
    data["_path"] = str(path)
    return data


def resolve_token(environ: Mapping[str, str], config: Mapping[str, Any]) -> str | None:
    """`SLOTPLAN_TOKEN` from the environment, else `token` from the config file, else None."""
    value = environ.get(TOKEN_ENV, "")
    if value.strip():
        return check_token(value, f"environment variable {TOKEN_ENV}")
    if "token" in config:
        if not isinstance(config["token"], str):
            raise SettingsError(f"--config {config.get('_path')}: token must be a string")
        return check_token(config["token"], f"--config {config.get('_path')}: token")
    return None


def _int(config: Mapping[str, Any], key: str, value: int | None, default: int) -> int:
    chosen = value if value is not None else config.get(key, default)
    if not isinstance(chosen, int) or isinstance(chosen, bool) or chosen < 0:
        raise SettingsError(f"{key}: {chosen!r} is not a whole number >= 0")
    return chosen


def build_settings(
    *,
    db: str | None = None,
    clock: Clock | None = None,
    scenarios: list[Path] | None = None,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    rate_limit_per_min: int | None = None,
    booking_limit_per_min: int | None = None,
    retention_days: int | None = None,
    timezone: str | None = None,
    hold_minutes: int | None = None,
    office_booking_limit_per_min: int | None = None,
    challenge_base: int | None = None,
    maintenance_interval_s: float = 30.0,
    request_timeout_s: float = 5.0,
) -> tuple[Settings, list[str]]:
    """Settings from command-line values (which win), a config file and the environment; and warnings."""
    config = read_config(config_path) if config_path is not None else {}
    warnings = list(config.get("_warnings", []))
    environ = os.environ if environ is None else environ
    token = resolve_token(environ, config)
    if token is None:
        warnings.append(
            f"no token ({TOKEN_ENV} or the config file's `token`): the office side answers 401, "
            "nothing can be published"
        )
    paths = list(scenarios or []) + [Path(p) for p in config.get("scenarios", [])]
    offices: dict[str, OfficeInfo] = {}
    for p in paths:
        info = office_from_scenario(p)
        offices[info.id] = info
    allowed = config.get("offices")
    if allowed is not None and not (isinstance(allowed, list) and all(isinstance(o, str) for o in allowed)):
        raise SettingsError("offices: a list of office ids is needed")
    tz = timezone or config.get("timezone")
    if tz is None and len(offices) == 1:
        tz = next(iter(offices.values())).timezone
    tz = tz or DEFAULT_TIMEZONE
    try:
        zone(tz)
    except ValueError as err:
        raise SettingsError(f"timezone: {err}") from None
    settings = Settings(
        db_url=db or config.get("db") or DEFAULT_DB,
        token=token,
        clock=clock or SystemClock(),
        offices=offices,
        allowed_offices=frozenset(allowed) if allowed is not None else None,
        timezone=tz,
        rate_limit_per_min=_int(config, "rate_limit_per_min", rate_limit_per_min, 120),
        booking_limit_per_min=_int(config, "booking_limit_per_min", booking_limit_per_min, 10),
        auth_failures_per_min=_int(config, "auth_failures_per_min", None, 10),
        retention_days=_int(config, "retention_days", retention_days, 30),
        hold_minutes=max(1, _int(config, "hold_minutes", hold_minutes, 15)),
        office_booking_limit_per_min=_int(config, "office_booking_limit_per_min", office_booking_limit_per_min, 20),
        challenge_base=max(1, _int(config, "challenge_base", challenge_base, 50_000)),
        mail=MailSettings.from_environ(environ),
        maintenance_interval_s=maintenance_interval_s,
        request_timeout_s=request_timeout_s,
    )
    document_key = environ.get(DOCUMENT_KEY_ENV, "").strip()
    if document_key:
        settings.document_key = check_token(document_key, f"environment variable {DOCUMENT_KEY_ENV}")
    else:
        warnings.append(
            f"no {DOCUMENT_KEY_ENV}: document numbers are hashed with a key made for this run, "
            "so they cannot be matched at check-in after a restart"
        )
    if settings.mail.host is None:
        warnings.append("no SLOTPLAN_SMTP_HOST: no confirmation mail can be sent, so citizens cannot book")
    return settings, warnings
