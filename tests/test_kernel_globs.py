"""Play an outside tool (issue #15): find a synthetic set's kernels by NAIF's archive names and globs alone.

For each glob tools use, ``glob`` over a written set returns the file a real set would offer for the
framelets' dates; a plain spiceypy session that loads only those files (no metakernel) answers what a
processing tool asks at every framelet time, exactly as the set's own metakernel does.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path

import numpy as np
import pytest
import spiceypy
from hypothesis import given, settings
from hypothesis import strategies as st

from instrument_models.junocam import JunoCam
from simulator.cli import main
from simulator.kernelset import kernel_set_for, lsk, names, pck
from simulator.products import product_paths
from simulator.render import RenderRequest
from simulator.render.timing import frame_start_et
from simulator.scenario import load_scenario
from simulator.spice import KernelPool

SCENARIOS = ("default", "pj1", "pj10", "io")
SAME_TOL = 1e-9            # glob session vs metakernel session (relative; both load the same bytes)
TRUTH_TOL_PX = 1e-9        # issue #15: the product's truth through globs equals the metakernel's
CAM = JunoCam.default()
MOONS = ("IO", "EUROPA", "GANYMEDE", "CALLISTO", "AMALTHEA")
# The two spellings tools use: NAIF's PDS archive and NAIF's operational server
FLAVOURS = {"archive": ("spk/juno_rec_*.bsp", "sclk/jno_sclkscet_*.tsc"),
            "server": ("spk/spk_rec_*.bsp", "sclk/JNO_SCLKSCET.*.tsc")}
GENERIC = ("lsk/naif*.tls", "pck/pck*.tpc", "fk/juno_v*.tf", "ik/juno_junocam_v*.ti", "spk/de*.bsp",
           "spk/jup*.bsp")
DATED = re.compile(r"_(\d{6})_(\d{6})")


def _framelet_ets(scenario, cache) -> np.ndarray:
    """Mid-exposure ET of every framelet the scenario images (the renderer's timing rule)."""
    req = RenderRequest.from_scenario(scenario, cache_dir=cache)
    period = CAM.timing.tdi_line_period_s
    out = []
    for frame, filt in req.framelet_order():
        t0 = frame_start_et(CAM, req.start_et, frame, req.interframe_delay_s, req.errors.start_time_jitter_s,
                            req.errors.interframe_delay_error_s)
        out.append(t0 + 0.5 * req.tdi_stages[filt] * period)
    return np.array(out)


def _brackets(path: Path, date: str) -> bool:
    """What tools do with a dated name: the file is for ``date`` (YYMMDD) when its two dates bracket it."""
    start, stop = DATED.search(path.name).groups()
    return int(start) <= int(date) <= int(stop)


def _tool_files(root: Path, ets, flavour: str) -> list[Path]:
    """The files a tool loads for these times: the newest match of each generic glob, dated files by date."""
    spk_glob, sclk_glob = FLAVOURS[flavour]
    with_lsk = [sorted(root.glob("lsk/naif*.tls"))[-1]]
    spiceypy.furnsh(str(with_lsk[0]))
    dates = {names.yymmdd(et) for et in ets}
    spiceypy.kclear()
    files = [sorted(root.glob(g))[-1] for g in GENERIC + (sclk_glob,)]
    for pattern in (spk_glob, "ck/juno_sc_rec_??????_??????_v??.bc"):
        files += [p for p in sorted(root.glob(pattern)) if any(_brackets(p, d) for d in dates)]
    return files


def _answers(ets) -> dict[str, np.ndarray]:
    """What a processing tool asks at each framelet time (kernels loaded)."""
    out = {k: [] for k in ("juno", "pointing", "ck", "sun", "earth", "jupiter", "moons", "moon_frames")}
    for et in ets:
        out["juno"].append(spiceypy.spkezr("JUNO", et, "J2000", "NONE", "JUPITER")[0])
        out["pointing"].append(spiceypy.pxform("J2000", "JUNO_JUNOCAM", et))
        cmat, _clk = spiceypy.ckgp(-61000, spiceypy.sce2c(-61, et), 0.0, "J2000")
        out["ck"].append(cmat)
        out["sun"].append(spiceypy.spkpos("SUN", et, "J2000", "LT+S", "JUNO")[0])
        out["earth"].append(spiceypy.spkpos("EARTH", et, "J2000", "LT+S", "JUNO")[0])
        out["jupiter"].append(spiceypy.sxform("J2000", "IAU_JUPITER", et))
        out["moons"].append([spiceypy.spkpos(m, et, "J2000", "LT+S", "JUNO")[0] for m in MOONS])
        out["moon_frames"].append([spiceypy.pxform("J2000", f"IAU_{m}", et) for m in MOONS])
    return {k: np.asarray(v) for k, v in out.items()}


def _worst_relative(a: dict, b: dict) -> tuple[str, float]:
    errs = {k: float(np.max(np.abs(a[k] - b[k])) / max(1.0, float(np.max(np.abs(b[k]))))) for k in b}
    key = max(errs, key=errs.get)
    return key, errs[key]


@pytest.fixture(scope="module")
def sets(kernel_cache_dir):
    """(metakernel, framelet ETs) of each scenario's set."""
    out = {}
    for name in SCENARIOS:
        scenario = load_scenario(name)
        out[name] = (kernel_set_for(scenario, kernel_cache_dir), _framelet_ets(scenario, kernel_cache_dir))
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_glob_finds_the_file_a_real_set_offers(sets, name):
    mk, ets = sets[name]
    root = mk.parent
    spiceypy.furnsh([str(root / "lsk/naif0012.tls"), str(next(root.glob("sclk/jno_sclkscet_*.tsc")))])
    dates = sorted({names.yymmdd(et) for et in ets})
    for pattern in names.TOOL_GLOBS:
        found = sorted(root.glob(pattern))
        assert found, f"{name}: glob {pattern!r} finds nothing in {sorted(p.name for p in root.rglob('*'))}"
        if not pattern.startswith("ck/"):
            assert len(found) == 1, f"{name}: glob {pattern!r} finds {[p.name for p in found]}"
        if DATED.search(found[0].name):
            for date in dates:
                offered = [p.name for p in found if _brackets(p, date)]
                assert len(offered) == 1, f"{name}: {pattern!r} offers {offered} for {date}"
    # each framelet time lies in the coverage of the one weekly CK whose name brackets its date
    for et in ets:
        (ck,) = [p for p in root.glob("ck/juno_sc_rec_*.bc") if _brackets(p, names.yymmdd(et))]
        cover = spiceypy.ckcov(str(ck), -61000, False, "INTERVAL", 0.0, "TDB")
        assert any(a <= et <= b for a, b in (spiceypy.wnfetd(cover, i) for i in range(spiceypy.wncard(cover)))), \
            f"{name}: {ck.name} does not cover {spiceypy.et2utc(et, 'ISOC', 3)}"


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
@pytest.mark.parametrize("name", SCENARIOS)
def test_globs_alone_answer_what_a_tool_asks(sets, name, flavour):
    mk, ets = sets[name]
    for path in _tool_files(mk.parent, ets, flavour):
        spiceypy.furnsh(str(path))              # absolute paths, no metakernel
    by_globs = _answers(ets)
    assert spiceypy.getfov(-61500, 64)[1] == "JUNO_JUNOCAM"
    spiceypy.kclear()
    with KernelPool([mk]):
        reference = _answers(ets)
    key, err = _worst_relative(by_globs, reference)
    assert err <= SAME_TOL, f"{name} ({flavour}): {key} differs by {err:.2e} between globs and the metakernel"


def test_a_solar_system_tool_finds_every_body(default_kernels):
    """A tool that sets up the solar system: every DE body's state and every PCK body's IAU frame exist."""
    root = default_kernels.parent
    for pattern in ("lsk/naif*.tls", "pck/pck*.tpc", "spk/de*.bsp", "spk/jup*.bsp"):
        spiceypy.furnsh(str(sorted(root.glob(pattern))[-1]))
    et = spiceypy.str2et(load_scenario("default").orbit.perijove_utc)
    for body in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 199, 299, 301, 399, 599, 501, 502, 503, 504, 505):
        state = spiceypy.spkez(body, et, "J2000", "NONE", 0)[0]
        assert np.all(np.isfinite(state))
    frames = 0
    for body, keys in pck.constants().items():
        if "PM" not in keys:
            continue
        try:
            frame = spiceypy.cidfrm(body, 32)[1]
        except spiceypy.utils.exceptions.NotFoundError:
            continue                      # a body SPICE has no built-in IAU frame for (e.g. some comets)
        m = np.asarray(spiceypy.sxform("J2000", frame, et))
        assert np.allclose(m[:3, :3] @ m[:3, :3].T, np.eye(3), atol=1e-12), frame
        frames += 1
    assert frames >= 60, f"only {frames} IAU body-fixed frames could be evaluated"
    for frame in ("IAU_SUN", "IAU_URANUS", "IAU_EARTH", "IAU_MOON", "IAU_TITAN", "IAU_TRITON"):
        spiceypy.pxform("J2000", frame, et)


