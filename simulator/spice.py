"""SPICE at the boundary: scoped kernel pools and SPICE errors translated into user words.

``KernelPool`` loads its kernels on entry and unloads exactly those on exit. While it is active, kernels
other pools (or anyone else) had loaded are set aside and restored on exit, so two scenarios in one process
never see each other's kernels. Entering an already active pool again is a cheap no-op (re-entrant).

CSPICE is not thread-safe (one kernel pool, one error state per process). Code that calls SPICE from more
than one thread (the renderer's framelet workers, ``simulator.render.engine``) holds :data:`SPICE_LOCK`
around each group of calls; ``KernelPool`` entry and exit hold it too.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from pathlib import Path
from typing import Iterator, Sequence

import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from simulator.errors import KernelError

_KERNEL_SUFFIXES = {".bsp": "SPK", ".bc": "CK"}

# One lock for every SPICE call made while other threads may be calling SPICE too (re-entrant: a locked
# group may enter a KernelPool, which takes it again).
SPICE_LOCK = threading.RLock()


@contextlib.contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    """Run with ``folder`` as working directory (metakernel PATH_VALUES are relative to it)."""
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def furnsh_file(path: Path) -> None:
    """``furnsh`` one kernel; a metakernel is loaded from its own folder so relative paths resolve."""
    path = Path(path).resolve()
    if not path.is_file():
        raise KernelError(f"kernel file {str(path)!r} does not exist")
    with spice_errors(f"the kernel file {path}"), _in_folder(path.parent):
        spiceypy.furnsh(str(path))


def loaded_kernels() -> list[str]:
    """Kernels loaded directly (not through a metakernel), in load order."""
    out = []
    for i in range(spiceypy.ktotal("ALL")):
        file, _type, source, _handle = spiceypy.kdata(i, "ALL")
        if not source:
            out.append(file)
    return out


def kernel_files(kind: str = "ALL") -> list[Path]:
    """Absolute paths of the loaded kernels of ``kind`` ("SPK", "CK", "TEXT", "META", "ALL").

    Files a metakernel loaded by relative path are resolved against the metakernel's folder (where
    :func:`furnsh_file` loaded them from).
    """
    out = []
    for i in range(spiceypy.ktotal(kind)):
        file, _type, source, _handle = spiceypy.kdata(i, kind)
        path = Path(file)
        if not path.is_absolute() and source:
            path = Path(source).parent / path
        out.append(path.resolve())
    return out


class KernelPool:
    """Context manager: ``with KernelPool([metakernel]) as pool: ...`` (re-entrant, isolating)."""

    def __init__(self, paths: Sequence[str | Path] | str | Path):
        if isinstance(paths, (str, Path)):
            paths = [paths]
        self.paths = [Path(p).resolve() for p in paths]
        self._depth = 0
        self._set_aside: list[str] = []

    def __enter__(self) -> "KernelPool":
        with SPICE_LOCK:
            return self._enter()

    def _enter(self) -> "KernelPool":
        if self._depth == 0:
            self._set_aside = loaded_kernels()
            spiceypy.kclear()
            try:
                for p in self.paths:
                    furnsh_file(p)
            except BaseException:
                self._restore()
                raise
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        with SPICE_LOCK:
            self._depth -= 1
            if self._depth == 0:
                self._restore()

    def _restore(self) -> None:
        spiceypy.kclear()
        for f in self._set_aside:
            with contextlib.suppress(KernelError):
                furnsh_file(Path(f))
        self._set_aside = []

    @property
    def active(self) -> bool:
        return self._depth > 0

    def files(self, kind: str = "ALL") -> list[Path]:
        """Absolute paths of this pool's loaded kernels of ``kind`` ("SPK", "CK", "TEXT", "ALL")."""
        with self:
            return kernel_files(kind)


def _coverage_windows(et: float | None) -> list[str]:
    """Describe the coverage of each loaded SPK/CK file not covering ``et``, narrowest window first."""
    found: dict[tuple[str, float, float], list[str]] = {}

    def note(path: Path, what: str, cov) -> None:
        for j in range(spiceypy.wncard(cov)):
            a, b = spiceypy.wnfetd(cov, j)
            if et is None or not (a <= et <= b):
                found.setdefault((path.name, a, b), []).append(what)

    with contextlib.suppress(SpiceyError):
        for path in kernel_files("CK"):
            for inst in spiceypy.ckobj(str(path)):
                note(path, f"frame {inst}", spiceypy.ckcov(str(path), int(inst), False, "INTERVAL", 0.0, "TDB"))
        for path in kernel_files("SPK"):
            for body in spiceypy.spkobj(str(path)):
                note(path, f"body {body}", spiceypy.spkcov(str(path), int(body)))
    ordered = sorted(found.items(), key=lambda item: item[0][2] - item[0][1])
    return [f"{name} covers {', '.join(what)} only from {utc_string(a)} to {utc_string(b)}"
            for (name, a, b), what in ordered]


def utc_string(et: float) -> str:
    """ET -> ISO UTC string (or "ET <value>" when no LSK is loaded)."""
    try:
        return spiceypy.et2utc(float(et), "ISOC", 3)
    except SpiceyError:
        return f"ET {et:.3f}"


_COVERAGE_ERRORS = ("SPKINSUFFDATA", "NOFRAMECONNECT", "FRAMEDATANOTFOUND", "NOTDISJOINT", "CKINSUFFDATA",
                    "EMPTYSEGMENT", "NOLOADEDFILES")


def describe_spice_error(exc: SpiceyError, context: str, et: float | None = None) -> str:
    """One sentence (user words) for a SPICE error raised while computing ``context`` (a noun phrase)."""
    match = re.search(r"SPICE\((\w+)\)", str(getattr(exc, "short", "") or exc))
    short = match.group(1) if match else ""
    text = " ".join(str(getattr(exc, "long", "") or exc).split())
    text = re.sub(r"\s*={5,}.*", "", text)
    when = f" at {utc_string(et)} (ET {et:.3f})" if et is not None else ""
    if short in _COVERAGE_ERRORS:
        windows = _coverage_windows(et)
        cover = ("; " + "; ".join(windows[:3])) if windows else ""
        return (f"the loaded kernels do not cover {context}{when} ({short}){cover}. Choose a time inside the "
                f"coverage or load kernels that cover it")
    if short in ("NOSUCHFILE", "FILEOPENFAILED"):
        return f"a kernel file could not be opened for {context} ({text})"
    return f"SPICE failed on {context}{when}: {short}: {text}" if short else f"SPICE failed on {context}: {text}"


@contextlib.contextmanager
def spice_errors(context: str, et: float | None = None) -> Iterator[None]:
    """Translate any ``SpiceyError`` raised inside into a :class:`KernelError` naming ``context``/``et``.

    ``context`` is a noun phrase for what was being computed ("JUNO's geometry relative to JUPITER").
    """
    try:
        yield
    except SpiceyError as exc:
        raise KernelError(describe_spice_error(exc, context, et)) from None
