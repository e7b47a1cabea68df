"""The two CSV files of file-mode pairing (``doorstep pair --households --visitors``), and
the refusal of a pair of them, for the tests of how they are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.errors import InvalidInput
from doorstep.services.pairing.files import read_problem


def pair_files(tmp_path: Path, households: str, visitors: str) -> tuple[Path, Path]:
    """``h.csv`` and ``v.csv`` in ``tmp_path``, holding the texts given (UTF-8)."""
    h, v = tmp_path / "h.csv", tmp_path / "v.csv"
    h.write_bytes(households.encode())
    v.write_bytes(visitors.encode())
    return h, v


def refused(h: Path, v: Path) -> str:
    """Why reading the files ``h`` and ``v`` is refused (it must be)."""
    with pytest.raises(InvalidInput) as caught:
        read_problem(h, v)
    return caught.value.message
