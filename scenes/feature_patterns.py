"""Internal structure of Jupiter's discrete features: seeded, band-limited pattern textures per vortex.

Each white oval, cyclone and folded filamentary region (FFR) of :mod:`scenes.jupiter_features` draws its
inside from a small pattern texture ``P(u, w)`` in [0, 1] (1 = the feature's bright colour, 0 = its dark
one) over the vortex's elliptic coordinates ``u = east offset / east_km``, ``w = north offset / north_km``
(|u|, |w| <= ``extent``). The textures are a small library made once per process from seeded turbulence
moved the way the feature's flow moves cloud (each vortex picks a variant, turn and mirror from the scene's
seed), after the published descriptions:

* **white ovals** (anticyclones): ground-based telescopes see them uniformly white, JunoCam resolves
  small-scale structure inside with little motion at the centre (NASA/JPL PJ13 release, 2018: winds
  probably slow toward the centre); a close-up of the NNTZ oval NN-WS-4 showed spiral ridges of cloud and
  rapid rotation (Rogers, BAA report on PJ12, 2018). Pattern: a bright smooth core, a darker collar
  ring, and trailing spiral filaments in the collar from turbulence advected by a differential rotation
  whose shear peaks near the rim (``oval_*`` fields).
* **cyclones**: "each cyclone has a circular outline with a prominent system of trailing spiral arms;
  in the north, the internal morphology of adjacent cyclones alternates" (Orton et al., EPSC 2017-151, on
  the circumpolar cyclones; Adriani et al. 2018, Nature 555, 216). Pattern: filaments from turbulence
  wound by a twist that grows inward (tightly wound trailing arms), half the variants "filamentary" with a
  dark centre and a few lobes, half "filled" (a compact bright interior) (``cyclone_*`` fields).
* **FFRs**: "multiple lobes of stratiform aerosols, separated by darker, cloud-free lanes, and embedded
  with smaller eddies" (Fletcher et al. 2026, JGR Planets 131, e2025JE009315); "chaotic cyclonic
  regions" (Rogers, BAA PJ20 report); "billowing white clouds ... which quickly transform into thinner,
  elongated filamentary structures" (NASA/JPL release of JunoCam's PJ61 image, 2024). The real PJ32
  south-polar GREEN map (JNCE_2021052_32C00054, ~50 km/px) shows them as bands of crinkled bright ribbons
  ~150-400 km wide, ~500-750 km apart, with dark lanes between (read off the map by eye). Pattern: a smooth
  seeded field folded by a few random smooth shear maps; bright ribbons along ``ffr_filaments`` of its level
  sets per unit std (``ffr_ridge`` of each spacing bright), dark lanes between, brightness varied along them
  by lobes, the whole shifted so its mean over the region is :data:`NEUTRAL` (the region reorganises the
  cloud beneath without darkening it; before, thin dark lanes between lobes read as dark mottled patches
  at JunoCam's scales). The elliptic coordinates stretch it east-west by the region's 1.5-3x elongation.
* **the Great Red Spot**: an orange-red oval with a darker red collar and spiral cloud bands inside (Simon
  et al. 2015, ApJ 812, 55, on OPAL's 2015 maps: "a reduced core and new filamentary features"; JunoCam's
  PJ7 close-ups). Pattern: the white ovals' generator with its own core, collar and twist (``grs_*``).
* **NEB barges**: dark red-brown cyclones on the NEB's northern edge. Pattern: a dark interior, paler
  trailing filaments towards the rim (``barge_*``).

Every pattern is generated spiralling counter-clockwise (in the east-north plane seen from outside); a
vortex turning the other way (negative ``swirl_rad``) looks its pattern up mirrored. Band limit: level 0
holds no wavelength below ~3 texels (a final Gaussian blur), and each coarser mip level halves the
resolution after a binomial low-pass; :func:`pattern_levels` picks, per vortex and call, the level whose
texels are at least one pixel footprint (trilinear between levels, so detail fades smoothly and nothing
finer than ~2-3 footprints is drawn). Sizes and strengths are documented assumptions (fields of
:class:`FeatureShapes`), chosen to look like the images cited and keep the cloud field's texture figures of
issue #13 (README "Scenes").
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import ndimage

# Pattern kinds, in the order of their rows in PatternSet.data (variants of a kind are consecutive).
PATTERN_KINDS = ("oval", "cyclone", "ffr", "grs", "barge")
_TAG = 0xFEA7_5EED          # SeedSequence entropy tag of the pattern streams (independent of the others)
# Pattern value of "no change" for the kinds whose colours scale the albedo beneath (cyclones, FFRs):
# scenes.jupiter's factors are 1 there (bright = 1 + 0.4 c, dark = 1 - 0.6 c for a contrast c).
NEUTRAL = 0.6


@dataclass(frozen=True)
class FeatureShapes:
    """How the pattern textures are made (all documented assumptions; see the module docstring).

    ``size`` texels per side of level 0 over ``|u|, |w| <= extent``; ``variants`` textures per kind, drawn
    from ``pattern_seed`` (a library shared by every appearance, made once per process; each vortex picks a
    variant, turn and mirror from the appearance's seed, see :func:`vortex_pattern`). ``blur_texels``: the
    Gaussian sigma of the final low-pass (level 0 keeps no wavelength under ~3 texels). Ovals: a bright
    core out to ``oval_core`` (elliptic radius), a collar ``oval_collar_depth`` darker centred on
    ``oval_collar``, filaments of amplitude ``oval_filaments`` wound by ``oval_twist_rad`` of differential
    rotation. Cyclones: a twist of ``cyclone_twist_rad`` at the centre falling to 0 at the rim (trailing
    arms), filament strength ``cyclone_filaments``, a dark centre ``cyclone_dark_centre`` in the
    filamentary variants. FFRs: ``ffr_folds`` random shear folds of amplitude ``ffr_fold`` (elliptic
    units), ``ffr_filaments`` bright ribbons per unit std of the folded field, ``ffr_ridge`` (0..1) the bright
    share of each ribbon spacing, ``ffr_lane_level`` (0..1) the pattern value of the dark lanes before the
    shift to a neutral mean. The Great Red Spot is
    drawn as a large oval (``grs_*``: its orange core, the darker red collar, spiral filaments wound by the
    differential rotation); NEB barges as dark cyclones, a dark interior out to ``barge_core`` and paler
    trailing filaments (``barge_*``) towards the rim.
    """

    size: int = 128
    extent: float = 1.1
    variants: int = 4
    pattern_seed: int = 0
    blur_texels: float = 1.0
    oval_core: float = 0.55
    oval_collar: float = 0.85
    oval_collar_depth: float = 0.4
    oval_filaments: float = 0.45
    oval_twist_rad: float = 7.0
    cyclone_twist_rad: float = 10.0
    cyclone_filaments: float = 0.45
    cyclone_dark_centre: float = 0.4
    ffr_folds: int = 4
    ffr_fold: float = 0.3
    ffr_filaments: float = 0.8
    ffr_ridge: float = 0.6
    ffr_lane_level: float = 0.25
    grs_core: float = 0.45
    grs_collar: float = 0.78
    grs_collar_depth: float = 0.55
    grs_filaments: float = 0.5
    grs_twist_rad: float = 5.0
    barge_core: float = 0.6
    barge_twist_rad: float = 6.0
    barge_filaments: float = 0.35

    def __post_init__(self) -> None:
        from scenes.errors import SceneError
        for name in FEATURE_SHAPE_KEYS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not (
                    np.isfinite(value) and value >= 0):
                raise SceneError(f"feature shape {name} = {value!r} must be a finite number >= 0")
            if name in INTEGER_SHAPE_KEYS and value != int(value):
                raise SceneError(f"feature shape {name} = {value!r} must be a whole number")
        if not (16 <= int(self.size) <= 1024 and int(self.size) & (int(self.size) - 1) == 0):
            raise SceneError(f"feature shape size = {self.size!r} must be a power of two between 16 and 1024")
        if not self.extent >= 1.02:
            raise SceneError(f"feature shape extent = {self.extent!r} must be >= 1.02 (the pattern covers the vortex)")
        if int(self.variants) < 1:
            raise SceneError(f"feature shape variants = {self.variants!r} must be a positive count")


# The fields of FeatureShapes (the scenario's ``[scene] feature_shapes`` keys) and those that count things.
FEATURE_SHAPE_KEYS = tuple(FeatureShapes.__dataclass_fields__)
INTEGER_SHAPE_KEYS = ("size", "variants", "pattern_seed", "ffr_folds")


def shapes_from_table(table, where: str = "scene.feature_shapes") -> FeatureShapes:
    """A :class:`FeatureShapes` from a table ``{field: number}`` (absent fields keep their defaults); an unknown
    key, a non-number or an out-of-range value raises :class:`scenes.errors.SceneError` naming ``where.key``."""
    from scenes.errors import SceneError
    if not isinstance(table, dict):
        raise SceneError(f"{where} = {table!r} must be a table of numbers keyed by {', '.join(FEATURE_SHAPE_KEYS)}")
    unknown = [k for k in table if k not in FEATURE_SHAPE_KEYS]
    if unknown:
        raise SceneError(f"{where}.{unknown[0]} is unknown; expected one of {', '.join(FEATURE_SHAPE_KEYS)}")
    values = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SceneError(f"{where}.{key} = {value!r} must be a number")
        if key in INTEGER_SHAPE_KEYS and np.isfinite(value) and value == int(value):
            value = int(value)        # TOML may spell a count 4.0
        values[key] = value
    try:
        return FeatureShapes(**values)
    except SceneError as err:      # "feature shape KEY = ..." -> "WHERE.KEY = ..."
        raise SceneError(str(err).replace("feature shape ", f"{where}.", 1)) from None


@dataclass(frozen=True)
class PatternSet:
    """Mip-mapped pattern textures: ``data`` ``(P, M)`` float32, row ``k * variants + j`` = variant ``j`` of
    ``PATTERN_KINDS[k]``, its levels concatenated (level ``l`` is ``level_size[l]`` squared texels, row-major
    with ``w`` along the first axis, from ``level_offset[l]``); ``extent`` as :class:`FeatureShapes`."""

    data: np.ndarray
    level_offset: np.ndarray
    level_size: np.ndarray
    extent: float
    variants: int


# -- generation ---------------------------------------------------------------------------------------------
def _grid(n: int, extent: float):
    """Texel centres ``(u, w)`` ``(n, n)`` (w along axis 0), elliptic units."""
    s = (np.arange(n) + 0.5) / n * 2.0 * extent - extent
    w, u = np.meshgrid(s, s, indexing="ij")
    return u, w


def _turbulence(rng: np.random.Generator, n: int, beta: float, min_wavelength_px: float) -> np.ndarray:
    """Periodic Gaussian field ``(n, n)``, 2-D spectrum ``k^-beta`` cut below ``min_wavelength_px``, unit std."""
    field = np.fft.irfft2(np.fft.rfft2(rng.normal(size=(n, n))) * _spectrum(n, beta, min_wavelength_px), s=(n, n))
    return field / max(float(field.std()), 1e-12)


@lru_cache(maxsize=32)
def _spectrum(n: int, beta: float, min_wavelength_px: float) -> np.ndarray:
    """Amplitude ``(n, n // 2 + 1)`` of :func:`_turbulence` (no mean, a steep cut-off below the wavelength)."""
    k = np.hypot(*np.meshgrid(np.fft.fftfreq(n), np.fft.rfftfreq(n), indexing="ij"))
    amplitude = np.where(k > 0, np.maximum(k, 1.0 / n), np.inf) ** (-beta / 2.0)
    return amplitude * np.exp(-((k * min_wavelength_px / 2.0) ** 4))


def _sample(field: np.ndarray, u: np.ndarray, w: np.ndarray, extent: float) -> np.ndarray:
    """``field`` (periodic over the table) at elliptic coordinates ``(u, w)``, bilinear (the field is smooth over several texels)."""
    n = field.shape[0]
    rows = (w + extent) / (2.0 * extent) * n - 0.5
    cols = (u + extent) / (2.0 * extent) * n - 0.5
    return ndimage.map_coordinates(field, [rows, cols], order=1, mode="grid-wrap")


def _rotate(u, w, angle):
    c, s = np.cos(angle), np.sin(angle)
    return c * u - s * w, s * u + c * w


def _smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _oval(rng, shapes: FeatureShapes, core_r: float, collar_r: float, depth: float, filaments_amp: float,
          twist_rad: float) -> np.ndarray:
    """An anticyclone (white ovals; the GRS with its own fields): bright core out to ``core_r``, a collar
    ``depth`` darker at ``collar_r``, filaments of ``filaments_amp`` wound by ``twist_rad``."""
    n, e = shapes.size, shapes.extent
    u, w = _grid(n, e)
    r = np.hypot(u, w)
    # Differential rotation (counter-clockwise flow): the angle a parcel has turned falls from the centre
    # outward, steepest in the collar, so turbulence there is drawn out into trailing spiral filaments.
    theta = twist_rad * (1.0 - _smoothstep(0.2, 1.0, r))
    field = _sample(_turbulence(rng, n, 3.0, 10.0), *_rotate(u, w, -theta), e)
    filaments = np.tanh(1.5 * field) * _smoothstep(core_r - 0.25, core_r + 0.15, r)
    collar = depth * np.exp(-(((r - collar_r) / 0.12) ** 2))
    core = 1.0 - 0.1 * _smoothstep(0.0, core_r, r)
    return np.clip(core - collar + filaments_amp * filaments * (0.4 + collar), 0.0, 1.0)


def _barge(rng, shapes: FeatureShapes) -> np.ndarray:
    """A dark cyclonic barge: 0 (its dark colour) inside ``barge_core``, rising to 1 (the paler rim colour)
    at the rim, with trailing filaments wound by a twist growing inward (as the cyclones')."""
    n, e = shapes.size, shapes.extent
    u, w = _grid(n, e)
    r = np.hypot(u, w)
    theta = shapes.barge_twist_rad * (1.0 - _smoothstep(0.0, 1.05, r)) ** 1.5
    arms = np.tanh(1.8 * _sample(_turbulence(rng, n, 2.8, 8.0), *_rotate(u, w, -theta), e))
    rim = _smoothstep(shapes.barge_core - 0.2, 1.0, r)
    return np.clip(0.1 + 0.8 * rim + shapes.barge_filaments * arms * _smoothstep(0.2, 0.8, r), 0.0, 1.0)


def _cyclone(rng, shapes: FeatureShapes, filamentary: bool) -> np.ndarray:
    n, e = shapes.size, shapes.extent
    u, w = _grid(n, e)
    r = np.hypot(u, w)
    # A twist that grows inward (angular velocity falling outward): trailing arms wound tighter at the centre.
    theta = shapes.cyclone_twist_rad * (1.0 - _smoothstep(0.0, 1.05, r)) ** 1.5
    field = _sample(_turbulence(rng, n, 2.8, 8.0), *_rotate(u, w, -theta), e)
    arms = 0.5 + 0.5 * np.tanh(1.8 * field)
    if filamentary:
        lobes = int(rng.integers(2, 5))
        phase = rng.uniform(0.0, 2.0 * np.pi)
        lobe = 0.5 + 0.5 * np.cos(lobes * (np.arctan2(w, u) + theta) + phase)
        pattern = shapes.cyclone_filaments * (arms - 0.5) + 0.5 + 0.12 * lobe * _smoothstep(0.1, 0.5, r)
        pattern *= 1.0 - shapes.cyclone_dark_centre * np.exp(-((r / 0.22) ** 2))
    else:
        interior = 1.0 - _smoothstep(0.35, 0.9, r)
        pattern = 0.45 + 0.3 * interior + shapes.cyclone_filaments * (arms - 0.5) * (1.0 - 0.5 * interior)
    return np.clip(pattern, 0.0, 1.0)


def _ffr(rng, shapes: FeatureShapes) -> np.ndarray:
    n, e = shapes.size, shapes.extent
    u, w = _grid(n, e)
    # Trace each texel back through a few random smooth shear folds (alternately along u and w), then read
    # a turbulent field there: its contours are folded and drawn out into lobes.
    bu, bw = u.copy(), w.copy()
    for i in range(int(shapes.ffr_folds)):
        k = rng.uniform(2.0, 4.5)
        phase = rng.uniform(0.0, 2.0 * np.pi)
        amp = shapes.ffr_fold * rng.uniform(0.6, 1.4)
        if i % 2 == 0:
            bu = bu + amp * np.sin(k * bw + phase) + 0.4 * amp * bw
        else:
            bw = bw + amp * np.sin(k * bu + phase)
    # Bright filaments of stratiform cloud along the folded field's level sets, ``ffr_filaments`` per unit
    # of its std, separated by dark cloud-free lanes; ``ffr_ridge`` (0..1) of each spacing is bright. A
    # brightness field of lobes varies the filaments' brightness along them, and small unfolded eddies
    # roughen them.
    field = _sample(_turbulence(rng, n, 4.0, 10.0), bu, bw, e)
    crest = 0.5 + 0.5 * np.cos(2.0 * np.pi * shapes.ffr_filaments * field)
    ridges = _smoothstep(1.0 - shapes.ffr_ridge, 1.0, crest)
    lobes = 0.5 + 0.5 * np.tanh(_sample(_turbulence(rng, n, 3.5, 12.0), bu, bw, e))
    eddies = 0.5 + 0.5 * np.tanh(_turbulence(rng, n, 2.6, 5.0))
    # A ragged outline: filaments end at a folded radius between ~0.6 and 1, outside which the pattern is
    # NEUTRAL (the colours of scenes.jupiter scale the albedo beneath by 1 there), so the region frays
    # into its surroundings instead of ending on an ellipse.
    edge = 0.92 + 0.15 * np.tanh(_sample(_turbulence(rng, n, 3.0, 16.0), bu, bw, e))
    inside = 1.0 - _smoothstep(edge - 0.25, edge, np.hypot(u, w))
    region = shapes.ffr_lane_level + (1.0 - shapes.ffr_lane_level) * ridges * (0.6 + 0.4 * lobes) + 0.1 * (eddies - 0.5)
    # Mean NEUTRAL over the region: the FFR reorganises the cloud beneath without brightening or darkening it.
    region = region + (NEUTRAL - float(np.sum(region * inside) / np.sum(inside)))
    return np.clip(NEUTRAL + (region - NEUTRAL) * inside, 0.0, 1.0)


def _mip(level0: np.ndarray, blur_texels: float) -> list[np.ndarray]:
    """Band-limited level 0 and its mip levels (binomial [1 4 6 4 1] / 16 low-pass, then every 2nd texel)."""
    levels = [ndimage.gaussian_filter(level0, blur_texels, mode="nearest")]
    kernel = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    while levels[-1].shape[0] > 4:
        smooth = ndimage.convolve1d(ndimage.convolve1d(levels[-1], kernel, 0, mode="nearest"), kernel, 1,
                                    mode="nearest")
        levels.append(0.25 * (smooth[0::2, 0::2] + smooth[1::2, 0::2] + smooth[0::2, 1::2] + smooth[1::2, 1::2]))
    return levels


@lru_cache(maxsize=4)
def pattern_set(shapes: FeatureShapes = FeatureShapes()) -> PatternSet:
    """The pattern textures of every kind, seeded by ``shapes.pattern_seed`` (cached per ``shapes``; the
    same fields give the same bytes)."""
    seed = shapes.pattern_seed
    rows = []
    for k, kind in enumerate(PATTERN_KINDS):
        for j in range(int(shapes.variants)):
            rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, _TAG, k, j]))
            if kind == "oval":
                level0 = _oval(rng, shapes, shapes.oval_core, shapes.oval_collar, shapes.oval_collar_depth,
                               shapes.oval_filaments, shapes.oval_twist_rad)
            elif kind == "grs":
                level0 = _oval(rng, shapes, shapes.grs_core, shapes.grs_collar, shapes.grs_collar_depth,
                               shapes.grs_filaments, shapes.grs_twist_rad)
            elif kind == "cyclone":
                level0 = _cyclone(rng, shapes, filamentary=j % 2 == 0)
            elif kind == "barge":
                level0 = _barge(rng, shapes)
            else:
                level0 = _ffr(rng, shapes)
            rows.append(np.concatenate([a.ravel() for a in _mip(level0, shapes.blur_texels)]))
    sizes = np.array([shapes.size >> i for i in range(int(np.log2(shapes.size)) - 1)])     # down to 4 x 4
    offsets = np.concatenate([[0], np.cumsum(sizes * sizes)]).astype(np.int64)
    data = np.ascontiguousarray(np.stack(rows), dtype=np.float32)
    data.setflags(write=False)
    return PatternSet(data, offsets, sizes.astype(np.int64), float(shapes.extent), int(shapes.variants))


