"""Compression speed for one 1648 x 128 framelet, and what the size estimator buys.

Prints each time as a ratio to copying the framelet's bytes (``"NONE"`` encode) in the same run, plus
the milliseconds for scale, and the compression ratio each mode reaches on the same framelets.
"""

from __future__ import annotations

import time

import numpy as np

from instrument_models.junocam.compression import COMPRESSION_MODES, DEFAULT_ICT_QUALITY, compress, decompress
from simulator.budget import calibration_framelets, estimate_framelet_bytes, framelet_stats

REPEATS = 3
COUNT = 8


def _per_call_s(func, items) -> float:
    best = np.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        for item in items:
            func(item)
        best = min(best, (time.perf_counter() - start) / len(items))
    return best


def main() -> None:
    framelets = calibration_framelets(seed=2024, count=COUNT)
    shape = framelets[0].shape
    reference = _per_call_s(lambda f: compress(f, "NONE"), framelets)
    print(f"reference: NONE encode (a byte copy) {reference * 1e3:.3f} ms per framelet {shape}")
    for mode in COMPRESSION_MODES:
        encoded = [compress(f, mode, DEFAULT_ICT_QUALITY) for f in framelets]
        enc = _per_call_s(lambda f: compress(f, mode, DEFAULT_ICT_QUALITY), framelets)
        dec = _per_call_s(lambda e: decompress(e, mode, shape), encoded)
        ratio = np.mean([f.size / len(e) for f, e in zip(framelets, encoded)])
        print(f"{mode:<26} encode {enc / reference:8.0f}x ({enc * 1e3:6.2f} ms)  decode {dec / reference:8.0f}x "
              f"({dec * 1e3:6.2f} ms)  mean ratio {ratio:5.2f}:1")
    stats = _per_call_s(framelet_stats, framelets)
    cached = [framelet_stats(f) for f in framelets]
    est = _per_call_s(lambda s: estimate_framelet_bytes(s, "ICT", 62), cached)
    print(f"estimator: framelet_stats {stats / reference:8.0f}x ({stats * 1e3:.2f} ms); estimate from stats "
          f"{est / reference:8.0f}x ({est * 1e3:.3f} ms) per mode/quality")


if __name__ == "__main__":
    main()
