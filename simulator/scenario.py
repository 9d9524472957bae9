"""Scenarios: a small TOML file describing one simulated pass, validated against a declarative schema.

Every table's keys are declared once in :data:`SCHEMA` as :class:`Field` rows (name, type, default, range,
doc). Adding a key is one line there; loading, validation, the frozen dataclasses, ``scenario show`` and
:func:`scenario_to_toml` all follow from it.

Packages that must not import ``simulator`` (``scenes``, ``instrument_models``) get plain dicts through
``scenario.table("scene")``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scenes.errors import SceneError
from scenes.feature_patterns import shapes_from_table
from scenes.jupiter_features import FEATURE_FAMILIES
from simulator.errors import ScenarioError

FILTER_NAMES = ("METHANE", "BLUE", "GREEN", "RED")  # ARCHITECTURE.md conventions (CCD order)
ABERRATION_CORRECTIONS = ("NONE", "LT", "LT+S", "CN", "CN+S")  # SPICE reception corrections


@dataclass(frozen=True)
class Field:
    """One scenario key: its TOML name, type, default, allowed values and one-line documentation.

    ``kind`` is one of ``"str"``, ``"float"``, ``"int"``, ``"bool"``, ``"utc"`` (ISO-8601 UTC string),
    ``"list[str]"``, ``"list[float]"``, ``"dict[float]"`` (table of floats keyed by filter),
    ``"list[table]"`` (array of free-form tables validated by their consumer), ``"table"`` (one such table).
    ``optional`` keys may be absent (value ``None``); ``range`` is inclusive ``(lo, hi)`` for numbers and
    list elements; ``choices`` restricts strings (and list elements); ``length`` fixes a list's length.
    """

    name: str
    kind: str
    default: Any
    doc: str
    range: tuple[float, float] | None = None
    choices: tuple[str, ...] | None = None
    optional: bool = False
    length: int | None = None


F = Field
SCHEMA: dict[str, tuple[Field, ...]] = {
    "": (
        F("name", "str", "custom", "scenario name (built-ins: default, pj1, pj10, io, io-eclipse)"),
        F("description", "str", "", "one line describing the pass"),
        F("seed", "int", 0, "seed of every random draw (numpy SeedSequence)", (0, 2**63 - 1)),
    ),
    "orbit": (
        F("perijove_utc", "utc", "2018-04-01T09:45:00", "UTC of closest approach (two-body perijove)"),
        F("perijove_altitude_km", "float", 4200.0,
          "perijove altitude above the reference ellipsoid, nearest-point (SPICE nearpt/subpnt NEAR POINT) "
          "sense; facts.md 'Juno's orbit': ~4,200 km", (300.0, 2.0e6)),
        F("perijove_latitude_deg", "float", 5.0,
          "planetocentric latitude of Juno's position at perijove (= SPICE subpnt INTERCEPT point)", (-89.0, 89.0)),
        F("period_days", "float", 53.5, "orbital period; facts.md: 53-day orbit (later 43, 38, 33)",
          (0.5, 400.0)),
        F("perijove_local_time_h", "float", 10.0,
          "local solar time of the perijove meridian (12 = noon, 6 = dawn); orients the polar orbit plane",
          (0.0, 24.0)),
        F("j2", "bool", False, "integrate Jupiter's J2 numerically (SPK type 13) instead of a two-body conic"),
        F("j2_value", "float", 0.0146966,
          "Jupiter's J2 at 71,492 km reference radius (assumption from Iess et al. 2018, Nature 555)",
          (0.0, 0.05)),
        F("gm_km3_s2", "float", 126686534.0, "Jupiter's GM; facts.md 'Jupiter'", (1.0e8, 1.5e8)),
    ),
    "spin": (
        F("rate_rpm", "float", 2.0, "spin rate about +Z of JUNO_SPACECRAFT; facts.md: 2 rpm nominal",
          (0.1, 10.0)),
        F("axis", "str", "earth", "spin axis direction: toward Earth (flight), the Sun, or axis_ra/dec_deg",
          choices=("earth", "sun", "radec")),
        F("axis_ra_deg", "float", 0.0, "J2000 right ascension of the spin axis when axis = 'radec'",
          (0.0, 360.0)),
        F("axis_dec_deg", "float", 0.0, "J2000 declination of the spin axis when axis = 'radec'",
          (-90.0, 90.0)),
        F("phase_deg", "float", 0.0,
          "spin phase at perijove: angle of the spacecraft -X axis (JunoCam's boresight side) from the "
          "direction of Jupiter's centre projected on the spin plane, positive about +Z", (0.0, 360.0)),
        F("nutation_amplitude_deg", "float", 0.0, "half-angle of a coning of the spin axis (assumption)",
          (0.0, 5.0)),
        F("nutation_period_s", "float", 120.0, "period of the coning (assumption)", (1.0, 1.0e5)),
    ),
    "geometry": (
        F("aberration_correction", "str", "LT+S",
          "SPICE aberration correction for everything the camera sees", choices=ABERRATION_CORRECTIONS),
        F("coverage_before_h", "float", 12.0, "kernel coverage before perijove", (0.1, 2000.0)),
        F("coverage_after_h", "float", 12.0, "kernel coverage after perijove", (0.1, 2000.0)),
    ),
    "imaging": (
        F("start_utc", "utc", None,
          "UTC of the image's START_TIME (absent = the perijove time)", optional=True),
        F("frames", "int", 26, "number of frames (spacecraft rotations' worth of framelets)", (1, 500)),
        F("filters", "list[str]", ["BLUE", "GREEN", "RED"], "filters read out, any order", choices=FILTER_NAMES),
        F("tdi", "int", 1, "time-delay-integration stages (exposure = tdi x 3.2 ms); facts.md", (1, 100)),
        F("interframe_delay_s", "float", 0.371, "INTERFRAME_DELAY label value; facts.md 'Timing'",
          (0.1, 10.0)),
        F("summing", "int", 1, "pixel summing (SAMPLING_FACTOR)", (1, 2)),
        F("companding", "str", "SQROOT", "12 -> 8 bit companding table",
          choices=("SQROOT", "LIN1", "LIN8", "LIN16")),
        F("compression", "str", "INTEGER COSINE TRANSFORM", "COMPRESSION_TYPE",
          choices=("NONE", "LOSSLESS", "INTEGER COSINE TRANSFORM")),
        F("quality", "int", 85, "transform-compression quality, 1 (coarse) .. 100 (finest)", (1, 100)),
        F("focal_plane_temperature_k", "float", 273.0, "FOCAL_PLANE_TEMPERATURE", (150.0, 350.0)),
        F("orbit_number", "int", 12, "perijove number written in the product ID", (0, 999)),
    ),
    "errors": (
        F("start_time_jitter_ms", "float", 0.0,
          "injected start-time error, true minus reported start (ms; facts.md: jitter 'of order 20 ms')",
          (-1000.0, 1000.0)),
        F("start_time_jitter_sigma_ms", "float", 0.0,
          "standard deviation of a further random start-time error drawn from the seed (ms)", (0.0, 1000.0)),
        F("interframe_delay_error_ms", "float", 0.0, "true minus labelled interframe delay", (-100.0, 100.0)),
        F("attitude_offset_mrad", "list[float]", [0.0, 0.0, 0.0],
          "small rotation of the camera about its x, y, z axes, true minus kernel", (-100.0, 100.0), length=3),
        F("spin_rate_error_rpm", "float", 0.0, "true minus kernel spin rate", (-1.0, 1.0)),
        F("distortion_k1", "float", None, "true K1 (absent = the kernel's)", (-1e-6, 1e-6), optional=True),
        F("distortion_k2", "float", None, "true K2 (absent = the kernel's)", (-1e-12, 1e-12), optional=True),
        F("gain_error", "dict[float]", {"METHANE": 1.0, "BLUE": 1.0, "GREEN": 1.0, "RED": 1.0},
          "multiplicative gain error per filter", (0.5, 2.0), choices=FILTER_NAMES),
    ),
    "scene": (
        F("model", "str", "procedural", "Jupiter's appearance: procedural bands or a map",
          choices=("procedural", "map")),
        F("map_path", "str", None, "cylindrical map image when model = 'map'", optional=True),
        F("photometry", "str", "minnaert", "photometric function name (validated by scenes)"),
        F("minnaert_k", "float", None, "Minnaert exponent (absent = the scene's default)", (0.0, 2.0),
          optional=True),
        F("texture_seed", "int", 1,
          "seed of the procedural texture: Jupiter's look, independent of the scenario seed, which draws only "
          "the noise", (0, 2**63 - 1)),
        F("bodies", "list[table]", [], "extra bodies (meshes, ellipsoids), validated by scenes"),
        F("features", "list[str]", list(FEATURE_FAMILIES),
          "procedural Jupiter's feature families drawn (scenes.jupiter_features; ['none'] = only belts and "
          "turbulence)", choices=FEATURE_FAMILIES + ("none",)),
        F("polar_haze", "float", 0.5, "how much the polar hazes damp the cloud texture (assumption)", (0.0, 1.0)),
        F("feature_shapes", "table", {},
          "how the ovals', cyclones', FFRs', GRS's and barges' inner patterns are drawn: fields of "
          "scenes.feature_patterns.FeatureShapes (absent = its defaults), validated by scenes"),
    ),
    "noise": (
        F("enabled", "bool", True, "master switch of the detector noise chain"),
        F("shot", "bool", True, "photon and dark shot noise"),
        F("read", "bool", True, "read noise"),
        F("dark", "bool", True, "dark current"),
        F("prnu", "bool", True, "pixel response non-uniformity"),
        F("flat", "bool", True, "flat field / vignetting"),
        F("hot_pixels", "bool", True, "hot pixels"),
        F("radiation", "bool", True, "radiation hits"),
        F("radiation_hits_per_cm2_s", "float", 0.0,
          "radiation hit rate at radiation_reference_km from Jupiter's centre (no published JunoCam value: 0 = "
          "none; an assumption of yours when set)", (0.0, 1e9)),
        F("radiation_reference_km", "float", 142984.0,
          "distance where that rate applies (default 2 Jupiter radii)", (1000.0, 1e8)),
        F("radiation_exponent", "float", 3.0,
          "the rate scales as (radiation_reference_km / distance)^exponent (assumption)", (0.0, 10.0)),
        F("blooming", "bool", True, "full-well saturation and blooming"),
        F("fixed_pattern_seed", "int", 1,
          "seed of the camera's fixed pattern (PRNU, hot pixels): a property of the camera, not of one image, "
          "so it is independent of the scenario seed", (0, 2**63 - 1)),
    ),
    "mission": (  # mission time: the camera's radiation-aged state (simulator/mission.py, junocam/aging.py)
        F("enabled", "bool", True, "age the camera to the perijove below (false: the camera's defaults as they are)"),
        F("perijove", "float", None, "perijove the camera is at (absent = the date below, else imaging.orbit_number)",
          (0.0, 200.0), optional=True),
        F("date", "utc", None, "UTC date giving the perijove (the last one before it) when perijove is absent",
          optional=True),
        F("response", "dict[float]", None,
          "override of the per-filter response factors (1 = pristine; absent = the ageing model's)", (0.0, 10.0),
          choices=FILTER_NAMES, optional=True),
        F("stray_light_iof", "dict[float]", None,
          "override of the per-filter scattered light, as I/F (absent = the model's: METHANE 0.002)", (0.0, 1.0),
          choices=FILTER_NAMES, optional=True),
        F("dark_scale", "float", None, "override of the dark-current factor (1 = the detector defaults, PJ28)",
          (0.0, 1000.0), optional=True),
        F("read_noise_scale", "float", None, "override of the read-noise factor", (0.0, 1000.0), optional=True),
        F("hot_pixel_scale", "float", None, "override of the hot-pixel density factor", (0.0, 1000.0),
          optional=True),
    ),
    "detector": (
        F("model", "str", "junocam",
          "detector model: 'junocam' (dark, defects and flat measured on real frames) or 'ideal' (the earlier "
          "idealised detector)", choices=("junocam", "ideal")),
        F("read_noise_e", "float", None, "read noise without dark signal, e- rms (absent = the camera's: 35.5 e-; "
          "PJ28 strips 3.60 / 3.72 / 3.81 DN with dark_noise_dn2_per_dn)", (0.0, 1000.0), optional=True),
        F("dark_noise_dn2_per_dn", "float", None,
          "noise variance (DN^2) added per DN of the framelet's dark level above the bias (absent = the camera's: "
          "0.8, fitted to the PJ28 dark strips; 0 = one read noise for all strips)", (0.0, 100.0), optional=True),
        F("read_noise_correlation", "float", None,
          "read-noise correlation of neighbours along a line (absent = 0, white: the PJ28 strips' 0.005-0.007)",
          (0.0, 0.99), optional=True),
        F("dark_level_scale", "float", 1.0, "multiplies the dark levels (PJ28: 8.8/10.1/11.4 DN B/G/R)",
          (0.0, 100.0)),
        F("warm_column_scale", "float", 1.0, "multiplies the number of column defects (PJ28: 19/51/80 > 5 DN)",
          (0.0, 100.0)),
        F("hot_pixel_density_scale", "float", 1.0, "multiplies the number of hot pixels", (0.0, 100.0)),
        F("hot_pixel_amplitude_scale", "float", 1.0, "multiplies the hot pixels' amplitudes", (0.0, 100.0)),
        F("flat_path", "str", None, "your flat field (TIFF/PNG/FITS; strip, B/G/R stack or full CCD)",
          optional=True),
        F("dark_path", "str", None, "your dark/bias frame: 12-bit DN, or a float frame in [0, 1] = DN / 2879 "
          "(debias18.tiff)", optional=True),
        F("dark_scale", "float", None, "multiplies dark_path's values instead (absent = the reader's rule)",
          (1e-6, 1e9), optional=True),
        F("bad_pixel_mask_path", "str", None, "your bad-pixel mask (nonzero = bad)", optional=True),
        F("bad_pixel_response", "float", 0.5, "relative response of the mask's pixels (assumption)", (0.0, 1.0)),
    ),
    "render": (
        F("supersample", "int", 4,
          "sub-pixel samples per axis near limbs and body edges (4 puts the limb within 0.1 px of limbpt)", (1, 16)),
        F("psf_sigma_px", "float", 0.5, "Gaussian PSF sigma (assumption)", (0.0, 10.0)),
        F("time_oversample", "int", 2, "time samples per exposure (motion blur)", (1, 64)),
    ),
}
del F


def _dataclass_for(table: str) -> type:
    fields = [(f.name, Any, dataclasses.field(default=None)) for f in SCHEMA[table]]
    return dataclasses.make_dataclass(f"{table.capitalize()}Table", fields, frozen=True)


TABLE_CLASSES: dict[str, type] = {t: _dataclass_for(t) for t in SCHEMA if t}


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: top-level keys plus one frozen dataclass per table (``scenario.orbit.period_days``)."""

    name: str
    description: str
    seed: int
    orbit: Any
    spin: Any
    geometry: Any
    imaging: Any
    errors: Any
    scene: Any
    noise: Any
    detector: Any
    render: Any
    source: str = ""
    mission: Any = None   # [mission] table (simulator/mission.py)

    def table(self, name: str) -> dict:
        """Return table ``name`` as a plain (deep-copied) dict, e.g. ``scenario.table("scene")``."""
        if name not in TABLE_CLASSES:
            raise ScenarioError(f"unknown scenario table {name!r}; expected one of {sorted(TABLE_CLASSES)}")
        return copy.deepcopy(dataclasses.asdict(getattr(self, name)))

    def to_dict(self) -> dict:
        """All keys as nested plain dicts (``None`` for absent optional keys)."""
        out = {"name": self.name, "description": self.description, "seed": self.seed}
        out.update({t: self.table(t) for t in TABLE_CLASSES})
        return out

    def digest(self, tables: tuple[str, ...] | None = None) -> str:
        """SHA-256 hex digest of the resolved values (of ``tables`` only when given)."""
        data = self.to_dict()
        if tables is not None:
            data = {t: data[t] for t in tables}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def replace(self, **tables: dict) -> "Scenario":
        """A copy with some keys changed, e.g. ``s.replace(orbit={"j2": True})`` (validated)."""
        data = self.to_dict()
        for t, values in tables.items():
            if isinstance(values, dict) and t in TABLE_CLASSES:
                data[t].update(values)
            else:
                data[t] = values
        return scenario_from_dict(data, source=self.source)


