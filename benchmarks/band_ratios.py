"""Raw band ratios on Jupiter, measured on rendered framelets the way they were measured on real ones.

``python -m benchmarks.band_ratios [ORBIT ...]`` renders the default scenario (TDI 1, BLUE/GREEN/RED) with
``imaging.orbit_number`` set to each ORBIT (default 1 12 32 43 56) and prints blue/green and red/green.

The real figures (README "What the mission's maps hold"): the raw DN of the PJ32 image JNCE_2021052_32C00054,
its mission maps' SQROOT codes decompanded, disk medians: blue/green 0.399, red/green 1.255.

Measurement: each returned 8-bit framelet is decompanded
(SQROOT table) to 12-bit DN; the dark of the same pixels is the noise-free DN12 of the same render with the
scene off (bias, dark current, hot pixels; same camera state); signal = DN - dark. Disk pixels are those
whose truth has incidence and emission below 70 deg (away from limb and terminator). The ratio is
``junocam-sim compare``'s definition (:func:`simulator.realism.ratios.colocated_ratios`): the median over
surface cells seen in both filters of the cells' mean signals, here with the truth's surface points (cells
of 4 native pixel footprints, as compare's 2 x its 4-pixel thinning).
"""

from __future__ import annotations

import sys

import numpy as np

from instrument_models.junocam import decompand
from simulator.render.engine import render_framelets
from simulator.render.types import RenderRequest
from scenes.ellipsoid import Ellipsoid
from simulator.realism.ratios import colocated_ratios
from simulator.scenario import load_scenario
from simulator.validate.reconstruct import SATURATED_CODE

FRAMES = tuple(range(6, 20, 2))   # frames of the default scenario that cross the lit disk (TDI 1)
MAX_ANGLE_DEG = 70.0


def disk_signal(req: RenderRequest):
    """Yield ``(framelet, disk mask, DN minus dark on the disk)`` of every framelet of ``req``: decompanded DN
    minus the noise-free DN12 of the same render with the scene off, where the truth has incidence and
    emission below :data:`MAX_ANGLE_DEG`, I/F > 0 and the code is not saturated."""
    dark_req = req.with_overrides(options=type(req.options)(**{**req.options.__dict__, "scene_on": False}))
    darks = {(r.frame, r.filter): r.truth["DN12"] for r in render_framelets(dark_req)}
    for r in render_framelets(req):
        t = r.truth
        disk = ((t["INCIDENCE"] < MAX_ANGLE_DEG) & (t["EMISSION"] < MAX_ANGLE_DEG) & (t["IOF"] > 0)
                & (r.dn8 < SATURATED_CODE))
        dn = decompand(r.dn8, req.companding).astype(float) - darks[(r.frame, r.filter)]
        yield r, disk, dn[disk]


def measure(orbit_number: int, frames=FRAMES, scenario: str = "default") -> dict[str, float]:
    """{"B/G": ..., "R/G": ..., "n": disk pixels per filter} for the scenario at ``orbit_number``."""
    sc = load_scenario(scenario)
    sc = sc.replace(imaging={"orbit_number": int(orbit_number), "tdi": 1, "filters": ["BLUE", "GREEN", "RED"]})
    req = RenderRequest.from_scenario(sc).with_overrides(frame_indices=tuple(frames))
    signal: dict[str, list] = {"BLUE": [], "GREEN": [], "RED": []}
    points: dict[str, list] = {"BLUE": [], "GREEN": [], "RED": []}
    km = []
    ellipsoid = Ellipsoid()
    for r, disk, dn in disk_signal(req):
        t = r.truth
        signal[r.filter].append(dn)
        points[r.filter].append(ellipsoid.surface_point(t["LAT_PC"][disk], t["LON_W"][disk], kind="planetocentric"))
        km.append(t["PIXEL_SCALE"][disk])
    cell_km = 4.0 * float(np.median(np.concatenate(km)))
    found = colocated_ratios({f: np.concatenate(v) for f, v in points.items()},
                             {f: np.concatenate(v) for f, v in signal.items()}, cell_km)
    med = {f: float(np.median(np.concatenate(v))) for f, v in signal.items()}
    return {"B/G": found["BLUE"][0], "R/G": found["RED"][0], "n": min(found["BLUE"][1], found["RED"][1]),
            **{f"median_{f}": v for f, v in med.items()}}


def main(argv: list[str] | None = None) -> int:
    orbits = [int(a) for a in (sys.argv[1:] if argv is None else argv)] or [1, 12, 32, 43, 56]
    print("orbit  blue/green  red/green  median DN B/G/R        shared surface cells")
    for pj in orbits:
        m = measure(pj)
        print(f"PJ{pj:<4d} {m['B/G']:10.3f} {m['R/G']:10.3f}  "
              f"{m['median_BLUE']:6.0f} {m['median_GREEN']:6.0f} {m['median_RED']:6.0f}  {m['n']:>12d}")
    print("real PJ32, TDI 1: blue/green 0.399, red/green 1.255 (raw DN on the disk; README \"What the mission's "
          "maps hold\")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
