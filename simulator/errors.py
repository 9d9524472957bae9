"""Error types of the simulator package.

Every error a user can cause subclasses :class:`SimulatorError` (itself a ``ValueError``) and carries one
clear sentence naming the offending value and what was expected. The CLI prints that sentence and exits
non-zero; it never shows a traceback for these.
"""


class SimulatorError(ValueError):
    """Base class of the simulator's user-facing errors."""


class ScenarioError(SimulatorError):
    """A scenario file or value is malformed (the message names the key)."""


class KernelError(SimulatorError):
    """A SPICE kernel is missing, malformed, or does not cover the requested time."""


class ProductError(SimulatorError):
    """A product folder or file is not what it claims to be."""
