"""How robustly the default detector's dark figures fall inside the real PJ28 ranges, over many cameras.

``python -m benchmarks.dark_seeds [SEEDS] [--first N]`` draws SEEDS cameras (``[noise] fixed_pattern_seed``
= N .. N + SEEDS - 1, default 40 from 1) aged to PJ28 and, for each, the dark product the acceptance test
measures (``tests/test_realism_acceptance.py``: TDI 1, two framelets per filter of pure sky, SQROOT
companding and LOSSLESS compression as the real dark strips, decompanded, stacked with a gap line), then
prints per figure and filter the share of cameras inside the real range (a range: inside it; a single value:
within 20 %) with the median and the 10th / 90th percentiles of the figure.

The figures are those of ``junocam-sim compare`` (``simulator.realism.measure``, one definition:
``instrument_models.junocam.darkstats``); the real ranges are the acceptance test's ``REAL_DARK``. The render
is bypassed (a dark product at PJ28 pointed at the sky is the detector chain on zero I/F), so one camera
takes about a second instead of a render.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from instrument_models.junocam import JunoCam, decompand
from instrument_models.junocam.aging import apply_mission_state, camera_state
from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM
from simulator.realism.measure import _dark_figures
from simulator.realism.strips import stack_with_gaps
from simulator.render import RenderRequest
from simulator.render.electronics import DetectorChain

FILTERS = ("BLUE", "GREEN", "RED")
PERIJOVE = 28               # the perijove of the real dark frames (calibration README)
FRAMES = 2                  # the acceptance test's dark product: two frames
COMPRESSION, QUALITY = "LOSSLESS", 85   # as the real dark strips were returned (tests/test_realism_acceptance.py)


def real_ranges() -> dict:
    """The acceptance test's real figures (one source of truth for them)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_realism_acceptance import REAL_DARK, verdict   # noqa: E402
    return REAL_DARK, verdict


def camera_figures(camera_seed: int, cam=None, scene_seed: int = 1) -> dict[str, dict]:
    """{filter: compare's dark figures} of the PJ28 sky product of camera ``camera_seed``."""
    cam = cam or apply_mission_state(JunoCam.default(), camera_state(PERIJOVE))
    req = RenderRequest(metakernel="unused.tm", start_et=0.0, frames=FRAMES, filters=FILTERS,
                        tdi_stages={f: 1 for f in FILTERS}, interframe_delay_s=0.371, compression=COMPRESSION,
                        quality=QUALITY, seed=scene_seed, noise={"fixed_pattern_seed": int(camera_seed)})
    chain = DetectorChain(req, cam)
    out = {}
    for f in FILTERS:
        dn = [np.asarray(decompand(chain.expose(np.zeros((128, 1648)), f, 1, JUPITER_SOLAR_DISTANCE_KM, k).dn8,
                                   req.companding), dtype=np.float64) for k in range(FRAMES)]
        image, mask = stack_with_gaps(dn)
        out[f] = _dark_figures(image, mask)
    return out


def sweep(seeds, cam=None) -> dict:
    """{(figure, filter): (values over seeds,)}."""
    real, _ = real_ranges()
    values: dict = {}
    for s in seeds:
        fig = camera_figures(s, cam)
        for name in real:
            for f in FILTERS:
                values.setdefault((name, f), []).append(fig[f].get(name))
    return values


def report(values: dict) -> list[str]:
    """One line per figure and filter: share inside, median, 10th-90th percentile, real figure."""
    real, verdict = real_ranges()
    lines = [f"{'figure':32s} {'filter':6s} {'inside':>7s} {'median':>9s} {'p10':>9s} {'p90':>9s}  real"]
    for (name, f), v in values.items():
        target = real[name][f] if isinstance(real[name], dict) else real[name]
        a = np.array(v, dtype=float)
        share = np.mean([verdict(x, target)[0] for x in v])
        lines.append(f"{name:32s} {f:6s} {share:7.0%} {np.median(a):9.2f} {np.percentile(a, 10):9.2f} "
                     f"{np.percentile(a, 90):9.2f}  {target}")
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("seeds", nargs="?", type=int, default=40)
    p.add_argument("--first", type=int, default=1)
    a = p.parse_args(argv)
    print("\n".join(report(sweep(range(a.first, a.first + a.seeds)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
