"""SPICE text kernels: read the camera's parameters through spiceypy's kernel pool, write an IK.

Reading (:func:`read_kernel_parameters`) loads the given files, reads every keyword the model needs and
unloads exactly the files it loaded (files the caller had already loaded are left alone). It reads the
flight IK's keywords (``juno_junocam_v03.ti``: FOCAL_LENGTH, PIXEL_SIZE, DISTORTION_K1/K2/X/Y,
START_TIME_BIAS, INTERFRAME_DELTA) and the ISIS addendum's (``junoAddendum005.ti``: FILTER_OFFSET,
FILTER_LINES, FILTER_SAMPLES, and -61500's FILTER_LINES for the full CCD).

Writing (:func:`write_ik`) produces one IK holding both sets of keywords plus the FOV definitions
(boresight = ray of pixel (827.0, 64.0), corners = rays of (23.5, 0.5), (23.5, 127.5), (1630.5, 127.5),
(1630.5, 0.5), and the whole camera -61500 as the flight kernel's 16-vector POLYGON with boresight +Z),
computed from the model so that ``getfov`` reproduces the flight kernel when the model has the flight
values. The file is written to a temporary name and renamed.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from instrument_models.errors import InstrumentError
from instrument_models.junocam.optics import FILTERS

NAIF_IDS: dict[str, int] = {  # juno_junocam_v03.ti "Naming Conventions"; juno_v12.tf
    "JUNO_JUNOCAM": -61500, "BLUE": -61501, "GREEN": -61502, "RED": -61503, "METHANE": -61504,
}
CAMERA_ID = NAIF_IDS["JUNO_JUNOCAM"]
FRAME_NAME = "JUNO_JUNOCAM"
BORESIGHT_PIXEL = (827.0, 64.0)  # juno_junocam_v03.ti "FOV Definition"
CORNER_PIXELS = ((23.5, 0.5), (23.5, 127.5), (1630.5, 127.5), (1630.5, 0.5))  # same section


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _loaded_kernel_paths() -> set[str]:
    count = spiceypy.ktotal("ALL")
    return {os.path.abspath(spiceypy.kdata(i, "ALL")[0]) for i in range(count)}


@contextmanager
def scoped_kernels(paths: Iterable[str | os.PathLike]) -> Iterator[None]:
    """Load ``paths`` into the kernel pool for the ``with`` block; unload exactly those it loaded.

    Raises
    ------
    InstrumentError
        A path is missing, is not a file, or SPICE cannot load it (the message names the file and
        SPICE's short reason).
    """
    files = [Path(p) for p in paths]
    if not files:
        raise InstrumentError("no kernel files given; expected the JunoCam IK (and the ISIS addendum)")
    for f in files:
        if not f.is_file():
            raise InstrumentError(f"kernel file {str(f)!r} does not exist or is not a file")
    already = _loaded_kernel_paths()
    loaded: list[str] = []
    try:
        for f in files:
            name = os.path.abspath(f)
            if name in already or name in loaded:
                continue
            try:
                spiceypy.furnsh(name)
            except SpiceyError as exc:
                short = getattr(exc, "short", "") or ""
                raise InstrumentError(
                    f"kernel {str(f)!r} is not a readable SPICE text kernel ({short or _one_line(exc)[:200]})"
                ) from None
            loaded.append(name)
        yield
    finally:
        for name in reversed(loaded):
            spiceypy.unload(name)


@contextmanager
def _naming(names: str) -> Iterator[None]:
    """Add the kernel file names to any InstrumentError raised while reading the pool."""
    try:
        yield
    except InstrumentError as exc:
        raise InstrumentError(f"{exc} [kernels read: {names}]") from None


def _pool_numbers(name: str, what: str) -> np.ndarray | None:
    with spiceypy.no_found_check():
        n, kind, found = spiceypy.dtpool(name)
    if not found:
        return None
    if kind != "N":
        raise InstrumentError(f"kernel keyword {name} ({what}) holds text; expected a number")
    with spiceypy.no_found_check():
        values, _ = spiceypy.gdpool(name, 0, n)
    return np.asarray(values, dtype=float)


def _pool_text(name: str) -> str | None:
    with spiceypy.no_found_check():
        n, kind, found = spiceypy.dtpool(name)
    if not found or kind != "C":
        return None
    with spiceypy.no_found_check():
        values, _ = spiceypy.gcpool(name, 0, n)
    return str(values[0]).strip()


def _require(name: str, what: str, size: int = 1) -> np.ndarray:
    values = _pool_numbers(name, what)
    if values is None:
        hint = (" (it comes from the ISIS addendum, junoAddendum*.ti: pass that kernel too)"
                if "FILTER_" in name else "")
        raise InstrumentError(f"the kernels do not define {name} ({what}){hint}")
    if values.size != size or not np.all(np.isfinite(values)):
        raise InstrumentError(f"kernel keyword {name} ({what}) has {values.size} value(s) {values.tolist()}; "
                              f"expected {size} finite number(s)")
    return values


def _require_same(names: list[str], what: str) -> float:
    values = [float(_require(n, what)[0]) for n in names]
    if not np.allclose(values, values[0], rtol=0, atol=0):
        listing = ", ".join(f"{n}={v!r}" for n, v in zip(names, values))
        raise InstrumentError(f"the model uses one {what} for every filter but the kernels differ: {listing}")
    return values[0]


def read_kernel_parameters(paths: Iterable[str | os.PathLike]) -> dict:
    """Read the JunoCam model parameters from text kernels through spiceypy's kernel pool.

    Parameters
    ----------
    paths : the IK (``juno_junocam_v03.ti`` or one written by :func:`write_ik`) and, for a flight IK,
        the ISIS addendum (``junoAddendum005.ti``).

    Returns
    -------
    dict with keys ``optics`` (kwargs of :class:`Optics`), ``strips`` (of :class:`StripLayout`) and
    ``timing`` (of :class:`Timing`).
    """
    ids = [NAIF_IDS[f] for f in FILTERS]
    paths = list(paths)
    names = ", ".join(Path(p).name for p in paths)
    with scoped_kernels(paths), _naming(names):
        def key(i, word):
            return f"INS{i}_{word}"

        focal = _require_same([key(i, "FOCAL_LENGTH") for i in ids], "focal length in mm")
        pitch = _require_same([key(i, "PIXEL_SIZE") for i in ids], "pixel size in mm")
        k1 = _require_same([key(i, "DISTORTION_K1") for i in ids], "distortion K1")
        k2 = _require_same([key(i, "DISTORTION_K2") for i in ids], "distortion K2")
        cx = _require_same([key(i, "DISTORTION_X") for i in ids], "optical centre sample DISTORTION_X")
        cy = {f: float(_require(key(NAIF_IDS[f], "DISTORTION_Y"), "optical centre line")[0]) for f in FILTERS}
        cam_cy = _pool_numbers(key(CAMERA_ID, "DISTORTION_Y"), "whole-camera optical centre line")
        bias = _require_same([key(i, "START_TIME_BIAS") for i in ids], "start time bias in s")
        delta = _require_same([key(i, "INTERFRAME_DELTA") for i in ids], "interframe delta in s")
        offsets = {f: float(_require(key(NAIF_IDS[f], "FILTER_OFFSET"), "first CCD line of the strip")[0])
                   for f in FILTERS}
        flines = _require_same([key(i, "FILTER_LINES") for i in ids], "lines per framelet")
        fsamples = _require_same([key(i, "FILTER_SAMPLES") for i in ids], "samples per line")
        ccd_lines = _pool_numbers(key(CAMERA_ID, "FILTER_LINES"), "full-CCD lines")
        for f in FILTERS:
            name = _pool_text(key(NAIF_IDS[f], "FILTER_NAME"))
            if name is not None and name.upper() != f:
                raise InstrumentError(f"INS{NAIF_IDS[f]}_FILTER_NAME is {name!r}; expected {f!r}")
    for what, v in (("FILTER_LINES", flines), ("FILTER_SAMPLES", fsamples)):
        if v != round(v) or v <= 0:
            raise InstrumentError(f"kernel {what} {v!r} must be a positive whole number")
    optics = dict(focal_length_mm=focal, pixel_pitch_mm=pitch, k1=k1, k2=k2, cx=cx, cy=cy)
    if cam_cy is not None and cam_cy.size == 1:
        optics["camera_cy"] = float(cam_cy[0])
    strips = dict(samples=int(fsamples), framelet_lines_unsummed=int(flines), filter_offset=offsets)
    if ccd_lines is not None and ccd_lines.size == 1:
        strips["lines"] = int(ccd_lines[0])
    timing = dict(start_time_bias_s=bias, interframe_delta_s=delta)
    return {"optics": optics, "strips": strips, "timing": timing}


# --- writing -----------------------------------------------------------------------------------------

def _candidate_texts(x: float) -> Iterator[str]:
    yield repr(x)
    for digits in (16, 17, 15):
        yield f"{x:.{digits}E}"
    if 1e-4 < abs(x) < 1e15:
        for digits in range(1, 21):
            yield f"{x:.{digits}f}"
    up = down = x
    for _ in range(8):
        up, down = float(np.nextafter(up, np.inf)), float(np.nextafter(down, -np.inf))
        for z in (up, down):
            yield f"{z:.16E}"
            yield f"{z:.17E}"


def _num(x: float) -> str:
    """Text that SPICE's parser reads back as ``x``, or as near to it as SPICE can.

    SPICE's number parser (``prsdp``, the same one the text-kernel reader uses) is not correctly
    rounded: it reads "-6.1E-08" and "-5.962420945566733E-08" one unit in the last place off, and some
    doubles have no decimal text that it reads back exactly. So candidates (the shortest form, 15-17
    significant digits, fixed notation, texts of the neighbouring doubles) are tried with
    ``spiceypy.prsdp`` and the first exact one is used, else the nearest.
    """
    x = float(x)
    if x == round(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    best, best_err = repr(x), np.inf
    for text in _candidate_texts(x):
        err = abs(spiceypy.prsdp(text) - x)
        if err == 0:
            return text
        if err < best_err:
            best, best_err = text, err
    return best


def _vector_lines(vectors: np.ndarray, indent: str) -> list[str]:
    return [indent + "  ".join(f"{_num(c):>24}" for c in v) for v in np.atleast_2d(vectors)]


def fov_vectors(cam) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Boresight and boundary vectors for each NAIF ID, computed from the camera model.

    Returns ``{naif_id: (boresight (3,), corners (4, 3) or (16, 3))}``, unit vectors in JUNO_JUNOCAM.
    """
    out = {}
    corners = {}
    for f in FILTERS:
        bore = cam.optics.pixel_to_ray(f, *BORESIGHT_PIXEL)
        px = np.asarray(CORNER_PIXELS)
        corners[f] = cam.optics.pixel_to_ray(f, px[:, 0], px[:, 1])
        out[NAIF_IDS[f]] = (bore, corners[f])
    # Whole camera: down the left edge strip by strip (top to bottom), back up the right edge.
    left = [corners[f][i] for f in FILTERS for i in (0, 1)]
    right = [corners[f][i] for f in reversed(FILTERS) for i in (2, 3)]
    out[CAMERA_ID] = (np.array([0.0, 0.0, 1.0]), np.array(left + right))
    return out


def ik_text(cam) -> str:
    """The IK text for camera model ``cam`` (see :func:`write_ik`)."""
    o, s, t = cam.optics, cam.strips, cam.timing
    fov = fov_vectors(cam)
    ind = "         "
    lines = [
        "KPL/IK",
        "",
        "JunoCam instrument kernel written by junocam-sim from its camera model",
        "===========================================================================",
        "",
        "   Keywords follow the flight IK juno_junocam_v03.ti (FOV, focal length, pixel size,",
        "   distortion, timing) and the ISIS addendum junoAddendum005.ti (filter strips, full CCD,",
        "   focal-plane transforms), so SPICE getfov and ISIS-like tools read it. Pixel convention:",
        "   (0,0) is a framelet's upper-left corner; pixel (i,j) is centred at (i+0.5, j+0.5).",
        "   Boresights are the rays of pixel (827.0, 64.0); FOV corners the rays of (23.5,0.5),",
        "   (23.5,127.5), (1630.5,127.5), (1630.5,0.5), undistorted to convergence. The whole",
        "   camera -61500 is a POLYGON through every band's corner vectors with boresight +Z.",
        "",
        "   Distortion recipe (pixel units): c = (x - DISTORTION_X, y - DISTORTION_Y);",
        "   distort(c) = c (1 + K1 r^2 + K2 r^4); ray = (undistort(c), FOCAL_LENGTH / PIXEL_SIZE).",
        "",
    ]
    for name in ("JUNO_JUNOCAM",) + FILTERS:
        i = NAIF_IDS[name]
        bore, corners = fov[i]
        is_cam = i == CAMERA_ID
        cy = o.camera_cy if is_cam else o.cy[name]
        lines += ["\\begindata", ""]
        lines += [
            f"{ind}INS{i}_FOCAL_LENGTH = ( {_num(o.focal_length_mm)} )",
            f"{ind}INS{i}_PIXEL_SIZE = ( {_num(o.pixel_pitch_mm)} )",
            f"{ind}INS{i}_FOV_FRAME = '{FRAME_NAME}'",
            f"{ind}INS{i}_FOV_SHAPE = '{'POLYGON' if is_cam else 'RECTANGLE'}'",
            f"{ind}INS{i}_BORESIGHT = (",
            *_vector_lines(bore, ind + "    "),
            f"{ind}    )",
            f"{ind}INS{i}_FOV_BOUNDARY_CORNERS = (",
            *_vector_lines(corners, ind + "    "),
            f"{ind}    )",
            f"{ind}INS{i}_DISTORTION_K1 = {_num(o.k1)}",
            f"{ind}INS{i}_DISTORTION_K2 = {_num(o.k2)}",
            f"{ind}INS{i}_DISTORTION_X = {_num(o.cx)}",
            f"{ind}INS{i}_DISTORTION_Y = {_num(cy)}",
            f"{ind}INS{i}_START_TIME_BIAS = {_num(t.start_time_bias_s)}",
            f"{ind}INS{i}_INTERFRAME_DELTA = {_num(t.interframe_delta_s)}",
        ]
        if is_cam:
            pitch = o.pixel_pitch_mm
            lines += [
                f"{ind}INS{i}_PIXEL_PITCH = {_num(pitch)}",
                f"{ind}INS{i}_BORESIGHT_LINE = {_num(s.filter_offset['METHANE'] + o.cy['METHANE'])}",
                f"{ind}INS{i}_BORESIGHT_SAMPLE = {_num(o.cx)}",
                f"{ind}INS{i}_FILTER_NAME = 'FULLCCD'",
                f"{ind}INS{i}_FILTER_OFFSET = 1",
                f"{ind}INS{i}_FILTER_LINES = {s.lines}",
                f"{ind}INS{i}_FILTER_SAMPLES = {s.samples}",
                f"{ind}INS{i}_TRANSX = ( 0.0  {_num(pitch)}  0.0 )",
                f"{ind}INS{i}_TRANSY = ( 0.0  0.0  {_num(pitch)} )",
                f"{ind}INS{i}_ITRANSS = ( 0.0  {_num(1.0 / pitch)}  0.0 )",
                f"{ind}INS{i}_ITRANSL = ( 0.0  0.0  {_num(1.0 / pitch)} )",
                f"{ind}INS{i}_SWAP_OBSERVER_TARGET = 'TRUE'",
                f"{ind}INS{i}_LIGHTTIME_CORRECTION = 'NONE'",
                f"{ind}INS{i}_LT_SURFACE_CORRECT = 'FALSE'",
            ]
        else:
            lines += [
                f"{ind}INS{i}_FILTER_NAME = '{name}'",
                f"{ind}INS{i}_FILTER_OFFSET = {_num(s.filter_offset[name])}",
                f"{ind}INS{i}_FILTER_LINES = {s.framelet_lines_unsummed}",
                f"{ind}INS{i}_FILTER_SAMPLES = {s.samples}",
            ]
        lines += ["", "\\begintext", ""]
    return "\n".join(lines) + "\n"


def write_ik(cam, path: str | os.PathLike) -> Path:
    """Write the IK of camera model ``cam`` to ``path`` (temporary file, then rename); return the path."""
    path = Path(path)
    if path.is_dir():
        raise InstrumentError(f"IK output path {str(path)!r} is a directory; expected a file name")
    if not path.parent.is_dir():
        raise InstrumentError(f"IK output folder {str(path.parent)!r} does not exist")
    text = ik_text(cam)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        # os.open with 0o666: the file gets the process umask's mode (0644), not mkstemp's 0600.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(fd, "w", encoding="ascii", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
