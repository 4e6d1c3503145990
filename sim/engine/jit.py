"""Compiling the engine's inner loops with numba, when it is installed and allowed.

A kernel module writes each loop twice: a numpy version (the reference, and the fallback) and a
plain-Python loop that does the same arithmetic in the same order, so that both give
bitwise-identical results (each kernel module has a test, and `tests/test_jit_bitwise.py` compares
whole runs). `compiled(loop, fallback)` returns the loop compiled by numba, or the numpy version
when numba is missing or `SIM_NO_JIT=1` is in the environment. Compiled code is cached beside the
module (numba's `cache=True`, as Python caches bytecode), so a machine compiles each kernel once,
not once per run. No `fastmath`: it would let the compiler reorder sums and fuse multiply-adds,
and results would no longer be bitwise those of numpy.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

try:
    if os.environ.get("SIM_NO_JIT"):
        raise ImportError("SIM_NO_JIT is set")
    import numba
except ImportError:  # pragma: no cover - exercised with SIM_NO_JIT=1
    numba = None  # type: ignore[assignment]

JIT = numba is not None
"""Whether kernels are compiled (numba installed and `SIM_NO_JIT` unset)."""


def compiled(loop: Callable[..., Any], fallback: Callable[..., Any]) -> Any:
    """`loop` compiled with numba (cached, releasing the GIL), or `fallback` without numba."""
    if numba is None:
        return fallback
    return numba.njit(cache=True, nogil=True)(loop)
