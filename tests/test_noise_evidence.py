"""The evidence behind the read-noise documentation (``DetectorParams.read_noise_e``, README "Texture in the
product"): what the real PJ18 mean of 288 dark framelets in ``../shared`` says about JunoCam's per-frame noise."""

from __future__ import annotations

import numpy as np

from instrument_models.junocam import calibration_files, darkstats
from instrument_models.junocam.detector import add_read_noise

PJ18_FRAMES = 288                 # debias18.tiff: every value is a whole multiple of 1/(2879 x 288) (README)
FIXED_PATTERN_MAX_DN = 0.1        # measured 0.049-0.051 DN robust noise per strip
WHITE_CORRELATION_MAX = 0.1       # measured 0.028-0.041 neighbour correlation
AR_RHO = 0.72                     # the read noise's line correlation before issue #13 item 3 (now 0: white)


def test_pj18_dark_mean_has_no_fixed_pattern_and_uncorrelated_noise(reference_dir):
    strips = calibration_files.load_dark(reference_dir / "calibration" / "debias18.tiff")
    figures = {f: darkstats.line_noise(np.asarray(s, float)) for f, s in strips.items()}
    worst_sigma = max(v.sigma_dn for v in figures.values())
    worst_rho = max(abs(v.neighbour_correlation) for v in figures.values())
    # Beyond the column structure the 288-frame mean varies by ~0.05 DN: no pixel-level fixed pattern, and a
    # per-frame temporal noise of ~0.05 x sqrt(288) ~ 0.85 DN; its neighbours are uncorrelated.
    assert worst_sigma < FIXED_PATTERN_MAX_DN, {f: round(v.sigma_dn, 3) for f, v in figures.items()}
    assert worst_rho < WHITE_CORRELATION_MAX, {f: round(v.neighbour_correlation, 3) for f, v in figures.items()}


def test_a_mean_of_frames_keeps_the_line_correlation_of_autoregressive_noise():
    # Why the PJ18 mean rules out per-frame noise correlated 0.72 along lines: averaging independent frames
    # divides the noise by sqrt(N) and leaves its correlation as it was (16 x 512 px frames, 4.4 DN).
    rng = np.random.default_rng(7)
    frames = add_read_noise(np.zeros((PJ18_FRAMES * 16, 512)), 4.4, rng, AR_RHO).reshape(PJ18_FRAMES, 16, 512)
    mean = frames.mean(axis=0)
    x, y = mean[:, :-1].ravel(), mean[:, 1:].ravel()
    rho = float(np.corrcoef(x, y)[0, 1])
    sigma = float(mean.std())
    assert rho > 0.6, f"correlation of the mean {rho:.3f}"
    assert abs(sigma / (4.4 / np.sqrt(PJ18_FRAMES)) - 1.0) < 0.15, f"std of the mean {sigma:.3f} DN"