# ----------------------------------------------------------------------------------------- validation
def _check_value(key: str, f: Field, value: Any) -> Any:
    def fail(expected: str) -> ScenarioError:
        return ScenarioError(f"scenario key {key} = {value!r} is invalid: expected {expected}")

    def number(v: Any, integer: bool) -> float | int:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
            raise fail("an integer" if integer else "a number")
        if not integer and not math.isfinite(v):
            raise fail("a finite number")
        if f.range is not None and not (f.range[0] <= v <= f.range[1]):
            raise fail(f"a value in [{f.range[0]}, {f.range[1]}]")
        return int(v) if integer else float(v)

    def string(v: Any) -> str:
        if not isinstance(v, str):
            raise fail("a string")
        if f.choices is not None:
            if v.upper() in f.choices:
                return v.upper()
            if v in f.choices:
                return v
            raise fail(f"one of {', '.join(f.choices)}")
        return v

    if value is None:
        if f.optional:
            return None
        raise fail("a value")
    kind = f.kind
    if kind == "float":
        return number(value, False)
    if kind == "int":
        return number(value, True)
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail("true or false")
        return value
    if kind == "str":
        return string(value)
    if kind == "utc":
        if not isinstance(value, str):
            raise fail("an ISO-8601 UTC string such as 2017-12-16T17:43:00")
        try:
            _dt.datetime.fromisoformat(value.strip().removesuffix("Z"))
        except ValueError:
            raise fail("an ISO-8601 UTC string such as 2017-12-16T17:43:00") from None
        return value.strip().removesuffix("Z")
    if kind.startswith("list[") and kind != "list[table]":
        if not isinstance(value, list):
            raise fail("a list")
        if f.length is not None and len(value) != f.length:
            raise fail(f"a list of {f.length} values")
        item = Field(f.name, kind[5:-1], None, f.doc, f.range, f.choices)
        items = [_check_value(f"{key}[{i}]", item, v) for i, v in enumerate(value)]
        if kind == "list[str]" and (not items or len(set(items)) != len(items)):
            raise fail("a non-empty list without repeats")
        return items
    if kind == "list[table]":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise fail("a list of tables")
        return copy.deepcopy(value)
    if kind == "table":
        if not isinstance(value, dict):
            raise fail("a table")
        return copy.deepcopy(value)
    if kind == "dict[float]":
        if not isinstance(value, dict):
            raise fail("a table of numbers")
        out = {}
        for k, v in value.items():
            kk = k.upper() if isinstance(k, str) else k
            if f.choices is not None and kk not in f.choices:
                raise ScenarioError(f"scenario key {key}.{k} is unknown; expected one of {', '.join(f.choices)}")
            out[kk] = number(v, False)
        return out
    raise AssertionError(f"schema kind {kind!r} of {key} is not handled")


