"""Bulk import of registry files (CSV, XLSX, Parquet), validated, all or nothing."""

from doorstep.services.importing.columns import IMPORTS, SCHEMAS, describe
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
