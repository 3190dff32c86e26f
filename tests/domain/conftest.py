"""Make ``domain_factories`` importable whatever pytest's import mode.

The tests tree has no ``__init__.py`` (by design); under ``--import-mode=importlib``
pytest would not put this folder on ``sys.path``, so do it here, once.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
