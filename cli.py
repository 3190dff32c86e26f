"""``riskpool`` command line: database, ledger and verification commands.

A thin entry point: each command parses its options, calls a service built by
:mod:`riskpool.bootstrap`, and prints the result with rich. Exit codes: 0 on
success, 1 when ``verify`` finds a problem, 2 on a refused request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from riskpool import migrate
from riskpool.bootstrap import App, build
from riskpool.errors import RiskpoolError
from riskpool.ledger.model import AccountType, TrialBalance
from riskpool.ledger.verify import VerificationReport
from riskpool.ledger.verify import verify as verify_ledger

T = TypeVar("T")

app = typer.Typer(
    help="riskpool: the tech-loan risk-sharing fund's back end.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
ledger_app = typer.Typer(help="Ledger reports.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")

console = Console()


def _run(work: Callable[[App], Awaitable[T]]) -> T:
    async def main() -> T:
        application = build()
        try:
            return await work(application)
        finally:
            await application.close()

    try:
        return asyncio.run(main())
    except RiskpoolError as exc:
        console.print(f"[red]{exc.code}[/red]: {exc.message}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Run the GraphQL server: migrate, load the demo (development), serve /graphql and /healthz."""
    import uvicorn

    from riskpool.graphql.app import create_app
    from riskpool.logs import configure
    from riskpool.startup import prepare

    configure()
    application = build()
    asgi = create_app(application, on_startup=prepare)
    uvicorn.run(
        asgi,
        host=host or application.settings.host,
        port=port or application.settings.port,
        log_config=None,
        access_log=False,
    )


@app.command()
def token(
    role: Annotated[
        str,
        typer.Option(
            help="institution, operator, auditor, science_bureau, "
            "finance_bureau, city_government or viewer"
        ),
    ],
    institution: Annotated[
        int | None, typer.Option(help="Institution id (institution role).")
    ] = None,
    subject: Annotated[str, typer.Option(help="Who the token names.")] = "dev",
    hours: Annotated[int, typer.Option(help="Validity in hours.")] = 8,
) -> None:
    """Mint a bearer token for development from the configured secret."""
    from datetime import timedelta

    from riskpool.domain.parties import Role
    from riskpool.graphql.app import token_settings
    from riskpool.graphql.auth.tokens import mint

    try:
        parsed = Role(role.upper())
    except ValueError:
        console.print(f"[red]unknown role {role!r}[/red]")
        raise typer.Exit(2) from None
    application = build()
    if application.settings.is_production:
        console.print("[red]tokens are not minted from production settings[/red]")
        raise typer.Exit(2)
    try:
        minted = mint(
            token_settings(application),
            subject=subject,
            role=parsed,
            institution_id=institution,
            ttl=timedelta(hours=hours),
        )
    except RiskpoolError as exc:
        console.print(f"[red]{exc.code}[/red]: {exc.message}")
        raise typer.Exit(2) from None
    print(minted)  # noqa: T201 - the token is the command's output


@app.command("schema")
def schema_export(
    out: Annotated[str | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print (or write) the GraphQL schema in SDL; graphql/schema.graphql is its committed copy."""
    from pathlib import Path

    from riskpool.graphql.schema import export_sdl

    sdl = export_sdl()
    if out:
        Path(out).write_text(sdl, encoding="utf-8")
    else:
        print(sdl, end="")  # noqa: T201 - the schema is the command's output


export_app = typer.Typer(help="Exports for auditors.", no_args_is_help=True)
app.add_typer(export_app, name="export")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a YYYY-MM-DD date", param_hint=option) from None


@export_app.command("beancount")
def export_beancount(
    book: Annotated[str, typer.Option(help="Book code: ZKD_RESERVE, CITY_POOL or MEMO.")],
    out: Annotated[Path, typer.Option("--out", help="File to write; replaced atomically.")],
    date_from: Annotated[
        str | None,
        typer.Option("--from", help="YYYY-MM-DD, inclusive; earlier balances are brought forward."),
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD, inclusive.")] = None,
) -> None:
    """Write BOOK as a beancount file: check it with bean-check, browse it with fava."""
    from riskpool.export import ExportSummary, export_to_path

    start, end = _day(date_from, "--from"), _day(date_to, "--to")

    async def work(application: App) -> ExportSummary:
        return await export_to_path(application.db, out, book, start, end, pause_gc=True)

    summary = _run(work)
    closing = (
        f"; closing balances asserted as of {summary.closing_as_of.isoformat()}"
        if summary.closing_as_of
        else ""
    )
    console.print(
        f"[green]wrote[/green] {out}: {summary.accounts} accounts, {summary.entries} entries, "
        f"{summary.postings} postings{closing}"
    )


demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo (idempotent: loading twice changes nothing)."""

    async def work(application: App) -> object:
        from riskpool.domain.demo import load_demo

        await migrate.upgrade(application.db.engine)
        await application.funds.setup()
        return await load_demo(application.db)

    console.print(_run(work))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Create or migrate the schema (Alembic) of DATABASE_URL."""

    async def work(application: App) -> str | None:
        await migrate.upgrade(application.db.engine, revision)
        return await migrate.current_revision(application.db.engine)

    current = _run(work)
    console.print(f"database at revision [bold]{current}[/bold]")


@app.command()
def verify() -> None:
    """Recompute the hash chains, zero sums and cached balances; name the first bad entry."""

    async def work(application: App) -> VerificationReport:
        async with application.db.transaction(write=False) as conn:
            return await verify_ledger(conn)

    report = _run(work)
    summary = (
        f"{report.entries_checked} entries, {report.postings_checked} postings, "
        f"{report.accounts_checked} accounts checked"
    )
    if report.ok:
        console.print(f"[green]OK[/green]: {summary}; the ledger verifies.")
        return
    table = Table("check", "entry", "account", "problem", title="Ledger verification failed")
    for problem in report.problems:
        table.add_row(
            problem.check,
            str(problem.entry_id or ""),
            str(problem.account_id or ""),
            problem.message,
        )
    console.print(table)
    console.print(f"[red]FAILED[/red]: {summary}; first bad entry: #{report.first_bad_entry}")
    raise typer.Exit(1)


@ledger_app.command("balances")
def ledger_balances(
    book: Annotated[str | None, typer.Option(help="Book code; all books if omitted.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD; now if omitted.")
    ] = None,
) -> None:
    """Trial balance of each book: debits, credits and balance per account."""
    day = date.fromisoformat(as_of) if as_of else None

    async def work(application: App) -> list[TrialBalance]:
        codes = [book] if book else [b.code for b in await application.ledger.books()]
        return [await application.ledger.trial_balance(code, day) for code in codes]

    for tb in _run(work):
        table = Table(
            "account",
            "name",
            "type",
            "debits",
            "credits",
            "balance",
            title=f"{tb.book} as of {tb.as_of.isoformat() if tb.as_of else 'now'}",
        )
        for row in tb.rows:
            natural = row.balance * AccountType(row.account.type).natural_sign
            table.add_row(
                row.account.code,
                row.account.name,
                row.account.type.value,
                f"{row.debits.amount:,}",
                f"{row.credits.amount:,}",
                f"{natural.amount:,} {natural.currency.code}",
            )
        for currency, (debits, credits) in tb.totals.items():
            table.add_row(
                "", "合计 total", "", f"{debits.amount:,}", f"{credits.amount:,}", currency
            )
        console.print(table)
        if not tb.balanced:
            console.print("[red]the book does not balance[/red]")


if __name__ == "__main__":  # pragma: no cover
    app()
