"""Output paths that never lose a user's files: refuse, mark, write beside, swap, clean up.

Every command that writes goes through this module:

- :func:`prepare_output` decides whether ``--out`` may be written: a path that does not exist, an empty
  folder, or (with ``overwrite=True``) a folder junocam-sim wrote itself, recognised by its marker file
  :data:`MARKER` (``.junocam-sim-output``: JSON with the command and the software version; while the output
  is a partial it also names the writing process, host and time, dropped when it is swapped into place so the
  same command gives the same bytes whoever ran it, :func:`settle_marker`). Anything else
  is refused with one sentence, before any work: a folder holding files we did not write, a file where a
  folder is expected, the working directory or one of its parents, the home folder, ``/``.
- :func:`atomic_dir` builds the new folder as ``.<name>.junocam-sim-partial-<pid>`` beside the output,
  writes the marker into it first, and swaps it into place only when the block ends without an error
  (``renameat2(RENAME_EXCHANGE)`` where the kernel offers it, so the output is never missing; else two
  renames). On any exception (including SIGINT/SIGTERM/SIGHUP, see :mod:`simulator.signals`) the partial is
  removed and the old output is left as it was. :func:`atomic_file` does the same for one file.
- :func:`remove_stale_partials` removes partials (and swapped-out ``.old`` copies) in a folder whose
  process is gone: they carry our marker and a pid that no longer runs, or that was reused by a process
  started after the marker was written. Every writer calls it on the folder it writes into.
- :func:`check_free_space` refuses to start when the folder's file system has fewer free bytes than the
  product needs; :func:`preallocate` reserves a scratch file's blocks (so a full disk is an ``ENOSPC`` error
  at allocation, not a ``SIGBUS`` inside a memory map).

Files are created with the process umask (``0o666 & ~umask``: 0644 with the usual 022), never 0600.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from simulator import __version__
from simulator.errors import SimulatorError

MARKER = ".junocam-sim-output"
PARTIAL_TAG = ".junocam-sim-partial-"   # ".<name>.junocam-sim-partial-<pid>"
OLD_TAG = ".junocam-sim-old-"           # ".<name>.junocam-sim-old-<pid>": a replaced output while it is swapped
_RENAME_EXCHANGE = 2                    # linux/fs.h


class OutputError(SimulatorError):
    """An output path that may not be written, or a write that failed (the message names the path)."""


# --- what may be written -------------------------------------------------------------------------------
def _protected(path: Path) -> str | None:
    """Why ``path`` (absolute) may never be replaced, or ``None``."""
    cwd = Path.cwd().resolve()
    real = path.resolve()
    if real == Path(real.anchor):
        return "is the root folder"
    if real == Path.home().resolve():
        return "is the home folder"
    if real == cwd:
        return "is the working directory"
    if real in cwd.parents:
        return "is a parent of the working directory"
    return None


def read_marker(folder: Path) -> dict | None:
    """The marker record of a folder junocam-sim wrote, or ``None`` when the folder has no valid marker."""
    try:
        record = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("software") == "junocam-sim" else None


def write_marker(folder: Path, command: str) -> Path:
    """Write the marker that identifies ``folder`` as written by junocam-sim ``command``; return its path."""
    record = {"software": "junocam-sim", "version": __version__, "command": command, "pid": os.getpid(),
              "host": socket.gethostname(), "created_unix_s": time.time()}
    path = Path(folder) / MARKER
    with open_new(path, "w") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
    return path


def prepare_output(path: str | os.PathLike, *, overwrite: bool = False, kind: str = "dir") -> Path:
    """Check that ``path`` may be written and return it as an absolute path; raise :class:`OutputError`.

    Parameters
    ----------
    path : the output (``--out``) the user named.
    overwrite : the user's ``--overwrite``: allows replacing a folder junocam-sim wrote (``kind="dir"``)
        or an existing file (``kind="file"``).
    kind : ``"dir"`` (the output is a folder replaced as a whole), ``"file"`` (one file), or
        ``"container"`` (a folder that receives outputs, e.g. product folders; it may hold anything and
        is never replaced, only created when missing).
    """
    if kind not in ("dir", "file", "container"):
        raise ValueError(f"kind {kind!r} must be 'dir', 'file' or 'container'")
    target = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
    shown = os.fspath(path)
    if kind == "container":
        if target.exists() and not target.is_dir():
            raise OutputError(f"output folder {shown!r} is a file; expected a folder (existing or new)")
        return target
    if target.is_symlink():
        raise OutputError(f"output {shown!r} is a symbolic link; name a new path (links are not replaced)")
    why = _protected(target)
    if why is not None and (target.exists() or kind == "dir"):
        raise OutputError(f"output {shown!r} {why}; name a new folder to write into")
    if not target.exists():
        if target.parent.exists() and not target.parent.is_dir():
            raise OutputError(f"output {shown!r} lies under {str(target.parent)!r}, which is a file")
        return target
    if kind == "file":
        if target.is_dir():
            raise OutputError(f"output {shown!r} is a folder; expected a file name")
        if not overwrite:
            raise OutputError(f"output file {shown!r} already exists; pass --overwrite to replace it")
        return target
    if not target.is_dir():
        raise OutputError(f"output {shown!r} is a file; expected a folder name (it is not replaced)")
    if not any(target.iterdir()):
        return target                                          # empty: nothing can be lost
    marker = read_marker(target)
    if marker is None:
        raise OutputError(f"output folder {shown!r} holds files junocam-sim did not write; it is never "
                          "replaced: name a new or empty folder")
    if not overwrite:
        raise OutputError(f"output folder {shown!r} exists (written by junocam-sim {marker.get('command', '?')}); "
                          "pass --overwrite to replace it")
    return target


# --- processes and stale partials ------------------------------------------------------------------------
def _process_start_unix_s(pid: int) -> float | None:
    """When process ``pid`` started (Unix seconds, from /proc), or ``None`` where /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def process_alive(pid: int, since_unix_s: float | None = None) -> bool:
    """Whether process ``pid`` runs and (with ``since_unix_s``) started no later than that time."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if since_unix_s is not None:
        started = _process_start_unix_s(pid)
        if started is not None and started > since_unix_s + 2.0:   # 2 s: /proc's btime is whole seconds
            return False                                            # the pid was reused by a newer process
    return True


def _pid_of(name: str) -> int | None:
    for tag in (PARTIAL_TAG, OLD_TAG):
        if tag in name:
            tail = name.rsplit(tag, 1)[1]
            return int(tail) if tail.isdigit() else None
    return None


def remove_stale_partials(folder: str | os.PathLike) -> list[Path]:
    """Remove partial and swapped-out outputs in ``folder`` whose writing process is gone; return them.

    Only entries named ``.<name>.junocam-sim-partial-<pid>`` / ``...-old-<pid>`` are considered; a folder
    must also carry our marker written on this host. Entries of live processes are left alone.
    """
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    host = socket.gethostname()
    for entry in entries:
        pid = _pid_of(entry.name) if entry.name.startswith(".") else None
        if pid is None or pid == os.getpid():
            continue
        if entry.is_dir() and not entry.is_symlink():
            marker = read_marker(entry)
            if marker is None or marker.get("host", host) != host:
                continue
            since = marker.get("created_unix_s")
            if process_alive(pid, float(since) if isinstance(since, (int, float)) else None):
                continue
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file():
            if process_alive(pid, entry.stat().st_mtime):
                continue
            entry.unlink(missing_ok=True)
        else:
            continue
        removed.append(entry)
    return removed


# --- space ---------------------------------------------------------------------------------------------
def check_free_space(folder: str | os.PathLike, needed_bytes: int, what: str = "the output") -> None:
    """Raise :class:`OutputError` when ``folder``'s file system has fewer than ``needed_bytes`` free."""
    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if needed_bytes > free:
        raise OutputError(f"not enough free space in {str(folder)!r}: {what} needs about {needed_bytes:,} bytes "
                          f"and {free:,} are free")


