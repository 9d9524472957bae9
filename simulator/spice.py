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


def _windows_of(kind: str, ident: int) -> list[tuple[str, float, float]]:
    """(file name, start ET, stop ET) of every coverage window of body/frame ``ident`` in the loaded
    ``kind`` ("SPK" or "CK") files."""
    out = []
    with contextlib.suppress(SpiceyError):
        for path in kernel_files(kind):
            if kind == "CK":
                if ident not in spiceypy.ckobj(str(path)):
                    continue
                cov = spiceypy.ckcov(str(path), int(ident), False, "INTERVAL", 0.0, "TDB")
            else:
                if ident not in spiceypy.spkobj(str(path)):
                    continue
                cov = spiceypy.spkcov(str(path), int(ident))
            out += [(path.name, *spiceypy.wnfetd(cov, j)) for j in range(spiceypy.wncard(cov))]
    return out


def _neighbourhood(kind: str, ident: int, name: str, et: float | None) -> str:
    """Which loaded kernels cover ``kind`` data of ``ident`` nearest to ``et`` (at most three windows)."""
    what = f"{'frame' if kind == 'CK' else 'body'} {ident} ({name})"
    windows = _windows_of(kind, ident)
    if not windows:
        return f"no loaded {kind} file has data for {what}"
    if et is not None:
        windows.sort(key=lambda w: 0.0 if w[1] <= et <= w[2] else min(abs(et - w[1]), abs(et - w[2])))
    listed = ", ".join(f"{n} {utc_string(a)} .. {utc_string(b)}" for n, a, b in windows[:3])
    return f"the loaded {kind} data for {what} nearest that time: {listed}"


# What SPICE's long messages name: the body an SPK lookup needed, the CK frame a frame chain needed, the epoch.
_SPK_BODY = re.compile(r"(?:position|state) of (-?\d+) \(([^)]*)\) relative to (-?\d+) \(([^)]*)\)")
_CK_FRAME = re.compile(r"transformed to frame (-?\d+) \(([^)]*)\)\. The latter is a CK frame")
_CK_STRUCTURE = re.compile(r"(?:instrument or structure|structure|instrument) (-?\d+)")
_EPOCH = re.compile(r"(?:ephemeris epoch|[Aa]t epoch [^(]*\()\s*([0-9]{4} [A-Z]{3} [0-9]{2} [0-9:.]+)")


def _coverage_sentence(short: str, text: str, context: str, et: float | None) -> str:
    """The coverage-error sentence: what SPICE looked for, when, and which loaded kernels cover near it."""
    epoch = _EPOCH.search(text)
    when = f" at {epoch.group(1)} TDB" if epoch else ""
    if et is not None:
        when += f" ({'observer time ' if epoch else 'at '}{utc_string(et)} UTC)"
    body, frame = _SPK_BODY.search(text), _CK_FRAME.search(text)
    if body is not None:
        ident, name = int(body.group(1)), body.group(2)
        return (f"the loaded kernels do not cover the position of body {ident} ({name}){when}, needed for "
                f"{context} ({short}); "
                f"{_neighbourhood('SPK', ident, name, et)}. Load an SPK covering it or choose a time inside "
                "that coverage")
    if frame is not None or short in ("CKINSUFFDATA", "NOFRAMECONNECT"):
        if frame is not None:
            ident, name = int(frame.group(1)), frame.group(2)
        else:
            structure = _CK_STRUCTURE.search(text)
            ident = int(structure.group(1)) if structure else 0
            name = _frame_name(ident)
        return (f"the loaded kernels do not cover the attitude (CK) of frame {ident} ({name}){when}, needed "
                f"for {context} ({short}); {_neighbourhood('CK', ident, name, et)}. Load a CK (and the SCLK) covering it or "
                "choose a time inside that coverage")
    return (f"the loaded kernels do not cover {context}{when} ({short}): {text}. Choose a time inside the "
            "coverage or load kernels that cover it")


def _frame_name(ident: int) -> str:
    with contextlib.suppress(SpiceyError):
        return spiceypy.frmnam(int(ident)) or "unknown"
    return "unknown"


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
        return _coverage_sentence(short, text, context, et)
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
