"""``riskpool reconcile accounts`` (the registry of the fund's bank accounts) and
``riskpool reconcile sheet`` (the 银行存款余额调节表 as Excel or PDF files).

Why its own module: these commands are the multi-account reconciliation's
(which bank accounts the fund holds, and one signed 调节表 file per account);
the other reconcile commands stay in :mod:`riskpool.cli`. The printing helpers are
the main CLI's (imported when a command runs, so this module can be imported
by it without a cycle).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from riskpool.bootstrap import App
from riskpool.reconciliation.parsers.layout_file import load_layout
from riskpool.reconciliation.parsers.tabular import ColumnMapping
from riskpool.reconciliation.records import BankAccount, Document, SheetFormat

accounts_app = typer.Typer(
    help="The fund's bank accounts: register one, list them.", no_args_is_help=True
)


def _print_accounts(accounts: list[BankAccount]) -> None:
    from riskpool.cli import console

    table = Table(
        "bank", "number", "currency", "ledger account", "opened", "registered", title="账户"
    )
    for a in accounts:
        table.add_row(
            a.bank,
            a.number,
            a.currency,
            f"{a.book}:{a.ledger_account}",
            str(a.opening_date),
            f"{a.registered_at:%Y-%m-%d %H:%M} {a.registered_by}" if a.registered_at else "",
        )
    console.print(table)


@accounts_app.command("register")
def register_account(
    bank: Annotated[str, typer.Option(help="The bank, e.g. 郑州银行股份有限公司.")],
    number: Annotated[str, typer.Option(help="The account number as printed on statements.")],
    book: Annotated[str, typer.Option(help="The ledger book, e.g. CITY_POOL.")],
    ledger_account: Annotated[str, typer.Option(help="The cash account it mirrors, e.g. 100201.")],
    opened: Annotated[str, typer.Option(help="YYYY-MM-DD: the day the account was opened.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code of the account.")] = "CNY",
    as_: Annotated[
        str | None, typer.Option("--as", help="Who acts; default: the login name.")
    ] = None,
) -> None:
    """Register one of the fund's bank accounts; statements of others are refused."""
    from riskpool.cli import _person, _run, console

    try:
        opening = date.fromisoformat(opened)
    except ValueError:
        console.print("[red]VALIDATION[/red]: --opened must be YYYY-MM-DD")
        raise typer.Exit(2) from None
    person = _person(as_)
    account = BankAccount(None, bank, number, currency, book, ledger_account, opening)

    async def work(application: App) -> BankAccount:
        return await application.reconciliation.register_account(person, account)

    stored = _run(work)
    _print_accounts([stored])


@accounts_app.command("list")
def list_accounts() -> None:
    """The registered bank accounts, in the order they were registered."""
    from riskpool.cli import _run

    async def work(application: App) -> list[BankAccount]:
        return await application.reconciliation.accounts()

    _print_accounts(_run(work))


def sheet(
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD: the end of that day.")],
    reviewer: Annotated[str, typer.Option(help="Who reviews the table (复核人): another person.")],
    format: Annotated[str, typer.Option(help="xlsx or pdf.")] = "xlsx",
    out: Annotated[Path, typer.Option(help="The folder the files are written to.")] = Path("."),
    bank_account: Annotated[
        str | None,
        typer.Option("--bank-account", help="One registered bank account; default: every one."),
    ] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Who prepares it (编制人); default: the login name.")
    ] = None,
) -> None:
    """Write the 银行存款余额调节表 of each account as an Excel or PDF file."""
    from riskpool.cli import _person, _run, console

    try:
        day = date.fromisoformat(as_of)
        kind = SheetFormat(format.lower())
    except ValueError:
        console.print("[red]VALIDATION[/red]: --as-of must be YYYY-MM-DD, --format xlsx or pdf")
        raise typer.Exit(2) from None
    preparer = _person(as_)

    async def work(application: App) -> list[Document]:
        return await application.reconciliation.adjustment_documents(
            day, kind, preparer=preparer, reviewer=reviewer, bank_account=bank_account
        )

    documents = _run(work)
    out.mkdir(parents=True, exist_ok=True)
    for document in documents:
        path = out / document.filename
        path.write_bytes(document.content)
        console.print(f"{path} ({len(document.content):,} bytes)")


def layout_option(value: str | None) -> ColumnMapping | str | None:
    """``--layout``: a built-in layout's name, or a TOML file describing the user's own
    (read here, on the operator's machine: the server never opens a path a client names)."""
    if value is None or not value.lower().endswith(".toml"):
        return value
    return load_layout(Path(value).read_bytes())


def register(reconcile_app: typer.Typer) -> None:
    """Add these commands to ``riskpool reconcile`` (the one line in :mod:`riskpool.cli`)."""
    reconcile_app.add_typer(accounts_app, name="accounts")
    reconcile_app.command("sheet")(sheet)