def _check_table(table: str, given: Any, base: dict) -> dict:
    prefix = f"{table}." if table else ""
    if not isinstance(given, dict):
        raise ScenarioError(f"scenario key {table} must be a table")
    known = {f.name: f for f in SCHEMA[table]}
    for k in given:
        if k not in known and not (table == "" and (k in TABLE_CLASSES or k == "base")):
            raise ScenarioError(f"unknown scenario key {prefix}{k}; expected one of {', '.join(known)}")
    out = {}
    for name, f in known.items():
        if name in given:
            value = given[name]
            if f.kind == "dict[float]" and isinstance(value, dict) and isinstance(base.get(name), dict):
                value = {**base[name], **{(k.upper() if isinstance(k, str) else k): v for k, v in value.items()}}
            out[name] = _check_value(prefix + name, f, value)
        else:
            out[name] = copy.deepcopy(base.get(name, f.default))
    return out


def _check_detector_files(detector: dict) -> None:
    """The ``[detector]`` table's calibration files exist and have a type we read (their shapes are checked
    when the renderer loads them)."""
    for key in ("flat_path", "dark_path", "bad_pixel_mask_path"):
        path = detector.get(key)
        if path is None:
            continue
        if Path(path).suffix.lower() not in (".tif", ".tiff", ".png", ".fits", ".fit", ".fts"):
            raise ScenarioError(f"scenario key detector.{key} = {path!r} is invalid: expected a .tif/.tiff, .png or "
                                ".fits file")
        if not Path(path).is_file():
            raise ScenarioError(f"scenario key detector.{key} = {path!r} is invalid: expected an existing file")


