"""``riskpool`` command line: database, ledger and verification commands.

A thin entry point: each command parses its options, calls a service built by
:mod:`riskpool.bootstrap`, and prints the result (:mod:`riskpool.cli_output`:
``--format table|json|csv`` on every listing). Exit codes: 0 on success, 1 when
``verify`` finds a problem, 2 on a refused request.

Why it never shows a traceback for bad input: a user error — a bad date, an
unknown book, a database that is missing or not migrated, settings that do not
parse, a database that cannot be reached — is one line ``CODE: message`` on
stderr and exit code 2 (:func:`_fail`). A command that only reads never opens
(and so never creates) a SQLite file that does not exist; it says to run
``riskpool db upgrade``. Tracebacks are left for real bugs.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from moneyed import Money
from rich.console import Console
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from riskpool import cli_reconcile_accounts, migrate
from riskpool.bootstrap import App, build
from riskpool.cli_output import Column, Listing, OutputFormat, render
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import AccountType, TrialBalance
from riskpool.ledger.reads import rolled_up
from riskpool.ledger.verify import VerificationReport
from riskpool.ledger.verify import verify as verify_ledger
from riskpool.reconciliation.records import RunResult, StoredMatch, StoredReport
from riskpool.settings import Settings, SettingsError, load_settings, sqlite_file

T = TypeVar("T")


class OneLineUsageErrors(TyperGroup):
    """The root command: a usage error (a bad option, a missing argument) is one line too.

    Why: typer draws a usage error as a framed box of several lines on stderr;
    a script or a person reading a log wants ``VALIDATION: …`` like every other
    refusal. Help (``--help``, a group without a command) prints as before.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            returned = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except typer.TyperException as exc:  # typer's own click: usage errors and the like
            code = int(getattr(exc, "exit_code", 2))
            if type(exc).__name__ != "NoArgsIsHelpError":  # that one printed the help already
                context = getattr(exc, "ctx", None)
                hint = f" (see `{context.command_path} --help`)" if context is not None else ""
                message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
                errors.print(
                    f"{ErrorCode.VALIDATION}: {message}{hint}", markup=False, soft_wrap=True
                )
            sys.exit(code)
        except typer.Abort:
            errors.print("aborted", markup=False)
            sys.exit(1)
        sys.exit(returned if isinstance(returned, int) else 0)


app = typer.Typer(
    help="riskpool: the tech-loan risk-sharing fund's back end.",
    no_args_is_help=True,
    cls=OneLineUsageErrors,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
ledger_app = typer.Typer(help="Ledger reports.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def _logs_to_stderr() -> None:
    """Every command logs as JSON lines on stderr, so logs never mix into its output.

    Alembic's chatter ("Context impl SQLiteImpl.") is not a user's business: warnings only.
    """
    import logging

    from riskpool.logs import configure

    configure()
    logging.getLogger("alembic").setLevel(logging.WARNING)


app.add_typer(ledger_app, name="ledger")

UNBOUNDED_WIDTH = 10_000
"""The width tables are laid out in when output is not a terminal (a file, a pipe, a
test runner): wide enough that no amount is ever cut to fit 80 columns."""

console = Console(width=None if sys.stdout.isatty() else UNBOUNDED_WIDTH)
"""The command's output (tables, JSON, CSV): stdout."""

errors = Console(stderr=True, width=UNBOUNDED_WIDTH, highlight=False)
"""Refusals, warnings and progress: stderr, so they never mix into a table or a pipe."""

FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="table (for people), json or csv (for programs)."),
]

UPGRADE_HINT = "run `riskpool db upgrade`"


def _fail(code: str, message: str) -> NoReturn:
    """One typed line on stderr and exit code 2: how every user error ends."""
    errors.print(f"{code}: {message}", markup=False, soft_wrap=True)
    raise typer.Exit(2)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        _fail(exc.code, exc.message)


