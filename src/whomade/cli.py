"""The ``whomade`` command line. Each stage owns its commands; this module only assembles them."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from whomade import __version__

app = typer.Typer(
    name="whomade",
    help="Who really made this product, and is that maker on a government restriction list?",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@dataclass
class AppState:
    """Options every command honours."""

    db: str | None = None


def state(ctx: typer.Context) -> AppState:
    """The :class:`AppState` of the running command (from the root callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def _version(value: bool) -> None:
    if value:
        typer.echo(f"whomade {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        help="Database file (or SQLAlchemy URL). Default: $WHOMADE_DB, else user data dir.",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    ctx.obj = AppState(db=db)


def _register() -> None:
    from whomade.api.cli import register as register_api
    from whomade.kb.cli import app as kb_app
    from whomade.match.cli import app as names_app
    from whomade.report.cli import app as report_app
    from whomade.screen.cli import register as register_screen
    from whomade.sources.cli import app as lists_app

    app.add_typer(kb_app, name="kb", help="The knowledge graph: validate, show, export, compile.")
    app.add_typer(lists_app, name="lists", help="Official restriction lists: import, update, diff.")
    app.add_typer(names_app, name="names", help="Company-name matching.")
    app.add_typer(report_app, name="report", help="Reports (e.g. the NDAA §889 inquiry).")
    register_screen(app)
    register_api(app)


_register()


def main() -> None:
    from whomade.kb import KnowledgeGraphError

    try:
        app()
    except KnowledgeGraphError as exc:
        typer.echo(f"error: {exc}\nRun `whomade kb validate` for every problem.", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
