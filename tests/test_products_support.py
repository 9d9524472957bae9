"""Helpers for the product tests: small but real framelets (full width, 128 lines) with truth planes.

The "scene" is a bright disc seen by every framelet, so lat/lon, BODY and DN vary across the image the
way a rendered limb would; nothing here mimics behaviour, it only produces arrays in the renderer's types.
"""

from __future__ import annotations

import numpy as np

from instrument_models.junocam import compand
from simulator.products import ImageDescription, make_product_id
from simulator.render import FrameletResult

START_UTC = "2020-06-02T11:07:00.793"


def description(frames: int = 2, filters=("BLUE", "GREEN", "RED"), summing: int = 1, **changes) -> ImageDescription:
    """A valid description of a small image (values of the shared real product where they apply)."""
    values = dict(
        product_id=make_product_id(START_UTC, 27, 47), start_utc=START_UTC, sclk_start="644368345:244",
        frames=frames, filters=tuple(filters), tdi_stages=1, interframe_delay_s=0.371, summing=summing,
        companding="SQROOT", compression="INTEGER COSINE TRANSFORM", focal_plane_temperature_k=273.0,
        orbit_number=27, spacecraft_altitude_km=63052.1, sub_spacecraft_lat_deg=-56.79971,
        sub_spacecraft_lon_deg=40.66094, solar_distance_km=7.7361e8, product_creation_utc="2020-06-02T11:07:00")
    values.update(changes)
    return ImageDescription(**values)


def framelets(desc: ImageDescription, seed: int = 0, start_et: float = 644368020.0):
    """The framelets of ``desc`` in PNG order, as ``FrameletResult``s with a disc-shaped body in view."""
    rng = np.random.default_rng(seed)
    lines, samples = desc.framelet_lines, desc.line_samples
    yy, xx = np.mgrid[0:lines, 0:samples].astype(np.float64)
    for n in range(desc.frames):
        for k, name in enumerate(desc.filters):
            cx, cy, radius = samples * 0.5 + 40.0 * n, lines * 0.5, samples * 0.3
            r = np.hypot((xx - cx) / radius, (yy - cy) / radius * 4.0)
            body = r < 1.0
            # ~0.05 deg per pixel both ways; consecutive frames step 3 deg in latitude, filters 2 deg apart
            lat = np.where(body, (yy - cy) * 0.05 + 3.0 * n + 2.0 * k, np.nan)
            lon = np.where(body, (355.0 + (xx - cx) * 0.05) % 360.0, np.nan)  # crosses 0/360
            iof = np.where(body, 0.5 * np.sqrt(np.clip(1.0 - r * r, 0.0, 1.0)) * (1.0 + 0.1 * k), 0.0)
            dn12 = (iof * 3000.0).astype(np.float32)
            noisy = np.clip(dn12 + rng.normal(0.0, 5.0, dn12.shape), 0, 4095)
            truth = {
                "BODY": np.where(body, 599, 0).astype(np.int32),
                "LAT_PC": lat, "LAT_PG": lat * 1.01, "LON_W": lon,
                "INCIDENCE": np.where(body, 40.0, np.nan).astype(np.float32),
                "EMISSION": np.where(body, r * 80.0, np.nan).astype(np.float32),
                "PHASE": np.where(body, 30.0, np.nan).astype(np.float32),
                "RANGE": np.where(body, 60000.0 + r * 100.0, np.nan).astype(np.float32),
                "PIXEL_SCALE": np.where(body, 40.0, np.nan).astype(np.float32),
                "IOF": iof.astype(np.float32), "DN12": dn12,
                "DEFECT": (rng.random(dn12.shape) < 0.01).astype(np.uint8),
                "DARK": np.full(dn12.shape, 9.5, np.float32), "FLAT": np.full(dn12.shape, 0.9, np.float32),
            }
            start = start_et + 0.06188 + n * (desc.interframe_delay_s + 0.001)
            yield FrameletResult(
                frame=n, filter=name, first_line=(n * len(desc.filters) + k) * lines, start_et=start,
                mid_et=start + desc.exposure_s / 2, dn8=compand(noisy, desc.companding), truth=truth,
                attitude=np.eye(3), compressed_bytes=int(body.sum()))
