"""SIGTERM and SIGHUP end a command the way Ctrl-C does: clean up, one line, a conventional exit status.

Schedulers and ``timeout`` send SIGTERM, a closed terminal SIGHUP. Python's default for both is to die at
once, leaving partial outputs behind; :func:`handle_termination` turns them into :class:`Terminated`
(a ``KeyboardInterrupt``), so every ``with`` block and ``except BaseException`` cleanup that handles Ctrl-C
runs for them too. After the first signal, further SIGINT/SIGTERM/SIGHUP are ignored until the command
has cleaned up (SIGKILL still works). Exit statuses are the shell's: 128 + signal number (130 SIGINT,
143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """A termination signal arrived; ``signum`` names it and ``exit_status`` is 128 + signum."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)

    @property
    def exit_status(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def exit_status_of(exc: BaseException) -> int:
    """The exit status for an interruption: 128 + its signal (130 for a plain KeyboardInterrupt)."""
    return exc.exit_status if isinstance(exc, Terminated) else 128 + int(signal.SIGINT)


def _raise(signum, frame) -> None:
    for sig in HANDLED:
        signal.signal(sig, signal.SIG_IGN)     # clean up undisturbed; SIGKILL still ends the process
    raise Terminated(signum)


@contextmanager
def handle_termination() -> Iterator[None]:
    """Within the block SIGINT, SIGTERM and SIGHUP raise :class:`Terminated`; the previous handlers are
    restored afterwards. Outside the main thread (where Python cannot install handlers) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in HANDLED}
    for sig in HANDLED:
        if previous[sig] is not signal.SIG_IGN:        # nohup's ignored SIGHUP stays ignored
            signal.signal(sig, _raise)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
