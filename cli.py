"""``riskpool`` command line: database, ledger and verification commands.

A thin entry point: each command parses its options, calls a service built by
:mod:`riskpool.bootstrap`, and prints the result with rich. Exit codes: 0 on
success, 1 when ``verify`` finds a problem, 2 on a refused request.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from moneyed import Money
from rich.console import Console
from rich.table import Table

from riskpool import cli_reconcile_accounts, migrate
from riskpool.bootstrap import App, build
from riskpool.errors import RiskpoolError
from riskpool.ledger.model import AccountType, TrialBalance
from riskpool.ledger.verify import VerificationReport
from riskpool.ledger.verify import verify as verify_ledger
from riskpool.reconciliation.records import RunResult, StoredMatch, StoredReport

T = TypeVar("T")

app = typer.Typer(
    help="riskpool: the tech-loan risk-sharing fund's back end.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
ledger_app = typer.Typer(help="Ledger reports.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")

UNBOUNDED_WIDTH = 10_000
"""The width tables are laid out in when output is not a terminal (a file, a pipe, a
test runner): wide enough that no amount is ever cut to fit 80 columns."""

console = Console(width=None if sys.stdout.isatty() else UNBOUNDED_WIDTH)


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
    from riskpool.settings import SettingsError, load_settings
    from riskpool.startup import prepare

    try:
        settings = load_settings()
        settings.check_serving()  # production: a real secret, or no start at all
    except SettingsError as exc:
        console.print(f"[red]refusing to start[/red]: {exc.message}", soft_wrap=True)
        raise typer.Exit(2) from None
    configure()
    application = build(settings)
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

    from riskpool.domain.model.parties import Role
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
    out: Annotated[Path, typer.Option("--out", help="File to write; replaced atomically.")],
    book: Annotated[
        str | None,
        typer.Option(
            help="Book code: ZKD_RESERVE, CITY_POOL or MEMO; all books in one file if omitted."
        ),
    ] = None,
    date_from: Annotated[
        str | None,
        typer.Option("--from", help="YYYY-MM-DD, inclusive; earlier balances are brought forward."),
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD, inclusive.")] = None,
) -> None:
    """Write BOOK (or all books) as a beancount file; check it with bean-check, browse with fava."""
    from riskpool.export import ExportSummary, export_to_path
    from riskpool.export.assertions import StatementAssertions, statement_assertions

    start, end = _day(date_from, "--from"), _day(date_to, "--to")

    async def work(application: App) -> tuple[ExportSummary, StatementAssertions]:
        bank = await statement_assertions(application.db, application.reconciliation, book)
        summary = await export_to_path(
            application.db, out, book, start, end, assertions=bank.assertions, pause_gc=True
        )
        return summary, bank

    summary, bank = _run(work)
    for statement_id, day, balance, booked in bank.disagreeing:
        console.print(
            f"[yellow]not asserted[/yellow]: statement {statement_id} closes {day} at "
            f"{balance.amount:,} but the ledger shows {booked.amount:,} "
            "(reconciling items: see `riskpool reconcile report`)"
        )
    closing = (
        f"; closing balances asserted as of {summary.closing_as_of.isoformat()}"
        if summary.closing_as_of
        else ""
    )
    console.print(
        f"[green]wrote[/green] {out}: {summary.accounts} accounts, {summary.entries} entries, "
        f"{summary.postings} postings, {len(bank.assertions)} bank statement balances "
        f"asserted{closing}"
    )


demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo (idempotent: loading twice changes nothing)."""

    async def work(application: App) -> object:
        from riskpool.demo import load_demo
        from riskpool.demo.statements import load_demo_statements

        await migrate.upgrade(application.db.engine)
        report = await load_demo(application)  # sets up the chart first
        await load_demo_statements(application.reconciliation)
        return report

    console.print(_run(work))


