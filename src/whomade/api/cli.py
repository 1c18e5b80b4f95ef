"""`whomade serve` and `whomade keys`."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from sqlalchemy import Engine

from whomade.api.keys import KEY_CACHE_SECONDS

keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


def _engine(ctx: typer.Context) -> Engine:
    from whomade.cli import state
    from whomade.db import connect

    return connect(state(ctx).db)


@keys_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="A name to recognise the key by (logged).")],
    scope: Annotated[str, typer.Option("--scope", help="screen, read or admin.")] = "screen",
) -> None:
    """Create a key and print it once: only its hash is stored."""
    from whomade.api.store import ApiKeyError, create_key

    try:
        key = create_key(_engine(ctx), name, scope)
    except ApiKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(key)
    typer.echo(f"key {name!r} ({scope}) created; it will not be shown again", err=True)


@keys_app.command("list")
def list_(ctx: typer.Context) -> None:
    """List keys (name, scope, hint, created, revoked); never the keys themselves."""
    from whomade.api.store import list_keys

    for info in list_keys(_engine(ctx)):
        revoked = info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "-"
        created = info.created_at.isoformat(timespec="seconds")
        typer.echo(f"{info.name}\t{info.scope}\t{info.hint}…\t{created}\trevoked: {revoked}")


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The key's name.")]
) -> None:
    """Revoke a key; running servers refuse it within their --key-cache-seconds (5 s)."""
    from whomade.api.store import ApiKeyError, revoke_key

    try:
        revoke_key(_engine(ctx), name)
    except ApiKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"key {name!r} revoked")


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    rate: Annotated[float, typer.Option(help="Requests per second per key.")] = 50.0,
    burst: Annotated[int, typer.Option(help="Burst size per key.")] = 100,
    max_upload_mb: Annotated[
        float, typer.Option(help="Largest file accepted by POST /v1/jobs, in MB.")
    ] = 200.0,
    jobs_dir: Annotated[
        str | None,
        typer.Option(help="Where uploaded job files are kept (default: beside the database)."),
    ] = None,
    key_cache_seconds: Annotated[
        float,
        typer.Option(
            help="Trust a verified key this long without a database read; a revoked key keeps "
            "working at most this long. 0 checks the database on every request."
        ),
    ] = KEY_CACHE_SECONDS,
    timeout: Annotated[
        float, typer.Option(help="Seconds before an unanswered request gets a 503 (0: never).")
    ] = 30.0,
) -> None:
    """Run the HTTP API (OpenAPI at /docs)."""
    import copy

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from whomade.cli import state

    db = state(ctx).db
    # Workers are separate processes: the settings travel through the environment.
    if db:
        os.environ["WHOMADE_DB"] = db
    os.environ["WHOMADE_API_RATE"] = str(rate)
    os.environ["WHOMADE_API_BURST"] = str(burst)
    os.environ["WHOMADE_API_MAX_UPLOAD"] = str(int(max_upload_mb * 1_000_000))
    if jobs_dir:
        os.environ["WHOMADE_API_JOBS_DIR"] = jobs_dir
    os.environ["WHOMADE_API_KEY_CACHE"] = str(key_cache_seconds)
    os.environ["WHOMADE_API_TIMEOUT"] = str(timeout)
    # Passed to uvicorn so every worker process logs the JSON access lines to stderr.
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["formatters"]["json_lines"] = {"format": "%(message)s"}
    log_config["handlers"]["json_lines"] = {
        "class": "logging.StreamHandler",
        "formatter": "json_lines",
        "stream": "ext://sys.stderr",
    }
    log_config["loggers"]["whomade.api"] = {
        "handlers": ["json_lines"],
        "level": "INFO",
        "propagate": False,
    }
    uvicorn.run(
        "whomade.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=log_config,
    )


def register(app: typer.Typer) -> None:
    """Add the API commands to the root app."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
