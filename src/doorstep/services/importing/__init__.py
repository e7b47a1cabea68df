"""Bulk import of registry files (CSV, XLSX, Parquet), validated, all or nothing.

The importer (:mod:`.service`, :mod:`.errors`: polars, the storage layer, the planner's
inputs) loads on first use of one of its names: the command line reads the columns
(:mod:`.columns`) for every ``doorstep --help``, and must not wait for the importer to
load to print them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from doorstep.services.importing.column_docs import describe
from doorstep.services.importing.columns import IMPORTS, SCHEMAS

if TYPE_CHECKING:
    from doorstep.services.importing.errors import ImportRejected, RowError
    from doorstep.services.importing.service import ImportSummary, import_file, import_frame

__all__ = [
    "IMPORTS",
    "SCHEMAS",
    "ImportRejected",
    "ImportSummary",
    "RowError",
    "describe",
    "import_file",
    "import_frame",
]

#: Where each name loaded on first use is defined.
_LAZY = {
    "ImportRejected": "errors",
    "RowError": "errors",
    "ImportSummary": "service",
    "import_file": "service",
    "import_frame": "service",
}


def __getattr__(name: str) -> Any:
    """The importer's names, loaded on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
