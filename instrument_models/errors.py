"""The one error type the instrument model raises for bad input."""


class InstrumentError(ValueError):
    """Bad input to the instrument model: the message names the value and what was expected."""