def test_every_file_says_it_is_synthetic(default_kernels):
    root = default_kernels.parent
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".bsp", ".bc")):
        handle = spiceypy.dafopr(str(path))
        try:
            text = "\n".join(spiceypy.dafec(handle, 200, 1000)[1])
        finally:
            spiceypy.dafcls(handle)
        assert "SYNTHETIC KERNEL -- NOT FLIGHT DATA" in text and "junocam-sim" in text, f"{path.name}: {text!r}"
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".tls", ".tpc", ".tf", ".ti", ".tsc", ".tm")):
        header = path.read_text().split("\\begindata")[0]
        assert "synthetic" in header.lower() and "junocam-sim" in header, f"{path.name} does not say synthetic"
    readme = (root / names.README).read_text()
    assert readme.startswith("SYNTHETIC SPICE KERNEL SET -- NOT FLIGHT DATA")
    for path in root.rglob("*.b*"):
        assert path.relative_to(root).as_posix() in readme, f"README does not describe {path.name}"


def test_sclk_name_spellings():
    assert names.sclk_upper_case_name("jno_sclkscet_00090.tsc") == "JNO_SCLKSCET.00090.tsc"
    assert names.sclk_upper_case_name("jno_sclkscet_00212.tsc") == "JNO_SCLKSCET.00212.tsc"


