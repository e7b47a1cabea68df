from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import doorstep.engine
from doorstep.engine.kernel_cache import kernel_cache_dir


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
