"""Raw band ratios against latitude: a real PJ32 south-polar image beside our scene in the same kind of view.

``python -m benchmarks.band_colours [MAP_DIR]`` prints blue/green and red/green of the raw signal in 2.5 deg
latitude bins, south of -20 deg: for our default scene rendered in a framing like the real PJ32 image
(:data:`REAL_LIKE`: PJ32 camera, TDI 1, Juno ~66,500 km over ~-57 deg; DN minus the scene-off render's dark on
lit pixels at incidence and emission < 70 deg, :func:`benchmarks.band_ratios.disk_signal`; bins by the truth's
planetographic latitude), and, when ``MAP_DIR``
holds the mission site's per-filter maps of JNCE_2021052_32C00054 (``*-blue.png``, ``*-green.png``,
``*-red.png``; public test data of kmgill/junocam_processing, not shipped), for the real image. Both columns
contain the photometry (limb darkening differs per band), so they compare like with like only as far as the
framings agree; the difference between bins (belts vs zones vs polar region) is the colour of the clouds.

Reading the real maps (measurement only; assumptions stated): the maps hold raw SQROOT codes
(:mod:`benchmarks.map_encoding`), so their pixels are selected on the codes and decompanded through the table
before the ratios (raw DN like ours; disk medians 0.400 / 1.251, their codes' 0.628 / 1.111), and the view
is taken as the spacecraft's perspective centred on the sub-spacecraft point (metadata:
SUB_SPACECRAFT_LATITUDE -55.8434, SPACECRAFT_ALTITUDE 66,525.5 km -> distance 1.93 Jupiter radii from the
centre on a sphere), limb = the 799 px circle :mod:`benchmarks.map_texture` fits, and the south pole's
direction in the image 45 deg clockwise from straight down (:data:`POLE_AZIMUTH_DEG`, fitted: the azimuth,
with the pole's distance fixed by the metadata, that best aligns the map's band structure, a structure-tensor
fit, with latitude circles; the String of Pearls' largest oval then falls at -41 deg, the published ~-40.5
deg). Latitudes are therefore good to a few degrees; a sphere stands for the ellipsoid.

Measured before the maps were decompanded (the real column in codes; scene seed 1, fixed_pattern_seed 1),
blue/green and red/green; in raw DN, and with the passbands fitted to the raw ratios, see README "Colours":

=============  ============================  ==========================  ===========================
latitude       real PJ32                     scene before (belt B 0.52)  scene now (scenes.jupiter)
=============  ============================  ==========================  ===========================
-66 .. -61     0.63-0.66, 1.04-1.06          0.59-0.60, 1.03-1.11        0.57-0.59, 1.05-1.11
-61 .. -46     0.61-0.63, 1.06-1.11          0.57-0.61, 1.12-1.13        0.56-0.58, 1.11-1.13
-46 .. -20     0.62-0.65, 1.12-1.18          0.57-0.68, 1.01-1.13        0.59-0.64, 1.01-1.12
disk median    0.632, 1.123                  0.606, 1.113                0.575, 1.099
=============  ============================  ==========================  ===========================

The real image's blue/green varies by +-4 % with latitude (its belts hardly show in it; the polar region 3-4 %
above -61..-46 deg), the old scene's by +-12 % (belts -31 % in BLUE; the polar region level with -61..-46),
the new one's by +-7 % (the polar region 3 % above). Red/green rises from the polar region to -46 deg by 6-7 %
in both; equatorward of -40 deg our framing sees those latitudes near the limb, where RED's stronger limb
darkening (scenes.photometry_data) lowers red/green, so they do not compare there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

LAT_BINS_DEG = np.arange(-72.5, -17.4, 2.5)       # bin edges, planetographic deg
# The real map's view (see the module docstring): perspective from 1.93 R_J (SPACECRAFT_ALTITUDE 66,525.5 km +
# the ~68,100 km radius at -55.8 deg, over 71,492 km), the south pole 34.16 deg from the sub-spacecraft point.
MAP_DISTANCE_RJ = 1.93
MAP_POLE_FROM_CENTRE_DEG = 90.0 - 55.8434
POLE_AZIMUTH_DEG = -45.0
MAP_LIMB = (799.3, 798.6, 799.0)                   # (cx, cy, radius) px, benchmarks.map_texture.limb_circle
MAP_EDGE_PX = 30                                   # measured map pixels stay this far inside the lit area
# A framing like the real image's (tests/test_realism_acceptance.py REAL_LIKE_*), in all three colours.
REAL_LIKE = {"orbit": {"perijove_latitude_deg": 25.0}, "start_utc": "2018-04-01T10:34:15.000", "frames": 14,
             "perijove": 32}


def map_latitudes(shape: tuple[int, int]) -> np.ndarray:
    """Planetographic-like latitude (deg, sphere) of every pixel of the real map, NaN off the disk."""
    cx, cy, radius = MAP_LIMB
    yy, xx = np.indices(shape, dtype=np.float64)
    x, y = (xx + 0.5 - cx) / radius, -(yy + 0.5 - cy) / radius
    t = 1.0 / np.sqrt(MAP_DISTANCE_RJ ** 2 - 1.0)     # tangent of the limb's angle off the view axis
    d = np.stack([x * t, y * t, -np.ones_like(x)])
    d /= np.linalg.norm(d, axis=0)
    b = MAP_DISTANCE_RJ * d[2]
    disc = b * b - (MAP_DISTANCE_RJ ** 2 - 1.0)
    s = -b - np.sqrt(np.where(disc >= 0, disc, np.nan))
    p = np.stack([s * d[0], s * d[1], MAP_DISTANCE_RJ + s * d[2]])
    c, az = np.radians(MAP_POLE_FROM_CENTRE_DEG), np.radians(POLE_AZIMUTH_DEG)
    south = np.array([np.sin(c) * np.sin(az), -np.sin(c) * np.cos(az), np.cos(c)])
    return -np.degrees(np.arcsin(np.clip(np.einsum("i,i...->...", south, p), -1.0, 1.0)))


def real_profile(folder: Path) -> dict:
    """{"lat": bin centres, "B/G", "R/G": per-bin ratios of medians, "all": disk medians} of the real maps."""
    from PIL import Image
    from scipy import ndimage

    from instrument_models.junocam import decompand

    def load(colour: str) -> np.ndarray:
        found = sorted(Path(folder).glob(f"*-{colour}.png"))
        if not found:
            raise SystemExit(f"band_colours: no *-{colour}.png in {folder}")
        return np.asarray(Image.open(found[0]).convert("L"))

    b, g, r = load("blue"), load("green"), load("red")
    lat = map_latitudes(g.shape)
    lit = ndimage.binary_erosion(g > 0.05 * np.median(g[g > 0]), iterations=MAP_EDGE_PX)
    ok = lit & np.isfinite(lat) & (g > 0.4 * np.median(g[lit]))   # selected on the codes, as measured before
    # The maps hold raw SQROOT codes (benchmarks.map_encoding): ratios of the decompanded DN, like our DN.
    return _binned(lat[ok], {f: decompand(v[ok], "SQROOT").astype(np.float64)
                             for f, v in (("BLUE", b), ("GREEN", g), ("RED", r))})


def _binned(lat: dict | np.ndarray, signal: dict) -> dict:
    """Ratios of per-bin medians (bins of :data:`LAT_BINS_DEG`; a bin needs 200 values per filter)."""
    lats = lat if isinstance(lat, dict) else {f: lat for f in signal}
    out = {"lat": 0.5 * (LAT_BINS_DEG[1:] + LAT_BINS_DEG[:-1]), "B/G": [], "R/G": []}
    for lo, hi in zip(LAT_BINS_DEG[:-1], LAT_BINS_DEG[1:]):
        med = {}
        for f, v in signal.items():
            m = (lats[f] >= lo) & (lats[f] < hi)
            med[f] = float(np.median(v[m])) if m.sum() >= 200 else np.nan
        out["B/G"].append(med["BLUE"] / med["GREEN"])
        out["R/G"].append(med["RED"] / med["GREEN"])
    out["all"] = {k: float(np.median(signal[k]) / np.median(signal["GREEN"])) for k in ("BLUE", "RED")}
    return out


def scene_profile(seed: int | None = None) -> dict:
    """The same figures for our default scene rendered in :data:`REAL_LIKE` (B/G/R, TDI 1)."""
    return _binned(*scene_samples(seed))


def scene_samples(seed: int | None = None) -> tuple[dict, dict]:
    """({filter: latitudes}, {filter: DN minus dark}) of the usable pixels of the :data:`REAL_LIKE` render."""
    from benchmarks.band_ratios import disk_signal
    from simulator.render.types import RenderRequest
    from simulator.scenario import load_scenario

    sc = load_scenario("default").replace(
        imaging={"start_utc": REAL_LIKE["start_utc"], "frames": REAL_LIKE["frames"], "tdi": 1,
                 "filters": ["BLUE", "GREEN", "RED"]},
        mission={"perijove": REAL_LIKE["perijove"]}, orbit=REAL_LIKE["orbit"])
    if seed is not None:
        sc = sc.replace(scene={"texture_seed": int(seed)})
    lat: dict[str, list] = {"BLUE": [], "GREEN": [], "RED": []}
    signal: dict[str, list] = {"BLUE": [], "GREEN": [], "RED": []}
    for r, disk, dn in disk_signal(RenderRequest.from_scenario(sc)):
        signal[r.filter].append(dn)
        lat[r.filter].append(r.truth["LAT_PG"][disk])
    return {f: np.concatenate(v) for f, v in lat.items()}, {f: np.concatenate(v) for f, v in signal.items()}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    ours = scene_profile()
    real = real_profile(Path(args[0])) if args else None
    print("lat_pg  scene B/G  R/G" + ("    real B/G  R/G" if real else ""))
    for k, lat in enumerate(ours["lat"]):
        row = f"{lat:6.2f}  {ours['B/G'][k]:9.3f} {ours['R/G'][k]:5.3f}"
        if real:
            row += f"   {real['B/G'][k]:9.3f} {real['R/G'][k]:5.3f}"
        print(row)
    line = f"disk medians: scene {ours['all']['BLUE']:.3f} {ours['all']['RED']:.3f}"
    if real:
        line += f"; real {real['all']['BLUE']:.3f} {real['all']['RED']:.3f}"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