def _cross_check(values: dict) -> None:
    orbit, imaging, geom, scene = values["orbit"], values["imaging"], values["geometry"], values["scene"]
    if values["mission"]["perijove"] is not None and values["mission"]["date"] is not None:
        raise ScenarioError("scenario keys mission.perijove and mission.date are both set; give one of them")
    if scene["model"] == "map" and not scene["map_path"]:
        raise ScenarioError("scenario key scene.map_path is required when scene.model = 'map'")
    try:
        shapes_from_table(scene["feature_shapes"], "scenario key scene.feature_shapes")
    except SceneError as err:
        raise ScenarioError(str(err)) from None
    if imaging["start_utc"] is not None:
        peri = _dt.datetime.fromisoformat(orbit["perijove_utc"])
        start = _dt.datetime.fromisoformat(imaging["start_utc"])
        hours = (start - peri).total_seconds() / 3600.0
        span = imaging["frames"] * imaging["interframe_delay_s"] / 3600.0
        if not (-geom["coverage_before_h"] <= hours and hours + span <= geom["coverage_after_h"]):
            raise ScenarioError(
                f"scenario key imaging.start_utc = {imaging['start_utc']!r} lies outside the kernel coverage "
                f"(perijove {orbit['perijove_utc']} -{geom['coverage_before_h']} h .. "
                f"+{geom['coverage_after_h']} h); widen geometry.coverage_before_h/after_h")


