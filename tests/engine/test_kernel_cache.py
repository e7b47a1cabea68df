from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import doorstep.engine
from doorstep.engine.kernel_cache import cached, kernel_cache_dir


def test_the_cache_directory_changes_with_any_source_file(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "pairing").mkdir(parents=True)
    (src / "pairing" / "insert.py").write_text("def f(): return 1\n")
    (src / "pairing" / "reach.py").write_text("def g(): return 2\n")
    home = tmp_path / "cache"
    first = kernel_cache_dir(src, home)
    assert first.parent == home / "doorstep"
    assert kernel_cache_dir(src, home) == first  # stable
    (src / "pairing" / "reach.py").write_text("def g(): return 3\n")  # the callee alone
    second = kernel_cache_dir(src, home)
    assert second != first
    (src / "pairing" / "reach.py").rename(src / "pairing" / "reach2.py")
    assert kernel_cache_dir(src, home) not in (first, second)


def test_importing_the_engine_points_numba_at_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    code = "import doorstep.engine, numba; print(numba.config.CACHE_DIR)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    sources = Path(doorstep.engine.__file__).parent
    assert out.stdout.strip() == str(kernel_cache_dir(sources, tmp_path))


def test_a_users_own_numba_cache_dir_is_kept(tmp_path: Path) -> None:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "mine"))
    code = "import doorstep.engine, numba; print(numba.config.CACHE_DIR)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(tmp_path / "mine")


class _Kernel:
    """Shaped as numba's dispatcher is where :func:`cached` reads it."""

    def __init__(self, index: Path) -> None:
        store = type("Store", (), {"_index_path": str(index)})()
        self._cache = type("Cache", (), {"_cache_file": store})()


def test_cached_needs_the_index_of_every_kernel(tmp_path: Path) -> None:
    (tmp_path / "a.nbi").write_bytes(b"")
    assert cached(_Kernel(tmp_path / "a.nbi"))
    assert not cached(_Kernel(tmp_path / "a.nbi"), _Kernel(tmp_path / "b.nbi"))
    assert cached(object())  # cannot tell: no line saying a run may take longer


def test_the_pairing_kernels_are_ready_once_a_pairing_has_run(tmp_path: Path) -> None:
    """The real kernels, through numba's own cache, in a process whose cache is empty: not
    ready before a pairing, ready after it (the planner's: tests/cli/test_progress_bars)."""
    code = """
from doorstep.engine.pairing.compiled import kernels_ready
from doorstep.engine.pairing.solve import solve
from tests.engine.pairing.test_solve import line
before = kernels_ready()
solve(line([("H1", 0.0, "zh")], [("V1", 1.0, "zh", 1)]))
print(before, kernels_ready())
"""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "kernels"))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False True"
