"""`slotplan serve`: run the reference booking service (FastAPI on uvicorn; SQLite or PostgreSQL).

The office token comes from the environment (SLOTPLAN_TOKEN) or `--config FILE` (`token = "..."`),
never from the command line. Exit 2 on bad settings.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .app import app, err_console, user_errors

LOOPBACK = ("127.0.0.1", "localhost", "::1")


DB_HELP = (
    "Database URL (sqlite:///FILE or postgresql+psycopg://USER@HOST/DB) or a SQLite file path. "
    "Default: sqlite:///slotplan-service.sqlite3."
)
NOW_HELP = "Fix the service's clock at this local moment, e.g. 2024-04-22T07:00 (tests, demos)."
SCENARIO_HELP = "Scenario JSON whose office and request types (names, info texts) the citizen page shows; repeatable."
CONFIG_HELP = (
    "TOML file: token, db, offices, timezone, scenarios, rate limits, retention_days, hold_minutes, "
    "office_booking_limit_per_min, challenge_base."
)
RATE_HELP = "Citizen requests per minute and client (0: off). Default 120."
BOOKING_HELP = "Booking attempts per minute and client (0: off). Default 10."
PROXY_HELP = (
    "Trust X-Forwarded-For from these proxy addresses (comma-separated) for the client address that rate limits count."
)


@app.command("serve")
def serve_command(
    db: Annotated[str | None, typer.Option("--db", metavar="URL", help=DB_HELP)] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
    now: Annotated[str | None, typer.Option("--now", metavar="YYYY-MM-DDTHH:MM", help=NOW_HELP)] = None,
    scenario: Annotated[list[Path] | None, typer.Option("--scenario", metavar="FILE", help=SCENARIO_HELP)] = None,
    config: Annotated[Path | None, typer.Option("--config", metavar="FILE", help=CONFIG_HELP)] = None,
    rate_limit: Annotated[int | None, typer.Option("--rate-limit", help=RATE_HELP)] = None,
    booking_limit: Annotated[int | None, typer.Option("--booking-limit", help=BOOKING_HELP)] = None,
    forwarded_allow_ips: Annotated[
        str | None, typer.Option("--forwarded-allow-ips", metavar="IPS", help=PROXY_HELP)
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
    hold_minutes: Annotated[
        int | None, typer.Option("--hold-minutes", help="Minutes an unconfirmed booking holds its slot. Default 15.")
    ] = None,
    office_booking_limit: Annotated[
        int | None,
        typer.Option(
            "--office-booking-limit", help="New bookings per minute and office, from anybody (0: off). Default 20."
        ),
    ] = None,
    challenge_base: Annotated[
        int | None, typer.Option("--challenge-base", help="ALTCHA search space at a quiet moment. Default 50000.")
    ] = None,
) -> None:
    """Run the booking service: publish contract for the office, booking API and pages for citizens."""
    import uvicorn

    from ..service import FixedClock, build_settings, create_app, parse_now
    from ..service.db import make_engine
    from ..service.settings import SettingsError

    with user_errors():
        if not 0 < port < 65536:
            raise InputError(f"--port: {port} is not a port")
        if log_level not in ("debug", "info", "warning", "error"):
            raise InputError(f"--log-level: {log_level!r} is not one of debug, info, warning, error")
        if db is not None and "://" not in db:
            db = f"sqlite:///{Path(db).expanduser().resolve()}"
        try:
            clock = FixedClock(parse_now(now)) if now is not None else None
        except ValueError as err:
            raise InputError(f"--now: {err}") from None
        try:
            settings, warnings = build_settings(
                db=db,
                clock=clock,
                scenarios=scenario,
                config_path=config,
                rate_limit_per_min=rate_limit,
                booking_limit_per_min=booking_limit,
                hold_minutes=hold_minutes,
                office_booking_limit_per_min=office_booking_limit,
                challenge_base=challenge_base,
            )
            engine = make_engine(settings.db_url)
        except (SettingsError, ValueError) as err:
            raise InputError(str(err)) from None
        except ImportError as err:  # e.g. the PostgreSQL driver is not installed
            raise InputError(f"--db: {err}") from None
        logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for warning in warnings:
            err_console.print(f"[yellow]warning[/] {warning}", highlight=False, soft_wrap=True)
        if clock is not None:
            err_console.print(f"[yellow]warning[/] the clock stands still at {now} (--now)", highlight=False)
        if host not in LOOPBACK:
            err_console.print(
                f"[yellow]warning[/] listening on {host}: put a TLS reverse proxy in front "
                "(the token and citizens' data must not travel over plain http)",
                highlight=False,
            )
        try:
            service = create_app(settings, engine)
        except Exception as err:
            raise InputError(
                f"--db {engine.url.render_as_string(hide_password=True)}: cannot open "
                f"({type(err).__name__}: {str(err).splitlines()[0][:200]})"
            ) from None
        err_console.print(
            f"serving on http://{host}:{port} (database {engine.url.render_as_string(hide_password=True)})",
            highlight=False,
        )
        from ..service.http import deadline_protocol

        uvicorn.run(
            service,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            server_header=False,
            http=deadline_protocol(settings.request_timeout_s),
            timeout_keep_alive=5,
            proxy_headers=forwarded_allow_ips is not None,
            forwarded_allow_ips=forwarded_allow_ips,
            timeout_graceful_shutdown=5,
        )
