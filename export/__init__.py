"""riskpool.export — the books as beancount files, for auditors.

Reads the ledger (never the domain's tables) and writes beancount's own data
types through beancount's printer, so the result is checked by the same
loader that ``bean-check`` and Fava use.

Modules, one concept each:

* :mod:`~riskpool.export.naming` — readable, stable account names: code and Chinese name, a tree;
* :mod:`~riskpool.export.builder` — ledger records → beancount directives (pure);
* :mod:`~riskpool.export.printing` — beancount's printer, with byte-identical fast paths;
* :mod:`~riskpool.export.source` — the streamed read of a book's (or all books') entries;
* :mod:`~riskpool.export.service` — the export use case (snapshot, stream, write; one book or all);
* :mod:`~riskpool.export.check` — loader, balance and chain-link checks.

See ``docs/auditors.md`` for how an auditor uses the file.
"""

from riskpool.export.builder import (
    BalanceAssertion,
    BeancountBuilder,
    ExportInput,
    Period,
    build_directives,
)
from riskpool.export.check import ExportCheck, check_export, load_export
from riskpool.export.service import (
    ExportSummary,
    export_beancount,
    export_to_path,
    write_beancount,
)

__all__ = [
    "BalanceAssertion",
    "BeancountBuilder",
    "ExportCheck",
    "ExportInput",
    "ExportSummary",
    "Period",
    "build_directives",
    "check_export",
    "export_beancount",
    "export_to_path",
    "load_export",
    "write_beancount",
]
