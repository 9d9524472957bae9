"""Optics: distortion and its inverse, pixel <-> ray round trips, the kernel's boresights and corners."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from instrument_models.errors import InstrumentError
from instrument_models.junocam import FILTERS, JunoCam
from instrument_models.junocam.optics import Optics

ROUND_TRIP_TOL_PX = 1e-6        # issue #2: pixel <-> ray round trips
KERNEL_VECTOR_TOL = 1e-8        # issue #2: boresights and FOV corners vs the flight kernel
KERNEL_ROUNDING = 5e-9          # the flight kernel prints 8 decimals
CORNERS = ((23.5, 0.5), (23.5, 127.5), (1630.5, 127.5), (1630.5, 0.5))

# facts.md "Camera geometry": boresights in JUNO_JUNOCAM, the kernel's values (8 decimals).
FACTS_BORESIGHTS = {
    "METHANE": (0.00854687, -0.16805056, 0.98574133),
    "BLUE": (0.00862523, -0.06371477, 0.99793088),
    "GREEN": (0.00863288, 0.04084925, 0.99912803),
    "RED": (0.00857099, 0.14442688, 0.98947835),
}
IDS = {"BLUE": -61501, "GREEN": -61502, "RED": -61503, "METHANE": -61504}

CAM = JunoCam.default()


def worst(a, b):
    return float(np.nanmax(np.abs(np.asarray(a) - np.asarray(b))))


offsets = st.floats(min_value=-1100.0, max_value=1100.0, allow_nan=False)


@given(offsets, offsets)
@example(-814.21, -600.0)
@example(833.79, 600.0)
@example(0.0, 0.0)
def test_undistort_inverts_distort(c0, c1):
    o = CAM.optics
    d0, d1 = o.distort(c0, c1)
    u0, u1 = o.undistort(d0, d1)
    err = max(abs(u0 - c0), abs(u1 - c1))
    assert err < 1e-8, f"undistort(distort(c)) off by {err:.3e} px at c=({c0}, {c1})"


@given(offsets, offsets)
def test_distort_inverts_undistort(d0, d1):
    o = CAM.optics
    u0, u1 = o.undistort(d0, d1)
    r0, r1 = o.distort(u0, u1)
    err = max(abs(r0 - d0), abs(r1 - d1))
    assert err < 1e-8, f"distort(undistort(d)) off by {err:.3e} px at d=({d0}, {d1})"


def test_undistort_converges_on_the_whole_ccd():
    o = CAM.optics
    s, l = np.meshgrid(np.arange(0.0, 1648.5, 1.0), np.arange(0.0, 1200.5, 1.0))
    d0, d1 = s - o.cx, l - 600.0
    u0, u1 = o.undistort(d0, d1)
    r0, r1 = o.distort(u0, u1)
    err = np.hypot(r0 - d0, r1 - d1)
    assert err.max() < 1e-9, f"worst residual {err.max():.3e} px on the full CCD"


def test_kernel_five_iterations_shortfall_is_as_documented():
    """The kernel's fixed 5 iterations: up to 7.5e-7 px at the line ends, 8.0e-7 px on the whole CCD."""
    o = CAM.optics
    ends = []
    for f in FILTERS:
        s, l = np.meshgrid([23.5, 1630.5], np.arange(128) + 0.5)
        ends.append(o.kernel_undistort_shortfall_px(s - o.cx, l - o.cy[f]).max())
    s, l = np.meshgrid(np.arange(0.0, 1648.5, 1.0), np.arange(0.0, 1200.5, 1.0))
    whole = o.kernel_undistort_shortfall_px(s - o.cx, l - 600.0).max()
    assert max(ends) == pytest.approx(7.51e-7, abs=0.02e-7), f"line-end shortfall {max(ends):.4e} px"
    assert whole == pytest.approx(7.97e-7, abs=0.02e-7), f"whole-CCD shortfall {whole:.4e} px"
    # The converged solution is the reference: it has no such shortfall.
    u0, u1 = o.undistort(s - o.cx, l - 600.0)
    r0, r1 = o.distort(u0, u1)
    assert np.hypot(r0 - (s - o.cx), r1 - (l - 600.0)).max() < 1e-9


@pytest.mark.parametrize("filter_name", FILTERS)
@pytest.mark.parametrize("summing", [1, 2])
def test_round_trip_whole_framelet(filter_name, summing):
    s, l = CAM.framelet_pixel_centres(summing)
    rays = CAM.pixel_to_ray(filter_name, s, l, summing=summing)
    assert rays.shape == s.shape + (3,)
    np.testing.assert_allclose(np.linalg.norm(rays, axis=-1), 1.0, atol=1e-14)
    s2, l2 = CAM.ray_to_pixel(filter_name, rays, summing=summing)
    err = max(worst(s2, s), worst(l2, l))
    assert err < ROUND_TRIP_TOL_PX, f"{filter_name} summing {summing}: worst round trip {err:.3e} px"


@given(st.sampled_from(FILTERS), st.floats(0.0, 1648.0), st.floats(0.0, 128.0))
def test_round_trip_property(filter_name, sample, line):
    ray = CAM.pixel_to_ray(filter_name, sample, line)
    s2, l2 = CAM.ray_to_pixel(filter_name, ray)
    err = max(abs(s2 - sample), abs(l2 - line))
    assert err < ROUND_TRIP_TOL_PX, f"{filter_name} ({sample}, {line}) round trip off by {err:.3e} px"


