"""The real PJ1 kernels of ../shared/reference/real-pj1 (no Earth ephemeris): ISIS's frame time, the ISD's
geometry, a twin rendered with --kernels whose truth agrees with spiceypy, plan and validate, and the error
naming the CK frame and time when the CK is missing. Skipped without ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import spiceypy

from instrument_models.junocam import JunoCam
from simulator.cli import main
from simulator.errors import KernelError
from simulator.geometry import Geometry
from simulator.products import clock
from simulator.spice import KernelPool

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
TEXT_KERNELS = ("naif0012.tls", "pck00010.tpc", "jno_sclkscet_00090.tsc", "juno_v12.tf", "juno_junocam_v03.ti",
                "junoAddendum005.ti")
SPKS = ("JNCR_2016240_01M06152_V01_METHANE_0008_0.bsp", "JNCR_2016240_01M06152_V01_METHANE_0008_1.bsp")
CKS = ("juno_sc_rec_160821_160827_v01_0_sliced_-61000.bc", "juno_sc_rec_160821_160827_v01_1_sliced_-61000.bc")
# real-pj1/README.md: the ISIS label of the image and frame 8's time
SCLK_START, START_TIME = "525560580:87", "2016-08-27T09:00:04.129"
FRAME8_MID_ET = 525560475.1286545
TIME_TOL_S = 1e-6
POSITION_TOL_KM = 1e-6
ROTATION_TOL = 1e-12
TRUTH_TOL_PX = 1e-3          # issue #14 / #5: truth within 1e-3 px of spiceypy's sincpt


def _pool_strings(text: str, width: int = 78) -> str:
    """``text`` as SPICE text-kernel string pieces of at most ``width`` characters, joined by the ``+``
    continuation mark (the kernel pool keeps 80 characters of a string: a long path would be cut)."""
    pieces = [text[i:i + width - 1] for i in range(0, len(text), width - 1)]
    return "".join(f"'{piece}+'\n  " for piece in pieces[:-1]) + f"'{pieces[-1]}'"


def _metakernel(folder: Path, with_ck: bool = True) -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/reference is not beside the project")
    files = [f"kernels/{k}" for k in TEXT_KERNELS] + [f"real-pj1/{k}" for k in SPKS]
    files += [f"real-pj1/{k}" for k in CKS] if with_ck else []
    listed = "\n".join(f"  '$REF/{f}'" for f in files)
    path = folder / ("pj1_real.tm" if with_ck else "pj1_real_no_ck.tm")
    path.write_text(f"KPL/MK\n\\begindata\nPATH_VALUES = ( {_pool_strings(str(REAL))} )\nPATH_SYMBOLS = ( 'REF' )\n"
                    f"KERNELS_TO_LOAD = (\n{listed} )\n\\begintext\n")
    return path


@pytest.fixture(scope="module")
def real_mk(tmp_path_factory) -> Path:
    return _metakernel(tmp_path_factory.mktemp("pj1-real"))


@pytest.fixture(scope="module")
def isd() -> dict:
    if not REAL.is_dir():
        pytest.skip("../shared/reference is not beside the project")
    return json.loads((REAL / "real-pj1" / "juno_isd.json").read_text())


def test_no_earth_in_the_real_kernels(real_mk):
    with KernelPool([real_mk]):
        bodies = set()
        for path in (REAL / "real-pj1" / k for k in SPKS):
            bodies |= set(spiceypy.spkobj(str(path)))
    assert 399 not in bodies and 3 not in bodies, bodies


def test_frame8_mid_exposure_time_is_isis(real_mk):
    cam = JunoCam.default()
    with KernelPool([real_mk]):
        start = clock.sclk_string_to_et(SCLK_START)
    mid = cam.frame_mid_et(start, 7, 0.378, 64)       # frame 8 counted from 1
    assert abs(mid - FRAME8_MID_ET) < TIME_TOL_S, f"frame 8 at {mid!r}, ISIS {FRAME8_MID_ET!r}"


def test_geometry_equals_the_isd(real_mk, isd):
    """Juno relative to Jupiter (J2000, no correction), J2000 -> camera, J2000 -> IAU_JUPITER: the ISD's
    quaternions are SPICE's (w, x, y, z), J2000 -> frame (checked: 1e-16 against pxform)."""
    et = isd["center_ephemeris_time"]
    with Geometry(real_mk, abcorr="NONE") as geo:
        s = geo.sample([et])
    position = np.asarray(isd["instrument_position"]["positions"][0])
    err = np.max(np.abs(s.obs_j2000[0] - position))
    assert err < POSITION_TOL_KM, f"Juno's position differs from the ISD's by {err:.2e} km"
    pointing = isd["instrument_pointing"]
    j2000_to_sc = spiceypy.q2m(pointing["quaternions"][0])
    sc_to_cam = np.asarray(pointing["constant_rotation"]).reshape(3, 3)
    err = np.max(np.abs(s.cam_to_j2000[0] - (sc_to_cam @ j2000_to_sc).T))
    assert err < ROTATION_TOL, f"camera attitude differs from the ISD's by {err:.2e}"
    err = np.max(np.abs(s.j2000_to_body[0] - spiceypy.q2m(isd["body_rotation"]["quaternions"][0])))
    assert err < ROTATION_TOL, f"Jupiter's rotation differs from the ISD's by {err:.2e}"


def test_missing_ck_names_the_frame_and_time(tmp_path):
    mk = _metakernel(tmp_path, with_ck=False)
    with Geometry(mk) as geo, pytest.raises(KernelError) as exc:
        geo.sample([FRAME8_MID_ET])
    text = str(exc.value)
    assert "-61000 (JUNO_SPACECRAFT)" in text and "2016 AUG 27 09:01:" in text and "CK" in text, text
    assert "\n" not in text


