"""A list as CSV text, as the command line's ``--format csv`` prints it and the web app's
downloads give it: one writer, so a list downloaded is the command's list, cell for cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from doorstep.services.importing.formulas import escape_text


def csv_cell(value: object) -> str:
    """A CSV cell; text as ``export`` writes it, so that a spreadsheet does not run a name
    such as ``=HYPERLINK(...)`` as a formula (numbers and days as they are)."""
    if value is None:
        return ""
    return escape_text(value) if isinstance(value, str) else str(value)


def csv_text(cols: Sequence[str], rows: Sequence[Mapping[str, object]]) -> str:
    """``rows`` as CSV, a header of ``cols`` then every column of each row in that order."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(cols)
    for r in rows:
        w.writerow([csv_cell(r.get(c)) for c in cols])
    return out.getvalue()