@demo_app.command("statements")
def demo_statements(
    out: Annotated[Path, typer.Option(help="Folder to write the files to.")] = Path("."),
) -> None:
    """Write the demo's bank statement files (generated from the loaded ledger)."""

    async def work(application: App) -> list[Path]:
        from riskpool.demo.statements import demo_statement_files

        written = []
        for demo in await demo_statement_files(application.reconciliation):
            path = out / demo.filename
            path.write_bytes(demo.content)
            written.append(path)
        return written

    for path in _run(work):
        console.print(f"wrote {path}")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Create or migrate the schema (Alembic) of DATABASE_URL."""

    async def work(application: App) -> str | None:
        await migrate.upgrade(application.db.engine, revision)
        return await migrate.current_revision(application.db.engine)

    current = _run(work)
    console.print(f"database at revision [bold]{current}[/bold]")


@app.command()
def verify(
    against: Annotated[
        Path | None, typer.Option(help="Also prove the database extends this checkpoint.")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option(help="Trusted public key for --against.")
    ] = None,
) -> None:
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
        if against is not None:
            cli_ledger_time.report_against(against, public_key)
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


# -- reconciliation -------------------------------------------------------------------

reconcile_app = typer.Typer(
    help="Bank reconciliation of the pool's account: import, run, report, decide.",
    no_args_is_help=True,
)
app.add_typer(reconcile_app, name="reconcile")
cli_reconcile_accounts.register(reconcile_app)

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Who acts (finance staff's name); default: the login name."),
]


BankAccountOption = Annotated[
    str | None,
    typer.Option("--bank-account", help="One registered bank account; default: every one."),
]


def _person(name: str | None) -> str:
    import getpass

    return name or getpass.getuser()


def _money(value: Money) -> str:
    return f"{value.amount:,.2f}"


@reconcile_app.command("import")
def reconcile_import(
    files: Annotated[
        list[Path], typer.Argument(help="Statement files (MT940, camt.053, OFX, CSV, XLSX).")
    ],
    format: Annotated[
        str | None, typer.Option(help="mt940, camt053, ofx, csv or xlsx; sniffed if omitted.")
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option(help="Bank layout of a CSV/XLSX export: a built-in name or a TOML file."),
    ] = None,
    account: Annotated[
        str | None, typer.Option(help="Bank account number, if a CSV/XLSX export lacks it.")
    ] = None,
    opening_balance: Annotated[
        str | None, typer.Option(help="Opening balance (CNY), if a CSV/XLSX export lacks it.")
    ] = None,
    as_: AsOption = None,
) -> None:
    """Import statement files; each is proved first and stored whole or not at all."""
    from decimal import Decimal, InvalidOperation

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from riskpool.reconciliation.errors import StatementError
    from riskpool.reconciliation.model import StatementFormat
    from riskpool.reconciliation.records import ImportResult

    person = _person(as_)
    try:
        kind = StatementFormat(format.lower()) if format else None
        opening = Money(Decimal(opening_balance), "CNY") if opening_balance else None
    except (ValueError, InvalidOperation):
        console.print("[red]VALIDATION[/red]: bad --format or --opening-balance")
        raise typer.Exit(2) from None
    try:
        mapping = cli_reconcile_accounts.layout_option(layout)
    except (OSError, RiskpoolError) as exc:
        console.print(f"[red]VALIDATION[/red]: --layout {layout}: {exc}")
        raise typer.Exit(2) from None

    async def work(application: App) -> tuple[list[ImportResult], int]:
        results: list[ImportResult] = []
        refused = 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as progress:
            for path in files:
                task = progress.add_task(path.name, total=None)

                def advance(done: int, total: int, task: Any = task) -> None:
                    progress.update(task, completed=done, total=total)

                try:
                    results.append(
                        await application.reconciliation.import_file(
                            person,
                            path,
                            filename=path.name,
                            format=kind,
                            mapping=mapping,
                            account=account,
                            opening_balance=opening,
                            progress=advance,
                        )
                    )
                except FileNotFoundError:
                    refused += 1
                    console.print(f"[red]NOT_FOUND[/red]: {path}")
                except RiskpoolError as exc:
                    refused += 1
                    console.print(f"[red]{exc.code}[/red] {path.name}: {exc.message}")
                    if isinstance(exc, StatementError) and exc.breaks:
                        breaks = Table(
                            "line", "expected", "found", "problem", title="Where it breaks"
                        )
                        for b in exc.breaks:
                            breaks.add_row(str(b.line or ""), b.expected, b.found, b.message)
                        console.print(breaks)
                progress.remove_task(task)
        return results, refused

    results, refused = _run(work)
    table = Table("file", "format", "statements", "new lines", "already held", title="Imported")
    for r in results:
        table.add_row(
            r.filename,
            r.format,
            f"{r.statements_stored}/{r.statements}",
            str(r.lines_added),
            "whole file" if r.already_imported else str(r.lines_known),
        )
    console.print(table)
    if refused:
        console.print(f"[red]{refused} file(s) refused; nothing of them was stored[/red]")
        raise typer.Exit(2)


def _print_matches(title: str, matches: Sequence[StoredMatch]) -> None:
    table = Table(
        "id", "rule", "score", "why", "bank line(s)", "ledger posting(s)", "status", title=title
    )
    for m in matches:
        table.add_row(
            str(m.id or "-"),
            f"{m.rule} v{m.rule_version}",
            str(m.score),
            ", ".join(f"{name} {points}" for name, points in m.components),
            "\n".join(
                f"{x.booking_date} {_money(x.amount)} {x.bank_reference or ''}" for x in m.lines
            ),
            "\n".join(f"{x.date} {_money(x.amount)} #{x.entry_id}" for x in m.items),
            m.status.value,
        )
    console.print(table)


@reconcile_app.command("run")
def reconcile_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compute and show the matches; store nothing.")
    ] = False,
    as_: AsOption = None,
    bank_account: BankAccountOption = None,
) -> None:
    """Match open bank lines with open ledger postings; exact matches confirm themselves."""
    person = _person(as_)
    for result in _run(
        lambda application: application.reconciliation.run(
            person, dry_run=dry_run, bank_account=bank_account
        )
    ):
        _print_run(result)


def _print_run(result: RunResult) -> None:
    run = result.run
    label = "dry run (nothing stored)" if run.dry_run else f"run #{run.id}"
    _print_matches(f"{label} by {run.actor}, bank account {run.bank_account}", result.matches)
    console.print(
        f"{run.lines_considered} open lines, {run.postings_considered} open postings: "
        f"{run.matches} matches, {run.auto_confirmed} confirmed automatically, "
        f"{run.proposals} proposals awaiting a second person"
        + (
            f", {run.skipped_rejected} rejected before and not proposed again"
            if run.skipped_rejected
            else ""
        )
    )


@reconcile_app.command("proposals")
def reconcile_proposals(bank_account: BankAccountOption = None) -> None:
    """Proposals awaiting a person's decision."""
    found = _run(lambda application: application.reconciliation.proposals(bank_account))
    _print_matches("Open proposals (confirm or reject by id)", found)