# -- per vortex ---------------------------------------------------------------------------------------------
def vortex_pattern(v, seed: int, shapes: FeatureShapes = FeatureShapes()) -> tuple[float, float, float, float, float]:
    """``(row, a, b, c, d)`` of vortex ``v``: its pattern row in :func:`pattern_set` (-1: none, a kind without
    a pattern) and the 2x2 matrix ``[[a, b], [c, d]]`` taking its ``(u, w)`` to table
    coordinates: a seeded turn (any angle for ovals and cyclones, 0 or 180 deg +- 10 deg for the zonally
    elongated FFRs) and a mirror when the vortex turns clockwise. Seeded by the vortex's name, so switching
    other features off leaves its look unchanged."""
    if v.kind not in PATTERN_KINDS:
        return (-1.0, 1.0, 0.0, 0.0, 1.0)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, _TAG, 99,
                                                        zlib.crc32(v.name.encode())]))
    row = PATTERN_KINDS.index(v.kind) * int(shapes.variants) + int(rng.integers(int(shapes.variants)))
    if v.kind == "ffr":
        angle = np.pi * int(rng.integers(2)) + rng.uniform(-0.17, 0.17)
    else:
        angle = rng.uniform(0.0, 2.0 * np.pi)
    mirror = -1.0 if v.swirl_rad < 0 else 1.0
    c, s = np.cos(angle), np.sin(angle)
    return (float(row), float(c * mirror), float(-s), float(s * mirror), float(c))


