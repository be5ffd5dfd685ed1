"""Compiled kernels: a mechanism's arithmetic compiled to machine code (numba), next to the mechanism.

A week of the model is some forty mechanisms, each 20-70 numpy operations on arrays of about a hundred
organisations, a few hundred presences or a few thousand staff slots: most of a step was the cost of
calling numpy (1-3 us a call), not of computing (``docs/bench/README.md``). A kernel does a mechanism's
arithmetic in one call. The rules every kernel follows, so that a run takes the course the numpy code's
took, to the last bit (``tests/test_golden.py`` holds a run to the numpy code's numbers;
``tests/test_kernels.py`` checks the sums below against numpy and the kernels run as plain Python against
the compiled ones):

* **The same arithmetic in the same order.** Element-wise arithmetic is the same IEEE operations;
  sums that numpy's ``bincount`` forms (each bin adds its elements in order) are loops in that order.
  Transcendental functions (``exp``, ``log``, ``expm1``, ``**``) and matrix products (``@``) stay numpy,
  outside the kernel: their last bits depend on numpy's or OpenBLAS's implementation for the processor.
* **Random draws stay numpy.** The draws are made by the mechanism and handed to the kernel (passing a
  ``Generator`` into a kernel costs about 20 us a call, measured here). One exception: the per-slot
  uniforms of ``sim/rng.py`` are Philox's, a pure function of (key, counter), computed by a kernel that
  reproduces numpy's ``Philox`` bit for bit (``tests/test_kernels.py`` checks it against numpy).
* **Sums as numpy adds them.** ``ndarray.sum`` adds a contiguous array pairwise (eight running sums
  over blocks of up to 128 values, halves above that): :func:`pairwise_sum` does the same, and is
  checked against numpy on every machine the tests run on.
* **Outcomes may add in their own order.** A week's outcomes are read by the recorder only, never by the
  model: the kernels that sum them (``_outcomes``, ``_capacity_sums``, ``_staff_sums``, ...) add in loop
  order, products included. They agree with the numpy code's outcomes to rounding (at most 2e-15 relative
  in 24 runs here); ``tests/test_golden.py`` holds every outcome to 1e-9. The run itself is unchanged to the
  last bit: every outcome not summed so is identical.
* **Compiled once per machine.** A kernel is compiled at its first call in a process that runs a model
  and cached on disk (numba's cache, in ``sim/__pycache__/kernels-<hash>``, named by the modules whose
  kernels others call, :data:`SHARED`: a kernel is recompiled when they change, and by numba when its
  own file changed); later processes load it (0.67-0.85 s at a process's first model step, numba's
  import included, measured here). A process that never runs a model (planning a sweep, writing a report) never
  imports numba.

An operation numba cannot spell in Python (the 128-bit product of two 64-bit words, for Philox) is an
:func:`intrinsic`: LLVM IR built when a kernel calling it is compiled, and a Python version that gives the
same values everywhere else. Shared numerics: :func:`pairwise_sum`, :func:`masked_sum`,
:func:`lowest_per_group` (layoffs, participants).

``NUMBA_DISABLE_JIT=1`` runs every kernel as plain Python (slowly), for debugging.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from pathlib import Path

import numpy as np

__all__ = ["kernel", "intrinsic", "pairwise_sum", "masked_sum", "lowest_per_group", "cache_dir", "compiled", "SHARED"]


# The modules whose kernels other modules' kernels may call: this one (numerics), the learning law and the
# partnership rules (the co-design phase's progress, ``sim/regimes.py`` ``co_design_progress``).
SHARED = ("sim.jit", "sim.learning", "sim.regimes")


def cache_dir() -> Path:
    """Where the compiled kernels are kept: a folder named by the contents of the :data:`SHARED` modules, in
    the package's ``__pycache__`` (or under ``NUMBA_CACHE_DIR`` when that is set)."""
    here = Path(__file__).parent
    digest = hashlib.sha1()
    for name in SHARED:
        digest.update((here / f"{name.split('.')[-1]}.py").read_bytes())
    base = Path(os.environ.get("NUMBA_CACHE_DIR") or here / "__pycache__")
    return base / f"kernels-{digest.hexdigest()[:12]}"


def _numba():
    """numba, with its cache in :func:`cache_dir`."""
    import numba

    if not getattr(_numba, "ready", False):
        numba.config.CACHE_DIR = str(cache_dir())
        _numba.ready = True
    return numba


def compiled() -> bool:
    """Whether kernels compiled from this version of the :data:`SHARED` modules are in the cache; clears the
    caches of earlier versions (``sim/model.py`` ``warm_kernels`` compiles them)."""
    folder = cache_dir()
    for old in folder.parent.glob("kernels-*"):  # compiled from earlier versions of the shared modules
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return folder.is_dir() and any(folder.rglob("*.nbi"))