@reconcile_app.command("confirm")
def reconcile_confirm(
    match_id: Annotated[int, typer.Argument(help="The proposal's id.")],
    reason: Annotated[str, typer.Option(help="Why it is right (optional).")] = "",
    as_: AsOption = None,
) -> None:
    """Confirm a proposal (not by the person who ran the matching: four eyes)."""
    person = _person(as_)
    decided = _run(lambda application: application.reconciliation.confirm(person, match_id, reason))
    console.print(f"match #{decided.id} [green]confirmed[/green] by {person}")


@reconcile_app.command("reject")
def reconcile_reject(
    match_id: Annotated[int, typer.Argument(help="The proposal's id.")],
    reason: Annotated[str, typer.Option(help="Why the match is wrong.")],
    as_: AsOption = None,
) -> None:
    """Reject a proposal; its line and posting are free for the next run."""
    person = _person(as_)
    decided = _run(lambda application: application.reconciliation.reject(person, match_id, reason))
    console.print(f"match #{decided.id} [yellow]rejected[/yellow] by {person}")


@reconcile_app.command("report")
def reconcile_report(
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD: the end of that day.")],
    bank_account: BankAccountOption = None,
) -> None:
    """The reconciliation report and 银行存款余额调节表 as of a date (every account)."""
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        console.print("[red]VALIDATION[/red]: --as-of must be YYYY-MM-DD")
        raise typer.Exit(2) from None
    for stored in _run(lambda application: application.reconciliation.reports(day, bank_account)):
        _print_report(stored, day)


