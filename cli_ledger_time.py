"""Command line for the ledger's time: period close (结账) and signed checkpoints.

Why its own module: the commands of issue 16 (``riskpool period …``,
``riskpool checkpoint …``, ``riskpool verify --against``) are one concept,
registered on :data:`riskpool.cli.app` by one import there. The private key
is read from ``RISKPOOL_CHECKPOINT_KEY`` (a file outside the database); time
is always the server's clock, never an argument.
"""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from riskpool.bootstrap import App
from riskpool.cli import _run, app, console
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import checkpoints, store
from riskpool.ledger.corrections import LedgerCorrections, ReversalRequest
from riskpool.ledger.model import JournalEntry, Period
from riskpool.ledger.periods import LedgerPeriods
from riskpool.settings import Settings

period_app = typer.Typer(help="Monthly periods of a book: close them (结账), four eyes.")
checkpoint_app = typer.Typer(
    help="Signed checkpoints of every chain head (Ed25519, key outside the database).",
    invoke_without_command=True,
)
correction_app = typer.Typer(help="Corrections by reversal: one person asks, another approves.")
app.add_typer(period_app, name="period")
app.add_typer(correction_app, name="correction")
app.add_typer(checkpoint_app, name="checkpoint")

BookOption = Annotated[str, typer.Option(help="Book code, e.g. CITY_POOL.")]
MonthArgument = Annotated[str, typer.Argument(help="The month, YYYY-MM.")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Who acts (finance staff's name); default: the login name."),
]
PublicKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--public-key", help="The trusted public key (PEM); default: <checkpoint key>.pub."
    ),
]


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"{text!r} is not YYYY-MM", field="month"
        ) from None


def _key_path(settings: Settings) -> Path:
    if not settings.checkpoint_key:
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            "no checkpoint key: set RISKPOOL_CHECKPOINT_KEY "
            "(riskpool checkpoint keygen --out PATH makes one)",
        )
    return Path(settings.checkpoint_key)


async def write_checkpoint(application: App, out: Path | None = None) -> Path:
    """Sign every chain head at the server's time and write the file (one snapshot)."""
    key = checkpoints.load_private_key(_key_path(application.settings))
    now = store.booking_time()
    async with application.db.transaction(write=False) as conn:
        made = await checkpoints.make(conn, key, now)
    return checkpoints.write(made, Path(application.settings.checkpoint_dir), now, to=out)


async def against(application: App, path: Path, public_key: Path | None) -> list[str]:
    """The problems in extending the checkpoint at ``path`` (empty: it extends)."""
    public = checkpoints.load_public_key(
        public_key or Path(f"{_key_path(application.settings)}.pub")
    )
    checkpoint = checkpoints.read(path)
    async with application.db.transaction(write=False) as conn:
        return await checkpoints.verify_against(conn, checkpoint, public)


@checkpoint_app.callback()
def checkpoint(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(help="File to write; default: a new file in RISKPOOL_CHECKPOINT_DIR."),
    ] = None,
) -> None:
    """Write a signed checkpoint of every chain head, with the server's time."""
    if ctx.invoked_subcommand is not None:
        return
    written = _run(lambda application: write_checkpoint(application, out))
    console.print(f"checkpoint written: {written}")


@checkpoint_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="Where the private key goes (PEM, mode 600).")],
) -> None:
    """Make an Ed25519 key pair: the private key at OUT, the public one at OUT.pub."""
    try:
        public = checkpoints.generate_key(out)
    except RiskpoolError as exc:
        console.print(f"[red]{exc.code}[/red]: {exc.message}")
        raise typer.Exit(2) from None
    console.print(
        f"private key: {out} (keep it off the database server's backups)\npublic key: {public}"
    )


def report_against(path: Path, public_key: Path | None) -> None:
    """``riskpool verify --against``: exit 1 naming every head the database no longer extends."""
    problems = _run(lambda application: against(application, path, public_key))
    if problems:
        for problem in problems:
            console.print(f"[red]not extended[/red]: {problem}")
        console.print(f"[red]FAILED[/red]: the database does not extend {path}")
        raise typer.Exit(1)
    console.print(f"[green]OK[/green]: the database extends {path}")


@checkpoint_app.command("verify")
def checkpoint_verify(
    path: Annotated[Path, typer.Argument(help="A checkpoint file.")],
    public_key: PublicKeyOption = None,
) -> None:
    """Prove the database still extends a checkpoint (same as ``verify --against``)."""
    report_against(path, public_key)


async def _close(application: App, book: str, month: date, actor: str, approve: bool) -> Period:
    """Prepare, or approve and record a checkpoint of the heads as the close
    left them (signed in the close's own transaction, written after commit)."""
    now = store.booking_time()
    if not approve:
        async with application.db.transaction(write=True) as conn:
            return await LedgerPeriods(conn).prepare_close(book, month, actor, now)
    key = checkpoints.load_private_key(_key_path(application.settings))  # refuse early
    async with application.db.transaction(write=True) as conn:
        closed = await LedgerPeriods(conn).approve_close(book, month, actor, now)
        made = await checkpoints.make(conn, key, now)
    checkpoints.write(made, Path(application.settings.checkpoint_dir), now)
    return closed


@period_app.command("prepare")
def period_prepare(book: BookOption, month: MonthArgument, as_: AsOption = None) -> None:
    """First pair of eyes: prepare the close of a month that is over."""
    person = as_ or getpass.getuser()
    period = _run(lambda application: _close(application, book, _month(month), person, False))
    console.print(f"{book} {period.label}: close prepared by {period.prepared_by}")


@period_app.command("approve")
def period_approve(book: BookOption, month: MonthArgument, as_: AsOption = None) -> None:
    """Second pair of eyes (never the preparer): close the month and write a checkpoint."""
    person = as_ or getpass.getuser()
    period = _run(lambda application: _close(application, book, _month(month), person, True))
    console.print(f"{book} {period.label}: closed by {period.approved_by}; checkpoint written")


@period_app.command("list")
def period_list(book: BookOption) -> None:
    """The book's prepared and closed periods."""

    async def work(application: App) -> list[Period]:
        async with application.db.transaction(write=False) as conn:
            return await LedgerPeriods(conn).periods(book)

    for period in _run(work):
        state = f"closed by {period.approved_by}" if period.closed else "prepared"
        console.print(f"{period.label}  {state} (prepared by {period.prepared_by})")


@correction_app.command("request")
def correction_request(
    entry: Annotated[int, typer.Argument(help="The entry to reverse.")],
    reason: Annotated[str, typer.Option(help="Why it is wrong (kept on the reversal).")],
    as_: AsOption = None,
) -> None:
    """First pair of eyes: ask for an entry to be reversed."""
    person = as_ or getpass.getuser()

    async def work(application: App) -> ReversalRequest:
        async with application.db.transaction(write=True) as conn:
            return await LedgerCorrections(conn).request(
                entry, reason, person, store.booking_time()
            )

    request = _run(work)
    console.print(f"reversal request #{request.id} of entry #{entry} by {person}")


@correction_app.command("approve")
def correction_approve(
    request: Annotated[int, typer.Argument(help="The reversal request.")],
    as_: AsOption = None,
) -> None:
    """Second pair of eyes (never the requester): post the reversal, dated today."""
    person = as_ or getpass.getuser()

    async def work(application: App) -> JournalEntry:
        async with application.db.transaction(write=True) as conn:
            return await LedgerCorrections(conn).approve(request, person, store.booking_time())

    entry = _run(work)
    console.print(
        f"entry #{entry.reverses} reversed by #{entry.id} on {entry.effective_date}, by {person}"
    )