@given(st.sampled_from(FILTERS), st.floats(-0.6, 0.6), st.floats(-0.3, 0.3))
def test_ray_round_trip_property(filter_name, x, y):
    ray = np.array([x, y, 1.0]) / np.sqrt(x * x + y * y + 1.0)
    s, l = CAM.ray_to_pixel(filter_name, ray)
    back = CAM.pixel_to_ray(filter_name, s, l)
    assert worst(back, ray) < 1e-12, f"ray round trip off by {worst(back, ray):.3e}"


def test_summed_coordinates_are_half_the_unsummed():
    s, l = np.array([10.0, 800.0, 1600.0]), np.array([1.0, 30.0, 63.0])
    np.testing.assert_allclose(CAM.pixel_to_ray("RED", s, l, summing=2), CAM.pixel_to_ray("RED", 2 * s, 2 * l))


@pytest.mark.parametrize("filter_name", FILTERS)
def test_boresight_and_corners_match_facts(filter_name):
    bore = CAM.pixel_to_ray(filter_name, 827.0, 64.0)
    err = worst(bore, FACTS_BORESIGHTS[filter_name])
    assert err < KERNEL_ROUNDING + 1e-9, f"{filter_name} boresight off by {err:.3e}"


@pytest.mark.parametrize("filter_name", FILTERS)
def test_boresight_and_corners_match_flight_kernel(filter_name, flight_kernels):
    import spiceypy

    spiceypy.furnsh(str(flight_kernels / "juno_junocam_v03.ti"))
    shape, frame, bore_k, n, corners_k = spiceypy.getfov(IDS[filter_name], 4)
    bore = CAM.pixel_to_ray(filter_name, 827.0, 64.0)
    px = np.array(CORNERS)
    corners = CAM.pixel_to_ray(filter_name, px[:, 0], px[:, 1])
    assert (shape, frame) == ("RECTANGLE", "JUNO_JUNOCAM")
    assert worst(bore, bore_k) < KERNEL_VECTOR_TOL, f"boresight off by {worst(bore, bore_k):.3e}"
    assert worst(corners, corners_k) < KERNEL_VECTOR_TOL, f"corners off by {worst(corners, corners_k):.3e}"


def test_rays_behind_the_camera_are_nan():
    rays = np.array([[0.1, 0.0, -1.0], [0.0, 0.0, 0.0], [0.2, 0.1, 0.0], [0.0, 0.0, 1.0]])
    s, l = CAM.ray_to_pixel("GREEN", rays)
    assert np.all(np.isnan(s[:3])) and np.all(np.isnan(l[:3]))
    assert np.isfinite(s[3]) and np.isfinite(l[3])


def test_broadcasting_any_shape():
    s = np.full((2, 3, 4), 827.0)
    l = np.full((4,), 64.0)
    rays = CAM.pixel_to_ray("blue", s, l)
    assert rays.shape == (2, 3, 4, 3)
    s2, l2 = CAM.ray_to_pixel("Blue", rays)
    assert s2.shape == (2, 3, 4)


def test_focal_length_and_ifov():
    assert CAM.optics.focal_length_px == pytest.approx(1480.59, abs=0.01)  # facts.md [D]
    assert CAM.optics.ifov_rad * 1e6 == pytest.approx(675.4, abs=0.05)    # facts.md [D]


def test_distortion_at_line_ends_is_about_minus_22_5_px():
    o = CAM.optics
    c0 = 23.5 - o.cx
    d0, _ = o.distort(o.undistort(c0, 0.0)[0], 0.0)
    u0, _ = o.undistort(c0, 0.0)
    assert (c0 - u0) == pytest.approx(22.5, abs=0.3), f"distortion at the line end {c0 - u0:.2f} px"


def test_with_distortion_changes_only_the_coefficients():
    cam2 = CAM.with_distortion(-6.5e-8, 3.0e-14)
    assert cam2.optics.k1 == -6.5e-8 and cam2.optics.k2 == 3.0e-14
    assert cam2.optics.cy == CAM.optics.cy and cam2.strips == CAM.strips
    assert CAM.optics.k1 != cam2.optics.k1
    s, l = CAM.framelet_pixel_centres()
    rays = cam2.pixel_to_ray("RED", s, l)
    s2, l2 = cam2.ray_to_pixel("RED", rays)
    assert max(worst(s2, s), worst(l2, l)) < ROUND_TRIP_TOL_PX


def test_non_monotonic_injected_distortion_gives_nan_not_a_wrong_pixel():
    o = Optics(k1=-1e-6, k2=0.0)  # r (1 - 1e-6 r^2) turns over at r = 577 px
    u0, u1 = o.undistort(np.array([100.0, 1000.0]), np.array([0.0, 0.0]))
    assert np.isfinite(u0[0]) and np.isnan(u0[1])


@pytest.mark.parametrize("bad", ["CLEAR", "", "blue-ish", 3])
def test_unknown_filter_is_one_clear_error(bad):
    with pytest.raises(InstrumentError, match="METHANE, BLUE, GREEN, RED"):
        CAM.pixel_to_ray(bad, 1.0, 1.0)


@pytest.mark.parametrize("bad", [0, 3, 4, 1.5, True])
def test_bad_summing_is_one_clear_error(bad):
    with pytest.raises(InstrumentError, match="expected 1 or 2"):
        CAM.pixel_to_ray("RED", 1.0, 1.0, summing=bad)
    with pytest.raises(InstrumentError, match="expected 1 or 2"):
        CAM.ray_to_pixel("RED", [0.0, 0.0, 1.0], summing=bad)
