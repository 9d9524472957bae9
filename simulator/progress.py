"""Progress bars with rate and time left, on stderr, only when stderr is a terminal (``tqdm``).

One call site per long-running step::

    with progress_bar(total, "rendering", unit="framelet") as bar:
        for item in work:
            ...
            bar.update(1)

:class:`Progress` adapts the ``progress(done, total)`` callbacks of library functions
(``render_product``, ``run_validation``, ``plan_pass``, ...) to one bar. Nothing is written when stderr
is not a terminal (pipes, files, CI logs), so captured output stays clean.
"""

from __future__ import annotations

import sys

from tqdm import tqdm


def enabled(stream=None) -> bool:
    """Whether bars are drawn: ``stream`` (default stderr) is a terminal."""
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def progress_bar(total: float, desc: str, unit: str = "it", stream=None) -> tqdm:
    """A tqdm bar showing count, rate and time left; a silent one when stderr is not a terminal."""
    stream = stream or sys.stderr
    return tqdm(total=total, desc=desc, unit=unit, file=stream, disable=not enabled(stream), leave=False,
                dynamic_ncols=True, smoothing=0.1)


class Progress:
    """A ``progress(done, total)`` callback drawing one bar (created on the first call, closed at the end).

    ``done`` may be fractional; a call with ``done >= total`` closes the bar.
    """

    def __init__(self, label: str, unit: str = "framelet", stream=None):
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = enabled(self.stream)
        self._bar: tqdm | None = None

    def __call__(self, done: float, total: float) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = progress_bar(total, self.label, self.unit, self.stream)
        self._bar.total = total
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)     # update() keeps tqdm's rate estimate going
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