def _defaults() -> dict:
    out = {f.name: copy.deepcopy(f.default) for f in SCHEMA[""]}
    out.update({t: {f.name: copy.deepcopy(f.default) for f in SCHEMA[t]} for t in TABLE_CLASSES})
    return out


def scenario_from_dict(data: dict, base: dict | None = None, source: str = "") -> Scenario:
    """Validate ``data`` (nested dicts as parsed from TOML) over ``base`` (defaults) and build a Scenario."""
    base = base if base is not None else _defaults()
    top = _check_table("", data, base)
    values = dict(top)
    for t in TABLE_CLASSES:
        values[t] = _check_table(t, data.get(t, {}), base.get(t, {}))
    _cross_check(values)
    _check_detector_files(values["detector"])
    tables = {t: TABLE_CLASSES[t](**values[t]) for t in TABLE_CLASSES}
    return Scenario(name=top["name"], description=top["description"], seed=top["seed"], source=source, **tables)


# ----------------------------------------------------------------------------------------- loading
def _builtin_dir():
    return resources.files("simulator") / "scenarios"


def list_scenarios() -> dict[str, str]:
    """Built-in scenario names mapped to their one-line descriptions."""
    out = {}
    for entry in sorted(_builtin_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text())
            out[entry.name[:-5]] = str(data.get("description", ""))
    return out