def test_missing_body_names_it_and_the_covering_kernels(real_mk):
    with Geometry(real_mk) as geo, pytest.raises(KernelError) as exc:
        geo.earth_j2000([FRAME8_MID_ET])
    text = str(exc.value)
    assert "399 (EARTH)" in text and "no loaded SPK file has data for body 399" in text, text
    with Geometry(real_mk) as geo, pytest.raises(KernelError) as exc:
        geo.sub_spacecraft([FRAME8_MID_ET + 3600.0])
    text = str(exc.value)
    assert "-61 (JUNO)" in text and SPKS[1] in text and "2016-08-27T09:00:01" in text, text


def test_covered_window_leaves_room_for_light_time(real_mk):
    with Geometry(real_mk) as geo:
        start = geo.str2et("2016-08-27T08:59:00")[0]
        a, b = geo.covered_window(start, start + 600.0)
        s = geo.sample([a, b])          # must not fail for Jupiter's light time at the first instant
        with pytest.raises(KernelError, match="do not cover"):
            geo.covered_window(start - 7200.0, start - 3600.0)
    assert np.all(s.lt > 0.5) and a > start


@pytest.fixture(scope="module")
def twin_folder(real_mk, tmp_path_factory):
    """A twin rendered with the real kernels from an original holding the ISIS label's values (8 of its 12
    frames: frame 8 is the ISD's)."""
    from simulator.products.description import ReportedGeometry, describe_image
    from simulator.products.metadata import build_metadata

    orig = tmp_path_factory.mktemp("pj1-original")
    imaging = {"frames": 8, "filters": ["METHANE"], "tdi": 64, "interframe_delay_s": 0.378, "summing": 1,
               "companding": "SQROOT", "compression": "INTEGER COSINE TRANSFORM",
               "focal_plane_temperature_k": 273.0, "orbit_number": 1}
    desc = describe_image(start_utc=START_TIME, sclk_start=SCLK_START, imaging=imaging,
                          geometry=ReportedGeometry(0.0, 0.0, 0.0, 0.0), scenario="real-pj1 ISIS label", seed=0,
                          image_number=6152, letter="M")
    meta = build_metadata(desc)
    (orig / f"{meta['PRODUCT_ID']}-Metadata.json").write_text(json.dumps(meta))
    out = tmp_path_factory.mktemp("pj1-twin")
    assert main(["render", "--like", str(orig), "--scenario", "pj1", "--kernels", str(real_mk),
                 "--out", str(out)]) == 0
    return out / "JNCE_2016240_01M06152_V01"


def test_twin_with_real_kernels_keeps_the_id_and_clock(twin_folder):
    from simulator.products import load_product

    meta = load_product(twin_folder).metadata
    assert meta["PRODUCT_ID"] == "JNCE_2016240_01M06152_V01"
    assert meta["SPACECRAFT_CLOCK_START_COUNT"] == SCLK_START and meta["START_TIME"] == START_TIME
    record = json.loads((twin_folder / "twin.json").read_text())
    assert "user's kernels" in record["geometry"]
    report = json.loads((twin_folder / "twin_report.json").read_text())
    assert report["fields"]["SPACECRAFT_CLOCK_START_COUNT"]["equal"]


def test_twin_truth_of_frame8_agrees_with_spiceypy(twin_folder, real_mk):
    from simulator.validate.truth import read_truth
    from test_render_common import motion_direction

    truth = read_truth(twin_folder, twin_folder.name)
    cam = JunoCam.default()
    rows = slice(7 * 128, 8 * 128)                       # frame 8, the only filter
    body = np.asarray(truth.planes["BODY"])[rows]
    lat, lon = np.asarray(truth.planes["LAT_PG"])[rows], np.asarray(truth.planes["LON_W"])[rows]
    jj, ii = np.nonzero(body == 599)
    assert jj.size > 100, "frame 8 of the PJ1 image should show Jupiter"
    pick = np.random.default_rng(8).choice(jj.size, 60, replace=False)
    from scenes import JUPITER_RADII_KM, Ellipsoid
    ell = Ellipsoid(JUPITER_RADII_KM)
    worst = 0.0
    with KernelPool([real_mk]):
        d = motion_direction("METHANE", FRAME8_MID_ET)
        for k in pick:
            j, i = jj[k], ii[k]
            ray = cam.pixel_to_ray("METHANE", i + 0.5, j + 0.5 - d * (64 - 1) / 2.0)
            spoint, _, srfvec = spiceypy.sincpt("ELLIPSOID", "JUPITER", FRAME8_MID_ET, "IAU_JUPITER", "LT+S",
                                                "JUNO", "JUNO_JUNOCAM", np.asarray(ray, float))
            mine = ell.surface_point(lat[j, i], lon[j, i])
            err = np.linalg.norm(mine - spoint) / (np.linalg.norm(srfvec) * cam.optics.ifov_rad)
            worst = max(worst, float(err))
    assert worst < TRUTH_TOL_PX, f"truth differs from sincpt by {worst:.2e} px"


@pytest.mark.slow
def test_validate_and_plan_with_real_kernels(twin_folder, real_mk, tmp_path, capsys):
    assert main(["validate", str(twin_folder), "--kernels", str(real_mk), "--out", str(tmp_path / "v"),
                 "--json"]) == 0
    summary = json.loads((tmp_path / "v" / "validation.json").read_text())
    assert summary["geometry_error_px_median"] is not None
    assert main(["plan", "--scenario", "pj1", "--kernels", str(real_mk), "--window",
                 "2016-08-27T09:00:00,2016-08-27T09:01:40", "--target", "limb", "--out", str(tmp_path / "p")]) == 0