def available_memory_bytes() -> int | None:
    """Memory the kernel says can be taken without swapping (``MemAvailable``), or ``None`` if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_memory(needed_bytes: int, what: str, smaller: str) -> None:
    """Raise :class:`OutputError` before any work when ``what`` would need more memory than is available.

    ``smaller`` says how to ask for less (e.g. ``"a coarser --resolution"``).
    """
    free = available_memory_bytes()
    if free is not None and needed_bytes > free:
        raise OutputError(f"{what} needs about {needed_bytes / 2**30:,.1f} GiB of memory and "
                          f"{free / 2**30:,.1f} GiB are available; ask for {smaller}")


def preallocate(path: Path, nbytes: int) -> None:
    """Create ``path`` and reserve ``nbytes`` of disk for it (a full disk fails here, not in a memory map)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        if nbytes > 0:
            try:
                os.posix_fallocate(fd, 0, int(nbytes))
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise OSError(exc.errno, exc.strerror, str(path)) from None
                os.ftruncate(fd, int(nbytes))      # no fallocate on this file system: a sparse file
    finally:
        os.close(fd)


def os_error_sentence(exc: OSError, doing: str) -> str:
    """One sentence for an ``OSError`` met while ``doing`` (``shutil.Error``'s list of tuples shortened)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        first = exc.args[0][0]
        detail = f"{len(exc.args[0])} file(s) could not be copied, the first {first[0]!r}: {first[-1]}"
    else:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        detail = f"{exc.strerror or exc}{where}"
    return " ".join(f"{doing} failed: {detail}".split())[:400]


# --- writing -------------------------------------------------------------------------------------------
def open_new(path: str | os.PathLike, mode: str = "w"):
    """Open a new file ``path`` for writing with the umask's permissions (``0o666 & ~umask``)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o666)
    return os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}))


