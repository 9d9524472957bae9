"""Sub-commands of ``junocam-sim``; each module exposes ``register(subparsers)``."""