def _prepare_file(settings: Settings) -> None:
    """Create the SQLite file's folder, for the commands that create the database."""
    path = sqlite_file(settings.database_url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            _fail(ErrorCode.VALIDATION, f"cannot create {path.parent}: {exc.strerror}")


async def _require_schema(application: App) -> None:
    """Refuse, in one line, a database whose schema is missing or older than the code's."""
    try:
        current = await migrate.current_revision(application.db.engine)
    except (OSError, DBAPIError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        _fail(ErrorCode.UNAVAILABLE, f"cannot reach the database: {reason}")
    head = migrate.head_revision()
    if current is None:
        _fail(ErrorCode.NOT_FOUND, f"the database has no riskpool schema: {UPGRADE_HINT}")
    if current != head:
        _fail(
            ErrorCode.NOT_FOUND,
            f"the database is at revision {current}, this riskpool needs {head}: {UPGRADE_HINT}",
        )


def _run(work: Callable[[App], Awaitable[T]], *, creates: bool = False) -> T:
    """Build the application, run ``work`` and close it; refusals become :func:`_fail`.

    ``creates``: the command creates or migrates the database itself (``db
    upgrade``, ``demo load``); every other command needs an existing, migrated one.
    """
    settings = _settings()
    path = sqlite_file(settings.database_url)
    if creates:
        _prepare_file(settings)
    elif path is not None and not path.is_file():
        _fail(ErrorCode.NOT_FOUND, f"no riskpool database at {path}: {UPGRADE_HINT}")

    async def main() -> T:
        application = build(settings)
        try:
            if not creates:
                await _require_schema(application)
            return await work(application)
        finally:
            await application.close()

    try:
        return asyncio.run(main())
    except RiskpoolError as exc:
        _fail(exc.code, exc.message)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(ErrorCode.VALIDATION, f"{where}{exc.strerror or exc}")


def _day(value: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option, or a one-line refusal naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(ErrorCode.VALIDATION, f"{option}: {value!r} is not a date (YYYY-MM-DD)")


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

    try:
        settings = load_settings()
        settings.check_serving()  # production: a real secret, or no start at all
    except SettingsError as exc:
        errors.print(f"refusing to start: {exc.message}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _prepare_file(settings)
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
        _fail(ErrorCode.VALIDATION, f"--role: unknown role {role!r}")
    application = build(_settings())
    if application.settings.is_production:
        _fail(ErrorCode.FORBIDDEN, "tokens are not minted from production settings")
    try:
        minted = mint(
            token_settings(application),
            subject=subject,
            role=parsed,
            institution_id=institution,
            ttl=timedelta(hours=hours),
        )
    except RiskpoolError as exc:
        _fail(exc.code, exc.message)
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
        try:
            Path(out).write_text(sdl, encoding="utf-8")
        except OSError as exc:
            _fail(ErrorCode.VALIDATION, f"{out}: {exc.strerror}")
    else:
        print(sdl, end="")  # noqa: T201 - the schema is the command's output


export_app = typer.Typer(help="Exports for auditors.", no_args_is_help=True)
app.add_typer(export_app, name="export")


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
        errors.print(
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
def demo_load(output: FormatOption = OutputFormat.TABLE) -> None:
    """Load the demo (idempotent: loading twice changes nothing) and print its key figures."""
    from riskpool.demo import DemoReport

    async def work(application: App) -> DemoReport:
        from riskpool.demo import load_demo
        from riskpool.demo.statements import load_demo_statements

        await migrate.upgrade(application.db.engine)
        report = await load_demo(application)  # sets up the chart first
        await load_demo_statements(application.reconciliation)
        return report

    report = _run(work, creates=True)
    listing = Listing(
        "Demo loaded", [Column("figure"), Column("value", amount=True), Column("currency")]
    )
    listing.add("institutions", report.institutions, None)
    listing.add("firms", report.firms, None)
    listing.add("loans", report.loans, None)
    for policy, count in report.loans_by_policy.items():
        listing.add(f"loans under {policy}", count, None)
    for state, count in report.claims_by_state.items():
        listing.add(f"claims {state}", count, None)
    listing.add("ledger entries", report.ledger_entries, None)
    listing.add("郑州银行 institution id", report.zhengzhou_bank_id, None)
    listing.add(
        "2024-07 claims of 郑州银行",
        ", ".join(str(i) for i in report.first_compensation_claim_ids),
        None,
    )
    listing.add("1亿 transfer entries", ", ".join(str(i) for i in report.transfer_entry_ids), None)
    for label, money in (
        ("pool cash after the transfer", report.pool_cash_after_transfer),
        ("pool cash now", report.pool_cash),
        ("郑科贷2.0 credit granted (2025-06-30)", report.zkd2_credit),
        ("郑科贷2.0 disbursed (2025-06-30)", report.zkd2_disbursed),
    ):
        listing.add(label, money, money.currency.code)
    render([listing], output, console)


@demo_app.command("statements")
def demo_statements(
    out: Annotated[Path, typer.Option(help="Folder to write the files to.")] = Path("."),
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Write the demo's bank statement files (generated from the loaded ledger)."""

    async def work(application: App) -> list[tuple[Path, int]]:
        from riskpool.demo.statements import demo_statement_files

        written = []
        for demo in await demo_statement_files(application.reconciliation):
            path = out / demo.filename
            path.write_bytes(demo.content)
            written.append((path, len(demo.content)))
        return written

    listing = Listing("Statement files written", [Column("file"), Column("bytes", amount=True)])
    for path, size in _run(work):
        listing.add(str(path), size)
    render([listing], output, console)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Create or migrate the schema (Alembic) of the configured database."""

    async def work(application: App) -> str | None:
        await migrate.upgrade(application.db.engine, revision)
        return await migrate.current_revision(application.db.engine)

    current = _run(work, creates=True)
    console.print(f"database at revision [bold]{current}[/bold]")


@app.command()
def verify(
    against: Annotated[
        Path | None, typer.Option(help="Also prove the database extends this checkpoint.")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option(help="Trusted public key for --against.")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
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
    listing = Listing(
        "Ledger verification",
        [Column("check"), Column("entry"), Column("account"), Column("problem")],
    )
    for problem in report.problems:
        listing.add(problem.check, problem.entry_id, problem.account_id, problem.message)
    if report.ok:
        verdict = f"[green]OK[/green]: {summary}; the ledger verifies."
    else:
        verdict = f"[red]FAILED[/red]: {summary}; first bad entry: #{report.first_bad_entry}"
    if output is OutputFormat.TABLE and report.ok:
        console.print(verdict)
        if against is not None:
            cli_ledger_time.report_against(against, public_key)
        return
    render([listing], output, console, notes=[verdict])
    if report.ok and against is not None:
        cli_ledger_time.report_against(against, public_key)
    if output is not OutputFormat.TABLE:
        errors.print(verdict)
    if not report.ok:
        raise typer.Exit(1)


def _balances_listing(tb: TrialBalance) -> Listing:
    listing = Listing(
        f"{tb.book} as of {tb.as_of.isoformat() if tb.as_of else 'now'}",
        [
            Column("account"),
            Column("name"),
            Column("type"),
            Column("debits", amount=True),
            Column("credits", amount=True),
            Column("balance", amount=True),
            Column("currency"),
        ],
    )
    for row in tb.rows:
        natural = row.balance * AccountType(row.account.type).natural_sign
        listing.add(
            row.account.code,
            row.account.name,
            row.account.type.value,
            row.debits,
            row.credits,
            natural,
            natural.currency.code,
        )
    for currency, (debits, credits) in tb.totals.items():
        listing.add("", "合计 total", "", debits, credits, None, currency)
    return listing


@ledger_app.command("balances")
def ledger_balances(
    book: Annotated[str | None, typer.Option(help="Book code; all books if omitted.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD; now if omitted.")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Trial balance of each book: debits, credits and balance per account (a parent
    account includes its sub-accounts; the totals count each posting once)."""
    day = _day(as_of, "--as-of")

    async def work(application: App) -> list[TrialBalance]:
        codes = [book] if book else [b.code for b in await application.ledger.books()]
        return [await application.ledger.trial_balance(code, day) for code in codes]

    balances = _run(work)
    render([_balances_listing(rolled_up(tb)) for tb in balances], output, console)
    for tb in balances:
        if not tb.balanced:
            errors.print(f"[red]{tb.book} does not balance[/red]")


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
    """An amount inside a text cell (a match's lines); zero without a sign."""
    amount = abs(value.amount) if value.amount == 0 else value.amount
    return f"{amount:,.2f}"


@reconcile_app.command("import")
def reconcile_import(
    files: Annotated[
        list[Path], typer.Argument(help="Statement files (MT940, camt.053, OFX, CSV, XLSX).")
    ],
    statement_format: Annotated[
        str | None,
        typer.Option(
            "--statement-format", help="mt940, camt053, ofx, csv or xlsx; sniffed if omitted."
        ),
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
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Import statement files; each is proved first and stored whole or not at all."""
    from decimal import Decimal, InvalidOperation

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from riskpool.reconciliation.errors import StatementError
    from riskpool.reconciliation.model import StatementFormat
    from riskpool.reconciliation.records import ImportResult

    person = _person(as_)
    try:
        kind = StatementFormat(statement_format.lower()) if statement_format else None
    except ValueError:
        known = ", ".join(f.value for f in StatementFormat)
        _fail(ErrorCode.VALIDATION, f"--statement-format: {statement_format!r}; use {known}")
    try:
        opening = Money(Decimal(opening_balance), "CNY") if opening_balance else None
    except (ValueError, InvalidOperation):
        _fail(ErrorCode.VALIDATION, f"--opening-balance: {opening_balance!r} is not an amount")
    try:
        mapping = cli_reconcile_accounts.layout_option(layout)
    except (OSError, RiskpoolError) as exc:
        _fail(ErrorCode.VALIDATION, f"--layout {layout}: {exc}")

    async def work(application: App) -> tuple[list[ImportResult], int]:
        results: list[ImportResult] = []
        refused = 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=errors,
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
                    errors.print(f"NOT_FOUND: {path}", markup=False, soft_wrap=True)
                except RiskpoolError as exc:
                    refused += 1
                    errors.print(
                        f"{exc.code} {path.name}: {exc.message}", markup=False, soft_wrap=True
                    )
                    if isinstance(exc, StatementError) and exc.breaks:
                        breaks = Listing(
                            "Where it breaks",
                            [
                                Column("line"),
                                Column("expected"),
                                Column("found"),
                                Column("problem"),
                            ],
                        )
                        for b in exc.breaks:
                            breaks.add(b.line, b.expected, b.found, b.message)
                        render([breaks], OutputFormat.TABLE, errors)
                progress.remove_task(task)
        return results, refused

    results, refused = _run(work)
    listing = Listing(
        "Imported",
        [
            Column("file"),
            Column("format"),
            Column("statements"),
            Column("new lines", amount=True),
            Column("already held"),
        ],
    )
    for r in results:
        listing.add(
            r.filename,
            r.format,
            f"{r.statements_stored}/{r.statements}",
            r.lines_added,
            "whole file" if r.already_imported else str(r.lines_known),
        )
    render([listing], output, console)
    if refused:
        _fail(ErrorCode.VALIDATION, f"{refused} file(s) refused; nothing of them was stored")


def _matches_listing(title: str, matches: Sequence[StoredMatch]) -> Listing:
    listing = Listing(
        title,
        [
            Column("id"),
            Column("rule"),
            Column("score", amount=True),
            Column("why"),
            Column("bank line(s)"),
            Column("ledger posting(s)"),
            Column("status"),
        ],
    )
    for m in matches:
        listing.add(
            m.id,
            f"{m.rule} v{m.rule_version}",
            m.score,
            ", ".join(f"{name} {points}" for name, points in m.components),
            "\n".join(
                f"{x.booking_date} {_money(x.amount)} {x.bank_reference or ''}" for x in m.lines
            ),
            "\n".join(f"{x.date} {_money(x.amount)} #{x.entry_id}" for x in m.items),
            m.status.value,
        )
    return listing


@reconcile_app.command("run")
def reconcile_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compute and show the matches; store nothing.")
    ] = False,
    as_: AsOption = None,
    bank_account: BankAccountOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Match open bank lines with open ledger postings; exact matches confirm themselves."""
    person = _person(as_)
    for result in _run(
        lambda application: application.reconciliation.run(
            person, dry_run=dry_run, bank_account=bank_account
        )
    ):
        _print_run(result, output)


def _print_run(result: RunResult, output: OutputFormat) -> None:
    run = result.run
    label = "dry run (nothing stored)" if run.dry_run else f"run #{run.id}"
    summary = (
        f"{run.lines_considered} open lines, {run.postings_considered} open postings: "
        f"{run.matches} matches, {run.auto_confirmed} confirmed automatically, "
        f"{run.proposals} proposals awaiting a second person"
        + (
            f", {run.skipped_rejected} rejected before and not proposed again"
            if run.skipped_rejected
            else ""
        )
    )
    render(
        [
            _matches_listing(
                f"{label} by {run.actor}, bank account {run.bank_account}", result.matches
            )
        ],
        output,
        console,
        notes=[summary],
    )


@reconcile_app.command("proposals")
def reconcile_proposals(
    bank_account: BankAccountOption = None, output: FormatOption = OutputFormat.TABLE
) -> None:
    """Proposals awaiting a person's decision (every account, or the one named)."""
    found = _run(lambda application: application.reconciliation.proposals(bank_account))
    render([_matches_listing("Open proposals (confirm or reject by id)", found)], output, console)


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
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """The reconciliation report and 银行存款余额调节表 as of a date (every account)."""
    day = _day(as_of, "--as-of")
    assert day is not None  # a required option
    for stored in _run(lambda application: application.reconciliation.reports(day, bank_account)):
        _print_report(stored, day, output)


def _print_report(stored: StoredReport, day: date, output: OutputFormat) -> None:
    report, t = stored.report, stored.report.table
    adjust = Listing(
        f"银行存款余额调节表 {stored.book}:{stored.account} / {stored.bank_account} as of {day}",
        [
            Column("企业账面 (books)"),
            Column("books amount", amount=True),
            Column("银行对账单 (bank)"),
            Column("bank amount", amount=True),
        ],
    )
    adjust.add("账面余额 book balance", t.book_balance, "对账单余额 bank balance", t.bank_balance)
    adjust.add(
        "+ 银行已收企业未收",
        t.bank_received_not_booked,
        "+ 企业已收银行未收",
        t.booked_received_not_at_bank,
    )
    adjust.add(
        "− 银行已付企业未付",
        t.bank_paid_not_booked,
        "− 企业已付银行未付",
        t.booked_paid_not_at_bank,
    )
    adjust.add(
        "调节后余额 adjusted",
        t.adjusted_book_balance,
        "调节后余额 adjusted",
        t.adjusted_bank_balance,
    )
    lines = Listing(
        "Bank lines not in the books (未达账项: 银行已收/已付, 企业未记)",
        [
            Column("date"),
            Column("amount", amount=True),
            Column("bank ref"),
            Column("counterparty"),
            Column("purpose"),
            Column("age (days)", amount=True),
        ],
    )
    for o in report.unmatched_lines:
        x = o.line
        lines.add(
            str(x.booking_date),
            x.amount,
            x.bank_reference,
            x.counterparty_name,
            x.purpose[:40],
            o.age_days,
        )
    items = Listing(
        "Book postings not at the bank (未达账项: 企业已收/已付, 银行未记)",
        [
            Column("date"),
            Column("amount", amount=True),
            Column("entry"),
            Column("description"),
            Column("age (days)", amount=True),
        ],
    )
    for i in report.unmatched_items:
        items.add(
            str(i.item.date),
            i.item.amount,
            f"#{i.item.entry_id}",
            i.item.description[:40],
            i.age_days,
        )
    listings = [
        adjust,
        lines,
        items,
        _matches_listing(
            "Open proposals (their items stay outstanding until confirmed)", stored.proposals
        ),
    ]
    if report.bank_reversals or report.book_reversals:
        rev = Listing(
            "Reversals (冲正) paired",
            [Column("side"), Column("reversal"), Column("original"), Column("cancelled")],
        )
        for b in report.bank_reversals:
            rev.add(
                "bank",
                f"{b.reversal.booking_date} {_money(b.reversal.amount)}",
                f"{b.original.booking_date} {_money(b.original.amount)}" if b.original else "-",
                "yes" if b.cancelled else "no",
            )
        for k in report.book_reversals:
            rev.add(
                "books",
                f"{k.reversal.date} {_money(k.reversal.amount)}",
                f"{k.original.date} {_money(k.original.amount)}" if k.original else "-",
                "yes" if k.cancelled else "no",
            )
        listings.append(rev)
    verdict = (
        "[green]balanced[/green]: the adjusted balances agree"
        if t.balanced
        else f"[red]NOT balanced[/red]: difference {_money(t.difference)}"
    )
    render(
        listings,
        output,
        console,
        notes=[verdict, f"{len(report.matched)} matches reconciled as of {day}"],
    )


from riskpool import cli_ledger_time  # noqa: E402  (registers period and checkpoint commands)

if __name__ == "__main__":  # pragma: no cover
    app()
