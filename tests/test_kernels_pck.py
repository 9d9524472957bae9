"""The synthetic pck00010.tpc: every body NAIF's file defines, keyword by keyword, and the same IAU frames."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy

from simulator.kernelset import pck
from simulator.spice import KernelPool

ORIENTATION_TOL = 1e-12     # sxform of every IAU body-fixed frame, ours vs NAIF's file
# SPICE's text-kernel parser is not correctly rounded: the same decimal value spelt differently ("0.00005"
# vs "5e-05") can come out one unit in the last place apart. Values are equal to this relative tolerance.
PARSE_ULP_REL = 2.5e-16
EPOCHS_UTC = ("2000-01-01T12:00:00", "2016-08-27T12:50:44", "2018-04-01T09:45:00", "2025-06-30T00:00:00")


def _pool() -> dict[str, np.ndarray]:
    """Every kernel variable in the pool and its values."""
    return {n: np.asarray(spiceypy.gdpool(n, 0, spiceypy.dtpool(n)[0])) for n in spiceypy.gnpool("*", 0, 2000)}


def _frames(bodies) -> dict[str, np.ndarray]:
    ets = [spiceypy.str2et(t) for t in EPOCHS_UTC]
    out = {}
    for body in bodies:
        try:
            frame = spiceypy.cidfrm(body, 32)[1]
        except spiceypy.utils.exceptions.NotFoundError:
            continue
        out[frame] = np.array([spiceypy.sxform("J2000", frame, et) for et in ets])
    return out


def test_every_keyword_equals_pck00010(flight_kernels, tmp_path):
    with KernelPool([flight_kernels / "pck00010.tpc"]):
        flight = _pool()
    ours_path = pck.write_pck(tmp_path / pck.FILE_NAME)
    with KernelPool([ours_path]):
        ours = _pool()
    assert len(flight) == 511
    assert sorted(ours) == sorted(flight), f"missing {sorted(set(flight) - set(ours))}, extra {sorted(set(ours) - set(flight))}"
    differ = [n for n in flight if ours[n].shape != flight[n].shape
              or not np.all(np.abs(ours[n] - flight[n]) <= PARSE_ULP_REL * np.abs(flight[n]))]
    assert not differ, f"{len(differ)} keywords differ, e.g. {differ[:3]}: " + \
        "; ".join(f"{n} {ours[n].tolist()} vs {flight[n].tolist()}" for n in differ[:2])
    exact = sum(np.array_equal(ours[n], flight[n]) for n in flight)
    assert exact >= 505, f"only {exact} of 511 keywords are bit-identical"


def test_every_iau_frame_equals_pck00010(flight_kernels, tmp_path):
    bodies = [b for b, keys in pck.constants().items() if "PM" in keys]
    with KernelPool([flight_kernels / "naif0012.tls", flight_kernels / "pck00010.tpc"]):
        flight = _frames(bodies)
    with KernelPool([flight_kernels / "naif0012.tls", pck.write_pck(tmp_path / pck.FILE_NAME)]):
        ours = _frames(bodies)
    assert len(flight) >= 60 and sorted(ours) == sorted(flight)
    worst = max(flight, key=lambda f: np.max(np.abs(ours[f] - flight[f])))
    err = float(np.max(np.abs(ours[worst] - flight[worst])))
    assert err < ORIENTATION_TOL, f"{worst} differs by {err:.2e}"
    for frame in ("IAU_SUN", "IAU_URANUS", "IAU_NEPTUNE", "IAU_EARTH", "IAU_MOON", "IAU_TITAN"):
        assert frame in ours


def test_table_holds_what_the_renderer_uses():
    table = pck.constants()
    assert pck.JUPITER_RADII_KM == (71492.0, 71492.0, 66854.0)     # facts.md 'Jupiter'
    assert table[599]["POLE_RA"][:2] == (268.056595, -0.006499) and table[599]["PM"][:2] == (284.95, 870.536)
    assert len(table[5]["NUT_PREC_ANGLES"]) == 30                    # 15 Jupiter-system angles, (deg, deg/cy)
    for body in (10, 199, 299, 399, 499, 599, 699, 799, 899, 999, 501, 502, 503, 504, 505):
        assert {"RADII", "POLE_RA", "POLE_DEC", "PM"} <= set(table[body]), body


@pytest.mark.parametrize("body", [10, 599, 501])
def test_pck_text_is_loadable_alone(tmp_path, body):
    path = pck.write_pck(tmp_path / pck.FILE_NAME)
    text = path.read_text()
    assert text.startswith("KPL/PCK") and "SYNTHETIC" in text.split("\\begindata")[0]
    with KernelPool([path]):
        assert np.array_equal(spiceypy.bodvcd(body, "RADII", 3)[1], pck.constants()[body]["RADII"])
