"""Truth planes coded framelet by framelet (simulator.products.truth_stream, issue #16).

Streamed extensions are byte for byte the whole-plane encoder's (``truth.encode_plane``) on renderer-like planes:
limb crossings, a moon, sky framelets (all-NaN tiles first, so DN12's exact step is refined later), repeated
calibration tiles; a plane that stops being line-codable after some framelets is stored losslessly with every
value within half a step of what was written and NaN where it was; PLIO_1 values out of range re-code as RICE_1
exactly; a ProductWriter's truth FITS decodes to the same planes either way.
"""

from __future__ import annotations

import numpy as np
import pytest
from simulator.products import truth as truth_mod
from simulator.products.reader import read_truth_planes
from simulator.products.truth_stream import TruthStream
from test_truth_coding import SAMPLES, TILE_LINES, disk_planes, worst_excess, write

TILES = 6


def streamed(planes: dict, storage=truth_mod.TruthStorage()) -> TruthStream:
    """``planes`` fed to a TruthStream one framelet (tile) at a time."""
    names = storage.planes(truth_mod.BACKPLANE_NAMES)
    tiles = planes["BODY"].shape[0] // TILE_LINES
    stream = TruthStream(storage, names, tiles, TILE_LINES, SAMPLES)
    for t in range(tiles):
        stream.add(t, {n: planes[n][t * TILE_LINES:(t + 1) * TILE_LINES] for n in names})
    return stream


def whole(name: str, planes: dict, storage=truth_mod.TruthStorage()) -> bytes:
    lat_pg = (planes["LAT_PG"], storage.step("LAT_PG")) if name == "LAT_PC" else None
    return truth_mod.encode_plane(name, planes[name], storage.step(name), TILE_LINES, "LT+S", storage.codec(name),
                                  storage.coding, planes["BODY"], lat_pg)


def sky_first(planes: dict) -> dict:
    """The first and fourth framelets wholly sky (geometry NaN): all-NaN tiles, then DN12 steps refined."""
    out = {name: plane.copy() for name, plane in planes.items()}
    for t in (0, 3):
        rows = slice(t * TILE_LINES, (t + 1) * TILE_LINES)
        out["BODY"][rows] = 0
        for name, plane in out.items():
            if plane.dtype.kind == "f" and name not in ("IOF", "DN12", "DARK", "FLAT"):
                plane[rows] = np.nan
        out["IOF"][rows] = 0.0
    return out


def test_streamed_extensions_are_the_whole_plane_bytes():
    """A moon (LAT_PC's residual not 0 there), sky framelets first (DN12's exact step refined from 4096 DN to
    1 DN after them), limb crossings, LON_W across 0/360, repeated DARK tiles: every extension equal."""
    planes = sky_first(disk_planes(np.random.default_rng(3), TILES, moon=True))
    stream = streamed(planes)
    assert list(stream.planes)[-1] == "LAT_PC" and stream.planes["LAT_PC"].residual
    for name in truth_mod.BACKPLANE_NAMES:
        got, want = stream.planes[name].extension("LT+S"), whole(name, planes)
        assert got == want, f"{name}: streamed extension differs ({len(got)} against {len(want)} bytes)"


def test_repeated_tiles_are_coded_once_and_share_one_heap_copy():
    planes = disk_planes(np.random.default_rng(11), TILES)
    stream = streamed(planes)
    dark = stream.planes["DARK"]
    assert len(dark.packed) == 1 and (dark.index == 0).all(), dark.index
    assert dark.extension("LT+S") == whole("DARK", planes)


def test_a_plane_that_stops_being_line_codable_is_stored_losslessly_within_half_a_step(tmp_path):
    """EMISSION gets a NaN on the body in framelet 4 (not BODY's 0s), LAT_PG too (so LAT_PC cannot lean on
    it): both are stored as floats from then on, the earlier framelets as decoded; every value within
    step / 2 of what was written, NaN exactly where it was."""
    planes = disk_planes(np.random.default_rng(5), TILES)
    rows = slice(4 * TILE_LINES, 5 * TILE_LINES)
    hit = np.argwhere(planes["BODY"][rows] != 0)
    assert hit.size, "the seed's disk misses framelet 4"
    r, c = hit[0]
    for name in ("EMISSION", "LAT_PG"):
        planes[name][4 * TILE_LINES + r, c] = np.nan
    stream = streamed(planes)
    assert stream.planes["EMISSION"].fallback is not None and stream.planes["LAT_PC"].fallback is not None
    path = write(tmp_path / "t.fits", {**planes, **stream.planes})
    back = read_truth_planes(path)
    for name in truth_mod.BACKPLANE_NAMES:
        assert np.array_equal(np.isnan(back[name]), np.isnan(planes[name])) if back[name].dtype.kind == "f" \
            else np.array_equal(back[name], planes[name]), f"{name}: NaN pixels or integers changed"
        assert worst_excess(name, back[name], planes[name]) <= 0, f"{name}: beyond half a step"


def test_plio_values_out_of_range_recode_as_rice():
    planes = disk_planes(np.random.default_rng(8), TILES)
    planes["BODY"][3 * TILE_LINES + 1, 2] = -7              # PLIO_1 codes 0 .. 2**24 - 1 only
    stream = streamed(planes)
    assert stream.planes["BODY"].codec == "RICE_1"
    assert stream.planes["BODY"].extension("LT+S") == whole("BODY", planes)


@pytest.mark.parametrize("level", ["full", "minimal"])
def test_a_product_writers_truth_decodes_the_same_streamed_or_whole(tmp_path, level):
    """The writer's streamed FITS and the whole-plane FITS of the same planes have equal bytes."""
    planes = disk_planes(np.random.default_rng(21), TILES)
    storage = truth_mod.TruthStorage(level=level)
    stream = streamed(planes, storage)
    a = write(tmp_path / "a.fits", {**planes, **stream.planes}, storage)
    b = write(tmp_path / "b.fits", planes, storage)
    assert a.read_bytes() == b.read_bytes()


def test_the_numpy_tile_coding_stores_the_compiled_integers(monkeypatch):
    """truth_coding.encode_tile without numba (NUMBA_DISABLE_JIT) codes a tile as the compiled pass does: same
    integers and flags, NaN where BODY is 0, finite values on the sky, LON_W's modulus, float32 tiles (the
    renderer's angle planes) divided in float64 as the compiled loop divides them."""
    from simulator.products import truth_coding

    planes = disk_planes(np.random.default_rng(13), 2)
    tile = slice(0, TILE_LINES)
    cases = (("LAT_PG", None, np.float64), ("LON_W", truth_coding.modulus("LON_W", 2.0 ** -19), np.float64),
             ("IOF", None, np.float64), ("IOF", None, np.float32), ("INCIDENCE", None, np.float32))
    for name, period, dtype in cases:
        values, body = planes[name][tile].astype(dtype), planes["BODY"][tile]
        step = truth_mod.QUANTISATION_STEPS[name]
        compiled = np.empty(values.shape, np.int32)
        flags = truth_coding.encode_tile(values, body, step, period, compiled)
        monkeypatch.setattr(truth_coding, "COMPILED", False)
        plain = np.empty(values.shape, np.int32)
        assert truth_coding.encode_tile(values, body, step, period, plain) == flags, name
        monkeypatch.setattr(truth_coding, "COMPILED", True)
        assert np.array_equal(plain, compiled), (f"{name} ({np.dtype(dtype)}): numpy and compiled tiles differ in "
                                                 f"{int((plain != compiled).sum())} pixels")
