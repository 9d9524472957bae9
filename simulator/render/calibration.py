"""The scenario's ``[detector]`` table: which detector model, its mission-time knobs and a user's own frames.

``model = "junocam"`` (default) is the detector measured on real frames (``instrument_models.junocam``:
``darkframe``, ``flatfield``, ``defects``); ``"ideal"`` is the earlier idealised one (quadratic vignetting,
flat bias ``DetectorParams.bias_dn``, white read noise of :data:`IDEAL_READ_NOISE_E`, isolated hot pixels of
``hot_pixel_fraction``), kept for pipelines that model nothing else. ``flat_path`` / ``dark_path`` /
``bad_pixel_mask_path`` replace the model's flat (profile, dust, blemishes), dark/bias (level, columns, hot
pixels: a user's dark is taken as a bias map in DN, without shot noise) and blemishes, per filter, as read by
``instrument_models.junocam.calibration_files``. Relative paths are relative to the working directory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from instrument_models.junocam import calibration_files
from instrument_models.junocam import defects as defect_model
from simulator.render.types import FILTER_ORDER

IDEAL_READ_NOISE_E = 16.0     # the earlier default (facts.md: one unverified source for this sensor)
USER_HOT_DN = 20.0            # a user's dark: pixels this far above their column median are flagged HOT


@dataclass(frozen=True)
class DetectorConfig:
    """The ``[detector]`` table as values (see the scenario schema for each key's meaning)."""

    model: str = "junocam"
    read_noise_e: float | None = None
    read_noise_correlation: float | None = None
    dark_noise_dn2_per_dn: float | None = None
    dark_level_scale: float = 1.0
    warm_column_scale: float = 1.0
    hot_pixel_density_scale: float = 1.0
    hot_pixel_amplitude_scale: float = 1.0
    flat_path: str | None = None
    dark_path: str | None = None
    dark_scale: float | None = None      # None: calibration_files.stored_to_dn12 decides
    bad_pixel_mask_path: str | None = None
    bad_pixel_response: float = 0.5

    def apply(self, params):
        """``DetectorParams`` with this table's values; the scales multiply the camera's own (which a mission-time
        model may already have set), so the table's defaults of 1 change nothing."""
        d = params.dark_frame
        dark = replace(d, level_scale=d.level_scale * self.dark_level_scale,
                       warm_column_scale=d.warm_column_scale * self.warm_column_scale,
                       hot_density_scale=d.hot_density_scale * self.hot_pixel_density_scale,
                       hot_amplitude_scale=d.hot_amplitude_scale * self.hot_pixel_amplitude_scale)
        out = replace(params, dark_frame=dark)
        if self.read_noise_e is not None:
            out = replace(out, read_noise_e=float(self.read_noise_e))
        if self.read_noise_correlation is not None:
            out = replace(out, read_noise_correlation=float(self.read_noise_correlation))
        if self.dark_noise_dn2_per_dn is not None:
            out = replace(out, dark_noise_dn2_per_dn=float(self.dark_noise_dn2_per_dn))
        return out


def detector_config(table: dict | None) -> DetectorConfig:
    """:class:`DetectorConfig` from the scenario's ``[detector]`` table (missing or ``None`` keys: defaults)."""
    values = {k: v for k, v in (table or {}).items() if v is not None and k in DetectorConfig.__dataclass_fields__}
    return DetectorConfig(**values)


class UserFrames:
    """A user's flat, dark and bad-pixel mask per filter (empty when the table names none)."""

    def __init__(self, config: DetectorConfig, cam):
        rows = {f: cam.strips.first_ccd_row(f) for f in FILTER_ORDER}
        first, last = cam.strips.dark_columns, cam.strips.last_photoactive_column
        self.flat = calibration_files.load_flat(config.flat_path, rows, first, last) if config.flat_path else {}
        self.dark = calibration_files.load_dark(config.dark_path, rows, config.dark_scale) if config.dark_path else {}
        self.mask = calibration_files.load_mask(config.bad_pixel_mask_path, rows) if config.bad_pixel_mask_path else {}
        self.bad_response = float(config.bad_pixel_response)

    def apply(self, filter_name: str, lo: int, hi: int, response, bias, hot_e, defect, dark_on: bool):
        """The maps of one filter (columns ``lo .. hi - 1``) with the user's frames in place of the model's."""
        if filter_name in self.flat:
            response = self.flat[filter_name][:, lo:hi]
            defect = defect & ~np.uint8(defect_model.DUST | defect_model.BLEMISH)
        if filter_name in self.dark and dark_on:
            dark = self.dark[filter_name][:, lo:hi]
            bias, hot_e = dark, np.zeros(dark.shape)
            col = np.median(dark, axis=0)
            defect = defect & ~np.uint8(defect_model.HOT | defect_model.WARM_COLUMN)
            defect = defect | np.where(dark > col[None, :] + USER_HOT_DN, defect_model.HOT, 0).astype(np.uint8)
            warm = col > np.median(col) + defect_model.WARM_COLUMN_DN
            defect = defect | np.where(warm[None, :], defect_model.WARM_COLUMN, 0).astype(np.uint8)
        if filter_name in self.mask:
            bad = self.mask[filter_name][:, lo:hi]
            response = np.where(bad, np.broadcast_to(response, bad.shape) * self.bad_response, response)
            defect = defect | np.where(bad, defect_model.BLEMISH, 0).astype(np.uint8)
        return response, bias, hot_e, defect
