"""SPICE at the boundary: scoped kernel pools and SPICE errors translated into user words.

``KernelPool`` loads its kernels on entry and unloads exactly those on exit. While it is active, kernels
other pools (or anyone else) had loaded are set aside and restored on exit, so two scenarios in one process
never see each other's kernels. Entering an already active pool again is a cheap no-op (re-entrant).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Iterator, Sequence

import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from simulator.errors import KernelError

_KERNEL_SUFFIXES = {".bsp": "SPK", ".bc": "CK"}


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
    with spice_errors(f"loading kernel {path}"), _in_folder(path.parent):
        spiceypy.furnsh(str(path))


def loaded_kernels() -> list[str]:
    """Kernels loaded directly (not through a metakernel), in load order."""
    out = []
    for i in range(spiceypy.ktotal("ALL")):
        file, _type, source, _handle = spiceypy.kdata(i, "ALL")
        if not source:
            out.append(file)
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

    def files(self, kind: str = "ALL") -> list[str]:
        """Absolute paths of loaded kernels of ``kind`` ("SPK", "CK", "TEXT", "ALL") while active."""
        with self:
            return [spiceypy.kdata(i, kind)[0] for i in range(spiceypy.ktotal(kind))]


def _coverage_windows(et: float | None) -> list[str]:
    """Describe each loaded SPK/CK file's coverage (used in out-of-coverage messages)."""
    notes = []
    with contextlib.suppress(SpiceyError):
        for i in range(spiceypy.ktotal("SPK")):
            f = spiceypy.kdata(i, "SPK")[0]
            for body in spiceypy.spkobj(f):
                cov = spiceypy.spkcov(f, int(body))
                for j in range(spiceypy.wncard(cov)):
                    a, b = spiceypy.wnfetd(cov, j)
                    if et is None or not (a <= et <= b):
                        notes.append(f"{Path(f).name} covers body {body} from {_utc(a)} to {_utc(b)}")
        for i in range(spiceypy.ktotal("CK")):
            f = spiceypy.kdata(i, "CK")[0]
            for inst in spiceypy.ckobj(f):
                cov = spiceypy.ckcov(f, int(inst), False, "INTERVAL", 0.0, "TDB")
                for j in range(spiceypy.wncard(cov)):
                    a, b = spiceypy.wnfetd(cov, j)
                    if et is None or not (a <= et <= b):
                        notes.append(f"{Path(f).name} covers frame {inst} from {_utc(a)} to {_utc(b)}")
    return notes


def _utc(et: float) -> str:
    try:
        return spiceypy.et2utc(float(et), "ISOC", 3)
    except SpiceyError:
        return f"ET {et:.3f}"


_COVERAGE_ERRORS = ("SPKINSUFFDATA", "NOFRAMECONNECT", "FRAMEDATANOTFOUND", "NOTDISJOINT", "CKINSUFFDATA",
                    "EMPTYSEGMENT", "NOLOADEDFILES")


def describe_spice_error(exc: SpiceyError, context: str, et: float | None = None) -> str:
    """One sentence (user words) for a SPICE error raised while doing ``context``."""
    match = re.search(r"SPICE\((\w+)\)", str(getattr(exc, "short", "") or exc))
    short = match.group(1) if match else ""
    text = " ".join(str(getattr(exc, "long", "") or exc).split())
    text = re.sub(r"\s*={5,}.*", "", text)
    when = f" at {_utc(et)} (ET {et:.3f})" if et is not None else ""
    if short in _COVERAGE_ERRORS:
        windows = _coverage_windows(et)
        cover = ("; " + "; ".join(windows[:4])) if windows else ""
        return (f"the loaded kernels do not cover {context}{when} ({short}){cover}. Choose a time inside the "
                f"coverage or load kernels that cover it")
    if short in ("NOSUCHFILE", "FILEOPENFAILED"):
        return f"{context}: a kernel file could not be opened ({text})"
    return f"SPICE failed while {context}{when}: {short}: {text}" if short else f"SPICE failed while {context}: {text}"


@contextlib.contextmanager
def spice_errors(context: str, et: float | None = None) -> Iterator[None]:
    """Translate any ``SpiceyError`` raised inside into a :class:`KernelError` naming ``context``/``et``."""
    try:
        yield
    except SpiceyError as exc:
        raise KernelError(describe_spice_error(exc, context, et)) from None
