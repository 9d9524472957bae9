"""Realism figures: what a JunoCam expert measures on raw images and calibration frames.

The per-array definitions live below ``simulator`` so the detector and scene tests use the same arithmetic:
dark, hot-pixel, blemish and flat figures in :mod:`instrument_models.junocam.darkstats`, texture figures in
:mod:`scenes.texture_stats`. Here: applying them to products (``texture`` on a km map, ``strips`` stacking
framelets), the measurement of a whole product or calibration folder (``measure``, ``frames``) and the
side-by-side table and plot of ``junocam-sim compare`` (``report``). Every figure is defined as in issue
#13's table: 12-bit DN, per 1648 x 128 strip, TDI 1.
"""
