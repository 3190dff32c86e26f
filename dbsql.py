"""The database's own logic — functions and triggers — read from its one home.

Why files: a rule the database enforces (zero sum, append-only, no postings
added to a posted entry, …) must be readable where it is defined, not by
replaying migrations. Each function and each trigger has one file per dialect,
holding its *current* definition, in the component it belongs to::

    ledger/sql/<dialect>/                   the ledger's guards
    domain/persistence/sql/<dialect>/       the domain record's append-only guards
    reconciliation/sql/<dialect>/           reconciliation's append-only guards

A file is ``<object name>.function.sql`` or ``<object name>.trigger.sql``:
optional leading ``--`` comment lines (why the object exists), then exactly
one statement, written the way the database prints the definition back
(``pg_get_functiondef`` / ``pg_get_triggerdef`` on PostgreSQL, ``sqlite_master.sql``
on SQLite). That is what lets a test compare a freshly migrated database with
these files by plain equality (``tests/test_migrations.py``).

Migrations never read these folders: each one embeds frozen copies of what it
installs (the baseline's are ``migrations/versions/0001_baseline/<dialect>/``),
so a later change of a file needs a migration that installs it — and the test
fails until there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Literal

Kind = Literal["function", "trigger"]
DIALECTS = ("postgresql", "sqlite")

#: Where the current definitions live, as (package, folder) — in the order they
#: are installed (the domain's and reconciliation's tables refer to the ledger's).
HOMES = (
    ("riskpool.ledger", "sql"),
    ("riskpool.domain.persistence", "sql"),
    ("riskpool.reconciliation", "sql"),
)


@dataclass(frozen=True, slots=True)
class SqlObject:
    """One function or trigger: its name, kind and the statement that creates it."""

    name: str
    kind: Kind
    sql: str


def parse(filename: str, text: str) -> SqlObject:
    """The object a file defines: its statement is the text after the leading
    comment lines, stripped (no trailing semicolon: the database prints none)."""
    stem, dot, suffix = filename.removesuffix(".sql").rpartition(".")
    if not dot or suffix not in ("function", "trigger"):
        raise ValueError(f"{filename}: expected <name>.function.sql or <name>.trigger.sql")
    lines = text.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    sql = "\n".join(lines).strip()
    if not sql or sql.endswith(";"):
        raise ValueError(f"{filename}: one statement, without a trailing semicolon")
    kind: Kind = "function" if suffix == "function" else "trigger"
    return SqlObject(stem, kind, sql)


def load(folder: Traversable) -> list[SqlObject]:
    """Every object in ``folder``: functions first (triggers execute them), each
    kind by name, so the order of installation never depends on the file system."""
    found = [
        parse(entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(found, key=lambda obj: (obj.kind != "function", obj.name))


def current(dialect: str) -> list[SqlObject]:
    """The current definitions of every component, for ``dialect``."""
    if dialect not in DIALECTS:
        raise ValueError(f"no database logic for dialect {dialect!r}")
    objects: list[SqlObject] = []
    for package, folder in HOMES:
        objects += load(files(package).joinpath(folder, dialect))
    return sorted(objects, key=lambda obj: (obj.kind != "function", obj.name))
