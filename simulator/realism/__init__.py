"""Realism figures: what a JunoCam expert measures on raw images and calibration frames.

Pure functions on arrays (``darkstats``, ``flatstats``, ``texture``), the measurement of a whole product or
calibration folder (``measure``) and the side-by-side table and plot of ``junocam-sim compare``
(``report``). Every figure is defined as in issue #13's table: 12-bit DN, per 1648 x 128 strip, TDI 1.
"""