def _print_report(stored: StoredReport, day: date) -> None:
    report, t = stored.report, stored.report.table
    adjust = Table(
        "企业账面 (books)",
        "",
        "银行对账单 (bank)",
        "",
        title=f"银行存款余额调节表 {stored.book}:{stored.account} / "
        f"{stored.bank_account} as of {day}",
    )
    adjust.add_row(
        "账面余额 book balance",
        _money(t.book_balance),
        "对账单余额 bank balance",
        _money(t.bank_balance),
    )
    adjust.add_row(
        "+ 银行已收企业未收",
        _money(t.bank_received_not_booked),
        "+ 企业已收银行未收",
        _money(t.booked_received_not_at_bank),
    )
    adjust.add_row(
        "− 银行已付企业未付",
        _money(t.bank_paid_not_booked),
        "− 企业已付银行未付",
        _money(t.booked_paid_not_at_bank),
    )
    adjust.add_row(
        "调节后余额 adjusted",
        _money(t.adjusted_book_balance),
        "调节后余额 adjusted",
        _money(t.adjusted_bank_balance),
    )
    console.print(adjust)
    if t.balanced:
        console.print("[green]balanced[/green]: the adjusted balances agree")
    else:
        console.print(f"[red]NOT balanced[/red]: difference {_money(t.difference)}")
    lines = Table(
        "date",
        "amount",
        "bank ref",
        "counterparty",
        "purpose",
        "age (days)",
        title="Bank lines not in the books (未达账项: 银行已收/已付, 企业未记)",
    )
    for o in report.unmatched_lines:
        x = o.line
        lines.add_row(
            str(x.booking_date),
            _money(x.amount),
            x.bank_reference or "",
            x.counterparty_name or "",
            x.purpose[:40],
            str(o.age_days),
        )
    console.print(lines)
    items = Table(
        "date",
        "amount",
        "entry",
        "description",
        "age (days)",
        title="Book postings not at the bank (未达账项: 企业已收/已付, 银行未记)",
    )
    for i in report.unmatched_items:
        items.add_row(
            str(i.item.date),
            _money(i.item.amount),
            f"#{i.item.entry_id}",
            i.item.description[:40],
            str(i.age_days),
        )
    console.print(items)
    _print_matches(
        "Open proposals (their items stay outstanding until confirmed)", stored.proposals
    )
    if report.bank_reversals or report.book_reversals:
        rev = Table("side", "reversal", "original", "cancelled", title="Reversals (冲正) paired")
        for b in report.bank_reversals:
            rev.add_row(
                "bank",
                f"{b.reversal.booking_date} {_money(b.reversal.amount)}",
                f"{b.original.booking_date} {_money(b.original.amount)}" if b.original else "-",
                "yes" if b.cancelled else "no",
            )
        for k in report.book_reversals:
            rev.add_row(
                "books",
                f"{k.reversal.date} {_money(k.reversal.amount)}",
                f"{k.original.date} {_money(k.original.amount)}" if k.original else "-",
                "yes" if k.cancelled else "no",
            )
        console.print(rev)
    console.print(f"{len(report.matched)} matches reconciled as of {day}")


from riskpool import cli_ledger_time  # noqa: E402  (registers period and checkpoint commands)

if __name__ == "__main__":  # pragma: no cover
    app()