def texel_km(v, shapes: FeatureShapes = FeatureShapes()) -> float:
    """Size of a level-0 texel of vortex ``v`` along its shorter axis, km."""
    return 2.0 * shapes.extent * min(v.east_km, v.north_km) / shapes.size


def pattern_levels(texels_km: np.ndarray, footprint_km, n_levels: int) -> np.ndarray:
    """Mip level ``(V,)`` per vortex for the smallest of ``footprint_km`` (None: 0, full detail): log2 of
    footprint / texel, clipped to ``[0, n_levels - 1]``."""
    texels_km = np.asarray(texels_km, dtype=np.float64)
    if footprint_km is None or texels_km.size == 0:
        return np.zeros(texels_km.shape)
    foot = max(float(np.min(footprint_km)), 1e-9)
    return np.clip(np.log2(foot / texels_km), 0.0, float(n_levels - 1))


def sample_pattern(patterns: PatternSet, row: int, matrix, level: float, u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pattern value ``(N,)`` float64 of ``row`` at elliptic ``(u, w)``, trilinear at mip ``level`` (the
    numpy reference of the compiled lookup in :mod:`scenes.compiled_albedo`; coordinates clamp at the edge)."""
    a, b, c, d = matrix
    tu, tw = a * u + b * w, c * u + d * w
    lo = int(np.floor(level))
    frac = level - lo
    value = _bilinear(patterns, row, lo, tu, tw)
    if frac > 0.0:
        value = value + (_bilinear(patterns, row, lo + 1, tu, tw) - value) * frac
    return value


def _bilinear(patterns: PatternSet, row: int, level: int, tu: np.ndarray, tw: np.ndarray) -> np.ndarray:
    n = int(patterns.level_size[level])
    scale = n / (2.0 * patterns.extent)
    x = np.clip((tu + patterns.extent) * scale - 0.5, 0.0, n - 1.0)
    y = np.clip((tw + patterns.extent) * scale - 0.5, 0.0, n - 1.0)
    i = np.minimum(x.astype(np.int64), n - 2)
    j = np.minimum(y.astype(np.int64), n - 2)
    fx, fy = x - i, y - j
    table = patterns.data[row]
    base = int(patterns.level_offset[level]) + j * n + i
    v00 = table[base].astype(np.float64)
    v01 = table[base + 1].astype(np.float64)
    v10 = table[base + n].astype(np.float64)
    v11 = table[base + n + 1].astype(np.float64)
    top = v00 + (v01 - v00) * fx
    bottom = v10 + (v11 - v10) * fx
    return top + (bottom - top) * fy
