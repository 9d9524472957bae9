"""The planner's error type: bad planning input, in one sentence naming the value and what was expected."""

from simulator.errors import SimulatorError


class PlanningError(SimulatorError):
    """A planning request is malformed (unknown target, bad window, bad limit); the CLI prints one line."""
