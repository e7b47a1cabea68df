"""The pairing and planning solvers: problems in, results out, no database and no files."""

from pathlib import Path

from doorstep.engine.kernel_cache import use_kernel_cache

use_kernel_cache(Path(__file__).parent)
