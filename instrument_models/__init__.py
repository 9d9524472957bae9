"""Instrument models: cameras as data plus pure array functions.

Nothing here reads SPICE state or writes files other than kernels; ``simulator`` builds on it.
"""