@pytest.fixture(scope="module")
def lsk_file(tmp_path_factory) -> Path:
    return lsk.write_lsk(tmp_path_factory.mktemp("lsk") / lsk.FILE_NAME)


@pytest.mark.parametrize("first, last, weeks", [
    ("2018-03-31T21:45:00", "2018-04-01T21:45:00", ["180325_180331", "180401_180407"]),
    ("2017-01-29T00:00:00", "2017-02-04T23:59:59", ["170129_170204"]),     # NAIF's juno_sc_rec_170129_170204
    ("2017-12-30T12:00:00", "2018-01-14T00:00:01", ["171224_171230", "171231_180106", "180107_180113",
                                                    "180114_180120"]),
])
def test_weekly_ck_pieces_tile_the_window(lsk_file, first, last, weeks):
    spiceypy.furnsh(str(lsk_file))
    a, b = spiceypy.str2et(first), spiceypy.str2et(last)
    pieces = names.ck_pieces(a, b)
    assert [p.name[12:25] for p in pieces] == weeks
    assert pieces[0].et_start == a and pieces[-1].et_stop == b
    assert all(p.et_stop == q.et_start for p, q in zip(pieces, pieces[1:])), "weekly pieces leave a gap"


@settings(max_examples=40, deadline=None)
@given(st.floats(4e8, 8e8), st.floats(60.0, 40 * 86400.0))
def test_weekly_ck_pieces_are_sunday_to_saturday(lsk_file, et0, span):
    spiceypy.kclear()
    spiceypy.furnsh(str(lsk_file))
    pieces = names.ck_pieces(et0, et0 + span)
    assert pieces[0].et_start == et0 and pieces[-1].et_stop == et0 + span
    for p, q in zip(pieces, pieces[1:]):
        assert p.et_stop == q.et_start
    for piece in pieces:
        sunday, saturday = (_dt.datetime.strptime(d, "%y%m%d").date() for d in DATED.search(piece.name).groups())
        assert sunday.weekday() == 6 and (saturday - sunday).days == 6, piece.name
        for et in (piece.et_start, 0.5 * (piece.et_start + piece.et_stop), piece.et_stop - 1e-3):
            assert _brackets(Path(piece.name), names.yymmdd(et)), (piece.name, spiceypy.et2utc(et, "ISOC", 3))


