"""benchmarks.map_encoding: a map of SQROOT codes shows steps at the table's breakpoints, a linear map none.

Synthetic maps of known kind: a smooth DN field (a ramp across the map, linear or exponential in DN: a flat DN
distribution and a steep one) companded to codes with the package's table, then resampled like a map (bilinear zoom by a
non-integer factor and a small rotation, rounded to whole values) must read "codes"; the same field scaled
linearly to 8 bits and resampled the same way must read "linear".
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from benchmarks import map_encoding as me
from instrument_models.junocam import compand

SIZE = 360
ZOOM = 1.13          # a map pixel is not a camera pixel (the real map: ~50 km vs ~45 km at nadir)
TURN_DEG = 7.0
SEED = 1
SMOOTH_PX = 2.0      # the texture's correlation length, camera pixels
TEXTURE = 0.02       # rms texture, fraction of the local level (the real PJ32 disk: 1.5-4 % in 5,500 km patches)


def smooth_field(rng: np.random.Generator, kind: str) -> np.ndarray:
    """(SIZE, SIZE) 12-bit DN: a ramp across the map (``ramp``: linear in DN, 25..2600 DN, a flat DN
    distribution; ``exponential``: 30 exp(4.4 u) = 30..2440 DN, a distribution falling as 1 / DN) times
    ``TEXTURE`` rms of smooth texture. Smooth at the pixel scale, as a planet's disk is, so resampling does not
    fill the values between far-apart codes."""
    z = ndimage.gaussian_filter(rng.standard_normal((SIZE, SIZE)), SMOOTH_PX)
    u = np.broadcast_to(np.linspace(0.0, 1.0, SIZE), (SIZE, SIZE))                  # 0..1 along x
    base = 25.0 + 2575.0 * u if kind == "ramp" else 30.0 * np.exp(4.4 * u)
    return base * (1.0 + TEXTURE * z / z.std())


def resampled(image: np.ndarray) -> np.ndarray:
    """Bilinear rotation and zoom, rounded to whole values; the corners outside the rotated frame are 0 (sky,
    not counted)."""
    turned = ndimage.rotate(image, TURN_DEG, order=1, reshape=True, cval=0.0)
    return np.round(ndimage.zoom(turned, ZOOM, order=1))


@pytest.mark.parametrize("kind", ["ramp", "exponential"])
def test_codes_and_linear_maps_are_told_apart(kind):
    dn = smooth_field(np.random.default_rng(SEED), kind)
    codes = resampled(compand(dn).astype(np.float64))
    linear = resampled(np.clip(dn * (me.LINEAR_CONTROL_TOP / np.percentile(dn, 99.9)), 1.0, 255.0))
    jumps_c = me.breakpoint_jumps(me.value_counts(codes))
    jumps_l = me.breakpoint_jumps(me.value_counts(linear))
    assert len(jumps_c) >= 2 and len(jumps_l) >= 1, f"breakpoints reached: codes {jumps_c}, linear {jumps_l}"
    kind_c, rule_c = me.verdict(jumps_c)
    kind_l, rule_l = me.verdict(jumps_l)
    assert kind_c == "codes", f"{kind} field as codes read {kind_c}: {rule_c}; smallest jump " \
                              f"{min(j.jump for j in jumps_c):.2f}"
    assert kind_l == "linear", f"{kind} field as linear read {kind_l}: {rule_l}; worst jump " \
                               f"{max(jumps_l, key=lambda j: abs(np.log(j.jump))).jump:.2f}"


def test_breakpoints_are_the_tables_step_changes(reference_dir):
    """The breakpoints are where the reference SQROOT table's DN step per code doubles."""
    path = reference_dir / "sqroot_table.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    table = np.loadtxt(path, delimiter=",", skiprows=1)[:, 1]
    step = np.diff(table)
    for k in me.BREAKPOINTS:
        assert step[k] == 2 * step[k - 1], f"code {k}: step {step[k - 1]} -> {step[k]} in {path}"
    assert len(me.BREAKPOINTS) == np.count_nonzero(np.diff(step)), "a step change of the table was missed"


def test_no_breakpoint_reached_is_undecided_and_bad_maps_are_refused():
    flat = np.full((50, 50), 120.0)                      # one value: no window holds MIN_COUNT per value
    assert me.verdict(me.breakpoint_jumps(me.value_counts(flat)))[0] == "undecided"
    with pytest.raises(ValueError, match="expected whole 8-bit values"):
        me.value_counts(np.full((4, 4), 12.5))
    with pytest.raises(ValueError, match="expected whole 8-bit values"):
        me.value_counts(np.full((4, 4), 300.0))