class _Kernel:
    """A function compiled at its first call (``numba.njit(cache=True)``); until then numba is not imported."""

    def __init__(self, fn):
        self.python = fn  # the function as written (what numba compiles)
        self._compiled = None
        functools.update_wrapper(self, fn)

    def __call__(self, *args):
        compiled = self._compiled
        if compiled is None:
            compiled = self.compile()
        return compiled(*args)

    def compile(self):
        """Compile (or load from the cache) this kernel and the kernels it calls.

        A kernel may call the kernels of its own module and of the :data:`SHARED` modules: those are compiled
        first and the caller's module name rebound to the compiled function, which numba can call. (No
        others: numba's cache checks the kernel's own source file, and the cache folder is named by the
        shared modules, so a kernel calling into any other file could be loaded stale after that file
        changed.) The kernel's own name in its module is then rebound to the compiled function, so that the
        module's Python calls numba's dispatcher without this wrapper.
        """
        if self._compiled is None:
            numba = _numba()
            module = self.python.__globals__
            self._compiled = numba.njit(cache=True)(self.python)  # (compiled at its first call)
            for name in self.python.__code__.co_names:
                callee = module.get(name)
                if callee is self:  # a recursive kernel calls itself compiled
                    module[name] = self._compiled
                elif isinstance(callee, (_Kernel, _Intrinsic)):
                    if callee.python.__module__ not in (self.python.__module__, *SHARED):
                        raise TypeError(f"kernel {self.__name__} calls {name} of {callee.python.__module__}")
                    module[name] = callee.compile()
            if module.get(self.__name__) is self:
                module[self.__name__] = self._compiled
        return self._compiled


def kernel(fn):
    """Mark ``fn`` as a compiled kernel (see the module's rules)."""
    return _Kernel(fn)


class _Intrinsic:
    """An operation written as LLVM IR for the kernels that call it, and as Python for everything else."""

    def __init__(self, python, build):
        self.python = python  # the same values, for Python callers and NUMBA_DISABLE_JIT=1
        self._build = build  # build(numba) -> the numba intrinsic
        self._compiled = None
        functools.update_wrapper(self, python)

    def __call__(self, *args):
        return self.python(*args)

    def compile(self):
        """The numba intrinsic, built once (the Python version when numba's compiler is switched off)."""
        if self._compiled is None:
            numba = _numba()
            self._compiled = self.python if numba.config.DISABLE_JIT else self._build(numba)
        return self._compiled


def intrinsic(build):
    """Mark a Python function as the Python version of the intrinsic ``build(numba)`` makes: compiled kernels
    (of its own module, or of any module when it is in a :data:`SHARED` one) call the intrinsic, all else
    calls the Python."""
    return lambda python: _Intrinsic(python, build)


@kernel
def pairwise_sum(a):
    """The sum of a one-dimensional array as ``a.sum()`` forms it: below 8 values in order; up to 128, eight
    running sums over blocks of eight, combined ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then the
    rest in order; above 128, the two halves (the first a multiple of 8 long) summed so and added."""
    n = a.shape[0]
    if n < 8:
        total = 0.0
        for i in range(n):
            total += a[i]
        return total
    if n <= 128:
        s0, s1, s2, s3 = a[0], a[1], a[2], a[3]
        s4, s5, s6, s7 = a[4], a[5], a[6], a[7]
        i = 8
        while i + 8 <= n:
            s0 += a[i]
            s1 += a[i + 1]
            s2 += a[i + 2]
            s3 += a[i + 3]
            s4 += a[i + 4]
            s5 += a[i + 5]
            s6 += a[i + 6]
            s7 += a[i + 7]
            i += 8
        total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
        while i < n:
            total += a[i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return pairwise_sum(a[:half]) + pairwise_sum(a[half:])


@kernel
def masked_sum(values, mask):
    """``values[mask].sum()`` as numpy forms it: the selected values gathered in order, then :func:`pairwise_sum`."""
    picked = np.empty(values.shape[0])
    k = 0
    for i in range(values.shape[0]):
        if mask[i]:
            picked[k] = values[i]
            k += 1
    return pairwise_sum(picked[:k])


@kernel
def lowest_per_group(group, key, want):
    """Positions of the ``want[g]`` lowest keys of each group ``g`` (all of a group with fewer), in no order.

    Ties go to the earlier position: the set a stable sort by (group, key) and each group's first
    ``want[g]`` give (``np.lexsort``; ``tests/test_fast_paths.py`` checks it is). Each group's candidates
    are gathered in position order, and only a group that keeps some but not all of them is sorted
    (stably, by key).

    Args:
        group: each candidate's group (0..len(want)-1).
        key: each candidate's key.
        want: per group, how many to take.
    """
    n = want.shape[0]
    m = group.shape[0]
    start = np.zeros(n + 1, np.int64)
    for i in range(m):
        start[group[i] + 1] += 1
    for g in range(n):
        start[g + 1] += start[g]
    members = np.empty(m, np.int64)  # positions, group by group, each group in position order
    fill = start[:n].copy()
    for i in range(m):
        members[fill[group[i]]] = i
        fill[group[i]] += 1
    total = 0
    for g in range(n):
        total += max(0, min(want[g], start[g + 1] - start[g]))
    out = np.empty(total, np.int64)
    k = 0
    for g in range(n):
        count = start[g + 1] - start[g]
        take = min(want[g], count)
        if take <= 0:
            continue
        seg = members[start[g]:start[g + 1]]
        if take == count:
            out[k:k + count] = seg
        else:
            order = np.argsort(key[seg], kind="mergesort")
            for j in range(take):
                out[k + j] = seg[order[j]]
        k += take
    return out