# ------------------------------------------------------------------------------------------ a product
@pytest.fixture(scope="module")
def product(tmp_path_factory, kernel_cache_dir) -> Path:
    out = tmp_path_factory.mktemp("glob-product")
    assert main(["render", "--out", str(out), "--cache-dir", str(kernel_cache_dir), "--frames", "2",
                 "--filters", "GREEN,RED", "--compression", "NONE", "--seed", "3"]) == 0
    (folder,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder


def _truth_points(framelets, abcorr) -> list[tuple[np.ndarray, float]]:
    """Surface points (km, IAU_JUPITER) and ranges of a grid of pixels of each framelet, by sincpt."""
    out = []
    for f in framelets:
        for x in np.linspace(30.5, 1620.5, 60):
            for y in (0.5, 32.5, 64.5, 96.5, 127.5):
                ray = CAM.pixel_to_ray(f["filter"], x, y)
                try:
                    spoint, _, srfvec = spiceypy.sincpt("ELLIPSOID", "JUPITER", f["mid_et"], "IAU_JUPITER",
                                                        abcorr, "JUNO", "JUNO_JUNOCAM", ray)
                except spiceypy.utils.exceptions.NotFoundError:
                    out.append((np.full(3, np.nan), np.nan))
                    continue
                out.append((np.asarray(spoint), float(np.linalg.norm(srfvec))))
    return out


def test_product_kernels_by_globs_give_the_same_truth(product):
    record = json.loads(product_paths(product, product.name)["truth_json"].read_text())
    root = product / Path(record["kernels"]).parent
    for pattern in names.TOOL_GLOBS:
        assert sorted(root.glob(pattern)), f"the product's kernels/ has no {pattern!r}"
    assert "SYNTHETIC" in (root / names.README).read_text()
    ets = [f["mid_et"] for f in record["framelets"]]
    for path in _tool_files(root, ets, "server"):
        spiceypy.furnsh(str(path))
    by_globs = _truth_points(record["framelets"], record["aberration_correction"])
    spiceypy.kclear()
    with KernelPool([product / record["kernels"]]):
        reference = _truth_points(record["framelets"], record["aberration_correction"])
    hits = [(p, r, q) for (p, r), (q, _) in zip(by_globs, reference) if np.isfinite(r)]
    assert len(hits) >= 20, f"the product's framelets should show Jupiter ({len(hits)} of {len(by_globs)} rays hit)"
    assert all(np.isfinite(r) == np.all(np.isfinite(q)) for (_, r), (q, _) in zip(by_globs, reference))
    worst = max(np.linalg.norm(p - q) / (r * CAM.optics.ifov_rad) for p, r, q in hits)
    assert worst <= TRUTH_TOL_PX, f"truth through globs differs from the metakernel's by {worst:.2e} px"