def _parse(text: str, where: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario {where} is not valid TOML: {exc}") from None


def load_scenario(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> Scenario:
    """Load a built-in scenario by name or a TOML file by path, fill defaults, validate.

    A file may say ``base = "pj10"`` to start from a built-in scenario (or another file) and change a few keys.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text_name = str(name_or_path)
    builtin = _builtin_dir() / f"{text_name}.toml"
    path = Path(text_name)
    if "/" not in text_name and not text_name.endswith(".toml") and builtin.is_file():
        data, where = _parse(builtin.read_text(encoding="utf-8"), text_name), text_name
    elif path.is_file():
        try:
            text = path.read_bytes().decode("utf-8")     # TOML is UTF-8 by definition
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"scenario file {str(path)!r} is not UTF-8 text (byte {exc.start} is "
                                f"0x{exc.object[exc.start]:02x}); expected a TOML file") from None
        data, where = _parse(text, str(path)), str(path)
    else:
        raise ScenarioError(f"scenario {text_name!r} is neither a built-in scenario "
                            f"({', '.join(list_scenarios())}) nor a TOML file")
    if where in _seen:
        raise ScenarioError(f"scenario {where!r} names itself as its base")
    base = None
    if "base" in data:
        if not isinstance(data["base"], str):
            raise ScenarioError(f"scenario key base = {data['base']!r} is invalid: expected a scenario name")
        base_path = data["base"]
        if not (_builtin_dir() / f"{base_path}.toml").is_file() and not Path(base_path).is_absolute():
            base_path = str(Path(where).parent / base_path) if path.is_file() else base_path
        base = load_scenario(base_path, _seen + (where,)).to_dict()
        data = {k: v for k, v in data.items() if k != "base"}
    return scenario_from_dict(data, base=base, source=where)


# ----------------------------------------------------------------------------------------- TOML output
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise ScenarioError(f"cannot write {v!r} as TOML")


def _toml_key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def scenario_to_toml(scenario: Scenario, comments: bool = True) -> str:
    """The resolved scenario as TOML (every key, absent optional keys as comments); round-trips."""
    data = scenario.to_dict()
    lines: list[str] = []
    for table, fields in SCHEMA.items():
        values = data if table == "" else data[table]
        if table:
            lines += ["", f"[{table}]"]
        for f in fields:
            doc = f"  # {f.doc}" if comments else ""
            if values[f.name] is None:
                lines.append(f"# {f.name} = (absent){doc}")
            else:
                lines.append(f"{f.name} = {_toml_value(values[f.name])}{doc}")
    return "\n".join(lines) + "\n"
