"""``riskpool reconcile accounts``: the registry of the fund's bank accounts.

Why its own module: the registry is its own concept (which bank accounts the
fund holds and which ledger account each mirrors), kept by the operator; the
other reconcile commands stay in :mod:`riskpool.cli`. The printing helpers are
the main CLI's (imported when a command runs, so this module can be imported
by it without a cycle).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from riskpool.bootstrap import App
from riskpool.reconciliation.records import BankAccount

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
def register(
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