def umask_mode(directory: bool) -> int:
    """The mode a new folder (0o777) or file (0o666) gets under the process umask (0o755 / 0o644 with 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


def normalise_modes(folder: Path) -> None:
    """Give ``folder`` and the folders under it the umask's mode (copies of private temporary folders
    such as ``tempfile.mkdtemp``'s 0700 otherwise keep it)."""
    mode = umask_mode(True)
    for path in [Path(folder), *(p for p in Path(folder).rglob("*") if p.is_dir() and not p.is_symlink())]:
        os.chmod(path, mode)


def partial_path(final: Path) -> Path:
    """Where the output ``final`` is built by this process."""
    return final.with_name(f".{final.name}{PARTIAL_TAG}{os.getpid()}")


def settle_marker(folder: Path) -> None:
    """Rewrite ``folder``'s marker without the writing process's pid, host and time (kept while it is a
    partial, for :func:`remove_stale_partials`), so a finished output's bytes do not depend on who made it."""
    path = Path(folder) / MARKER
    record = read_marker(folder)
    if record is None:
        return
    stable = {k: record[k] for k in ("software", "version", "command") if k in record}
    tmp = path.with_name(path.name + ".settling")
    tmp.write_text(json.dumps(stable, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def swap_into_place(partial: Path, final: Path) -> None:
    """Put ``partial`` at ``final``; an existing ``final`` is exchanged out and removed afterwards. The
    partial's marker is settled first (:func:`settle_marker`)."""
    settle_marker(partial)
    if not final.exists():
        os.rename(partial, final)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_fdcwd = -100
        if renameat2(at_fdcwd, os.fsencode(partial), at_fdcwd, os.fsencode(final), _RENAME_EXCHANGE) == 0:
            shutil.rmtree(partial, ignore_errors=True)      # now holds the replaced output
            return
    old = final.with_name(f".{final.name}{OLD_TAG}{os.getpid()}")
    os.rename(final, old)
    os.rename(partial, final)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_dir(path: str | os.PathLike, *, overwrite: bool = False, command: str = "",
               needed_bytes: int = 0, what: str = "the output") -> Iterator[Path]:
    """Yield a new partial folder; on success it replaces ``path`` as a whole, on any error it is removed.

    ``path`` is checked by :func:`prepare_output` (``kind="dir"``) on entry and again just before the
    swap (a folder that appeared meanwhile is not replaced unless it may be). ``needed_bytes`` is checked
    against the free space first. Errors raised while writing are re-raised as one-sentence
    :class:`OutputError` when they are ``OSError`` (a full disk, a permission, ``shutil.Error``).
    """
    final = prepare_output(path, overwrite=overwrite, kind="dir")
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(final.parent)
    check_free_space(final.parent, needed_bytes, what)
    partial = partial_path(final)
    try:
        partial.mkdir()
        write_marker(partial, command)
        yield partial
        prepare_output(final, overwrite=overwrite, kind="dir")
        swap_into_place(partial, final)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise OutputError(os_error_sentence(exc, f"writing {str(final)!r}")) from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


@contextmanager
def atomic_file(path: str | os.PathLike, *, overwrite: bool = False, mode: str = "wb",
                checked: bool = True) -> Iterator:
    """Yield a file handle on a partial beside ``path``, renamed to ``path`` when the block ends.

    With ``checked`` the path goes through :func:`prepare_output` (``kind="file"``; existing files need
    ``overwrite``); writers of a partial folder pass ``checked=False``. The file gets the umask's mode.
    """
    final = (prepare_output(path, overwrite=overwrite, kind="file") if checked
             else Path(os.path.abspath(os.fspath(path))))
    if checked:
        remove_stale_partials(final.parent)
    if not final.parent.is_dir():
        raise OutputError(f"output folder {str(final.parent)!r} does not exist")
    tmp = partial_path(final)
    try:
        with open_new(tmp, mode) as fh:
            yield fh
        os.replace(tmp, final)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(os_error_sentence(exc, f"writing {str(final)!r}")) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
