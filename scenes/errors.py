"""The one error type the scene package raises for bad input."""


class SceneError(ValueError):
    """Bad scene input (unknown filter, unreadable mesh or map): the message names the value."""
