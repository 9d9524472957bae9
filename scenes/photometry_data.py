"""Published photometry of Jupiter per band, and the default tables :mod:`scenes.photometry` builds from it.

Sources (each number below carries its own):

* **Limb darkening per wavelength**: the Minnaert k with which the Hubble OPAL programme removes the limb
  darkening of its Jupiter maps, one k per WFC3/UVIS filter (Simon, Wong & Orton 2015, ApJ 812, 55; OPAL High
  Level Science Product, MAST doi:10.17909/T9G593; the table of the Jupiter cycle-31 README, images of
  2024-11-19/20, phase angle <= 11 deg from Earth). k rises with wavelength: 0.950 at 467-502 nm, 0.999 at
  631-658 nm, 1.000 in the 889 nm methane band. JunoCam's bands (scene wavelengths BLUE 480, GREEN 550,
  RED 650 nm, the wavelengths of Karkoschka's albedos the scene is calibrated to; the response-weighted
  centres of ``instrument_models.junocam.spectral``'s assumed passbands, 474 / 550 / 661 nm, give the same k)
  read k = 0.950 / 0.968 / 0.999.
* **Disk-integrated phase curve**: Mayorga et al. 2016 (AJ 152, 209) fit Cassini ISS phase curves of Jupiter
  (0-140 deg). Their GRN-filter fit, as adopted by the Astronomical Almanac (Mallama & Hilton 2018, Astronomy
  and Computing 25, 10, Eq. 9, joined at 12 deg to the ground-based Eq. 8 of Mallama & Schmude 2012), is
  :func:`mayorga_green_phase_curve`. Their fits in the other filters (BL1, RED, MT1-3, CB1-3) were not found in
  a form we could read; the GRN curve serves BLUE, GREEN and RED (assumption).
* **Which phases JunoCam sees, and the phase of the real figure** (computed here, ``tests/test_photometry_bands.py``
  checks the geometry on the real metadata in ../shared): the boresight is perpendicular to the spin axis, which
  points at Earth (Sun-Jupiter-Earth angle <= 11.5 deg), and the strips reach +-29 deg from the spin plane, so a
  point JunoCam sees has phase 90 +- 40.5 deg: 50-130 deg. The default scenario's pass (its own kernels, every
  lit point in the swath at all spin azimuths): 54-123 deg from -3 h to +3 h; near perijove 54-102 deg (median
  74), an hour or more away the medians are 94-122 deg: most images away from perijove look at > 90 deg. Real
  images: the PJ1 METHANE/BLUE frame 8 of
  JNCR_2016240_01M06152 (real kernels in ../shared/reference/real-pj1): 83-102 deg over the disk, 92.7 at the
  centre; the PJ27 images JNCE_2020154_27C00047/48 (metadata in ../shared): 62-66 deg at the sub-spacecraft
  point, bright limb at 95-98 deg; the PJ32 image JNCE_2021052_32C00054 ("PJ32 South Polar Region", 66,525 km
  over -55.8 deg, 2021-02-21 18:29:47 UTC), the image issue #13's texture and limb figures come from: 69-71 deg
  at the sub-spacecraft point and its bright limb (the limb point nearest the sub-solar point, incidence
  10-13 deg) at **100-103 deg**, the lit limb inside the swath at 68-103 deg (incidence < 60 deg: 83-103 deg).
  (Sun direction from ``simulator.kernelset.ephemeris``, Standish's elements, ~0.2 deg; the range is the
  planetographic / planetocentric reading of the metadata's latitude.) So issue #13's 13-19 % bright-limb
  falloff was read at a phase of ~100 deg. That image's public per-filter maps (kmgill/junocam_processing test
  data, measurement only) hold raw SQROOT codes (README "What the mission's maps hold"), so 13-19 % is a
  code-space figure: decompanded, the maps' falloff towards the Sun is 28.6 / 28.1 / 28.9 % (BLUE / GREEN / RED;
  within 20 deg of the Sun's direction median 24.4 / 25.1 / 27.7 %).
* **PJ32 fit** (``benchmarks.map_photometry``; the defaults below): the three decompanded maps read in their own
  geometry (the view from the spacecraft at START_TIME, Jupiter a sphere: the maps' limb is that circle within
  3 px), 1.36 M pixels with incidence < 85 and emission < 86 deg at phase 70-103 deg, fitted by
  ``log I = log A(5 deg latitude band) + P(phase) + k(phase) log(cos i cos e) - log cos e - tau (1/cos i +
  1/cos e - 2)``, ``k(phase) = K85 + DK (phase - 85) / 10``, ``P`` a quadratic: BLUE K85 0.918, DK 0.114,
  TAU 0.024; GREEN 0.929, 0.111, 0.028; RED 0.903, 0.120, 0.042 (:data:`PJ32_FIT`). Spread over pixel sets
  (incidence < 80-85, emission < 82-87 deg) and phase degree 2-3: K85 +-0.03, DK +-0.01, TAU +-0.01 (RED
  +-0.02). Why this form: a plain Minnaert law cannot hold both the disk and the bright limb. Over the disk
  (emission < 82 deg) the Minnaert fit gives k(85 deg) 0.95-1.01, which leaves the bright limb flat at ~100 deg
  (the sub-solar point lies beyond it, so cos i rises towards the limb), while the maps fall by ~25 % from
  0.9 to 0.995 R there, starting at ~0.93 R; the previous default (k 1.27 at 100 deg, fitted to the code-space
  16 %) darkened the limb, but with k 0.2 above the disk's. A free ``cos i^b cos e^c`` fit cannot separate b
  from the phase in one image (phase, incidence and emission are tied by the view: b 0.3-1.4 with the phase
  polynomial's degree), while c is stable at -0.03..+0.07 over the disk: darkening that grows steeply only
  towards grazing emission, the signature of an absorbing layer above a scattering cloud (the two-way path
  ``1/cos i + 1/cos e``; Beer-Lambert, the reflecting-layer-plus-haze picture of Tomasko et al. 1978's Pioneer
  limb curves; reciprocal in i and e). The all-disk ``I ~ cos i^b cos e^c`` of the README table (real b 1.32,
  c -0.11 in GREEN) is not photometry alone: inside 5 deg latitude bands the real map gives b 1.30-1.81 and
  c -0.05..+0.21 (-0.43 in the -70..-65 deg band, the polar haze's edge): the clouds' latitude pattern moves
  the all-disk c.
* **Phase dependence** beyond the PJ32 image's 70-103 deg (the previous law's failure: its line, extended down
  to k 0.64 at 0 deg, fell below 0.8 at 30-75 deg and brightened the bright limb there, -19 % at 60 deg, and put
  a bright bluish rim on the demo's terminator at ~63 deg). Evidence at other phases: near opposition, OPAL's k
  (above; phase <= 11 deg) 0.950 / 0.968 / 0.999 at the bands' wavelengths: Jupiter limb-darkens there, more in
  red; Dyudina et al. 2016 (ApJ 822, 76; arXiv:1511.04415, Sec. 2.1.1): ``I/F ~ cos i`` (k = 1) a fair
  description of Pioneer 10/11 red-filter belt and zone reflectances up to 150 deg, with limb brightening at
  slanted geometry that form misses; Tomasko et al. 1978 (Icarus 33, 558; Pioneer 10 limb-darkening curves of the
  STrZ and SEBn in blue and red at 12-150 deg): the brightness at 150 deg needs a thin, strongly
  forward-scattering haze above the clouds (a bright crescent limb); Mayorga et al. 2016: the disk-integrated
  curve (``Phi`` keeps it). No published per-band k(phase) table was found (Tomasko et al. 1978, Castillo, Doose
  & Tomasko 1986's double Henyey-Greenstein fits at 7 latitudes and 12-151 deg, and Li et al. 2018, Nat. Commun.
  9, 3709, only as abstracts). So: OPAL's k from 5 deg up to where a line through the PJ32 fit's K85 rises above
  it (84.1 / 84.7 / 87.6 deg; at 85 deg K85 is OPAL's k within 0.02 in BLUE and GREEN, 0.05 below it in RED),
  rising :data:`LIMB_DK` per 10 deg (fitted to the maps' falloff as the maps are drawn) to 103 deg, held beyond
  (no figure; Dyudina's k ~ 1 and Tomasko's bright crescent argue against more
  darkening); the absorbing layer's tau the same at every phase from 5 deg (absorption does not depend on the
  scattering angle). This law, measured like the maps, does not return the maps' free fit (:data:`PJ32_FIT`;
  the law's own fit differs by its k below ~85 deg and its steeper rise): the free fit's k at 70-80 deg (0.77-0.89)
  is what made the previous law brighten the limb below 70 deg, and one image cannot separate k(phase) from the
  phase function (phase, incidence and emission are tied by the view). The all-disk ``b, c`` of the README
  table move with the clouds' latitude pattern (above), which is the scene's, not the law's.
* **OPAL's k per wavelength**: in the defaults below ~85 deg (above). ``band_k_table`` (OPAL's difference to
  GREEN, scaled by :func:`k_spread_weight`, the Rayleigh phase function ``(1 + cos^2 phase) / 2``: the gas above
  the clouds causes it) builds the previous default's alternative on GREEN's table.

Derived defaults (how the numbers above become tables):

* ``BLUE``, ``GREEN``, ``RED`` k(phase): :func:`fitted_k_table`, ``K_AT_ZERO_PHASE`` (0.64) at 0 deg, from
  :data:`LOW_PHASE_FROM_DEG` (5 deg) on ``max(OPAL's k, K85 + DK (phase - 85) / 10)`` with (K85, DK) of
  :data:`PJ32_LAW` (the PJ32 fit corrected by one step so the same fit of a law with that line returns the
  map's line), the phase held at 103 deg beyond it; nodes every 2.5 deg at 75-103 deg. Absorbing layer
  :func:`fitted_tau_table`: :data:`HAZE_TAU` from 5 deg on, 0 at 0 deg. At 0 deg every band has k 0.64 and no
  absorbing layer, so the zero-phase disk factor 2 / (2k(0) + 1) through which the scene's normal albedos are
  calibrated to Karkoschka's geometric albedos (``scenes.jupiter.ALBEDO_SCALE``) is unchanged; with the per-band
  phase tables below, each band's disk-integrated brightness is then Karkoschka's albedo times Mayorga's curve at
  every phase (the 0-5 deg ramp is the calibration anchor, not a claim about opposition). METHANE keeps a
  constant k 0.6 and no absorbing layer (assumption: high hazes limb-darken weakly; OPAL's FQ889N k = 1.000 is
  not adopted because the scene's METHANE albedo scale is calibrated for k = 0.6).
* Phase multiplier ``Phi(phase)`` per band: :data:`PHASE_TABLES`, tabulated so that the disk-integrated
  brightness of a uniform sphere with that band's k(phase) and absorbing layer equals Mayorga's GRN curve at
  every node (0-90 deg every 5 deg, 90-140 every 2.5; held beyond). ``Phi(0) = 1``. Recomputed by
  :func:`phase_table_for` (tests/test_photometry_bands.py checks it).
"""

from __future__ import annotations

import numpy as np

# Hubble OPAL, Jupiter cycle-31 README (Simon et al. 2015 programme; see the module docstring): WFC3/UVIS filter,
# its nominal wavelength (nm, from the filter name), and the Minnaert k applied to its maps (phase <= 11 deg).
OPAL_MINNAERT_K = (
    ("F275W", 275.0, 0.520), ("F343N", 343.0, 0.850), ("F395N", 395.0, 0.850), ("F467M", 467.0, 0.950),
    ("F502N", 502.0, 0.950), ("F631N", 631.0, 0.999), ("F658N", 658.0, 0.999), ("FQ889N", 889.0, 1.000),
)
# Scene wavelength of each band (nm): Karkoschka's albedo wavelengths the scene uses (facts.md "Jupiter";
# scenes.jupiter), METHANE the filter's centre (facts.md "Detector").
BAND_WAVELENGTH_NM = {"BLUE": 480.0, "GREEN": 550.0, "RED": 650.0, "METHANE": 889.0}
REFERENCE_BAND = "GREEN"

# Fits of the law family to the mission's PJ32 maps of JNCE_2021052_32C00054, decompanded (benchmarks.map_photometry,
# module docstring "PJ32 fit"): k(phase) = K85 + DK (phase - 85) / 10 over the maps' 70-103 deg, and the
# absorbing layer's optical depth TAU, per band.
PJ32_FIT = {"BLUE": (0.918, 0.114, 0.024), "GREEN": (0.929, 0.111, 0.028), "RED": (0.903, 0.120, 0.042)}
# The law's own (K85, DK, TAU): the same fit of the law itself (a uniform sphere in the map's geometry) returns
# (K85 - 0.045..0.05, DK - 0.02, TAU + 0.011): the fit's phase polynomial does not follow the law's phase
# multiplier exactly. So the law takes PJ32_FIT corrected by that difference (one step; the fit of the result is
# in the module docstring), and the law measured like the map returns the map's figures.
PJ32_LAW = {"BLUE": (0.968, 0.135, 0.012), "GREEN": (0.974, 0.131, 0.017), "RED": (0.950, 0.141, 0.030)}
PJ32_FIT_PHASE_DEG = (70.0, 103.0)   # the phases of the fitted map pixels (incidence < 85, emission < 86 deg)
# Thickness of the absorbing layer, which bounds its slant path at the limb (sqrt(2 R / H + 1) ~ 22): an assumption, of
# the order of the altitude range of Jupiter's upper hazes (tropopause to ~1 mbar and above). A thinner shell (one
# scale height, 27 km: path up to 73) ends the limb in a drop within its last ~0.1 % of radius that the limb-timing
# fit (simulator.validate.limbfit, 3 samples per pixel) reads as a -0.43 ms bias (-0.25 ms at 135 km, < 0.2 ms at
# 300 km; tests/test_validate_product.py). At 0.995 R (emission 84.3 deg) the path is 8.5 against 9.8 at 27 km.
HAZE_HEIGHT_KM = 300.0
JUPITER_RADIUS_KM = 71492.0   # equatorial radius, facts.md "Jupiter" (pck00010)
K_AT_ZERO_PHASE = 0.64     # every band at exactly 0 deg: the k through which scenes.jupiter.ALBEDO_SCALE is calibrated
LOW_PHASE_FROM_DEG = 5.0   # from here on the law is the published / fitted one (0 deg is the calibration anchor only)
# k(phase) nodes: OPAL's k up to where the PJ32 line crosses it (83.7 / 84.5 / 88.5 deg B/G/R), the line to the
# image's largest phase, held beyond (module docstring "Phase dependence").
K_NODES_DEG = (0.0, LOW_PHASE_FROM_DEG) + tuple(75.0 + 2.5 * i for i in range(12)) + (PJ32_FIT_PHASE_DEG[1],)
# Absorbing layer's vertical optical depth per band, from LOW_PHASE_FROM_DEG on, the same at every phase (absorption
# does not depend on the scattering angle): with the PJ32 line's own slope (PJ32_LAW), the law drawn as a geometric
# sphere in the PJ32 map's geometry (``benchmarks.map_photometry --law``, a 27 km shell) gave the maps'
# bright-limb falloff,
# 28.6 / 28.1 / 28.9 % (B/G/R, decompanded); the maps' free fit gives 0.024 / 0.028 / 0.042 (PJ32_FIT). It also keeps
# the bright limb darkening at 70-85 deg, where OPAL's k alone brightens it by up to 9 % (geometry).
HAZE_TAU = {"BLUE": 0.0239, "GREEN": 0.0232, "RED": 0.0256}
# Slope of k above ~85 deg (per 10 deg of phase), the same in every band (the maps' falloffs agree within 0.8 points):
# the PJ32 maps are drawn on a sphere (simulator.realism.mission_view.MISSION_MAP_SURFACE), which pushes the
# ellipsoid's limb region out by up to ~2.7 % of the radius and flattens the profile the falloff reads; drawn that
# way, a uniform ellipsoid under this law gives a 21-22 % falloff (GREEN) and the real-like product 25.7 % (its blur
# adds ~4 points), against the maps' 28.1 % (in codes 14.0 % against 18.6). The PJ32 line's own 0.131 gives 15.5 %
# / 19.3 % there.
LIMB_DK = 0.19


def opal_k(wavelength_nm) -> np.ndarray:
    """OPAL's Minnaert k at ``wavelength_nm`` (linear between the filters' wavelengths, held beyond the ends)."""
    table = np.array([(w, k) for _, w, k in OPAL_MINNAERT_K])
    return np.interp(wavelength_nm, table[:, 0], table[:, 1])


def low_phase_k(filter_name: str) -> float:
    """The band's Minnaert k away from JunoCam's bright-limb phases: OPAL's at the band's wavelength (0.950 /
    0.968 / 0.999 B/G/R, phase <= 11 deg), held to where the PJ32 line rises above it."""
    return round(float(opal_k(BAND_WAVELENGTH_NM[filter_name])), 4)


def fitted_k_table(filter_name: str) -> tuple:
    """Default ``((phase_deg, k), ...)`` of a broadband filter (module docstring "Derived defaults"):
    :data:`K_AT_ZERO_PHASE` at 0 deg (the albedo calibration's anchor), from :data:`LOW_PHASE_FROM_DEG` on the larger
    of OPAL's k (:func:`low_phase_k`) and the line ``K85 + LIMB_DK (phase - 85) / 10`` (K85 of :data:`PJ32_LAW`),
    the line held beyond the PJ32 image's largest phase, 103 deg."""
    k85 = PJ32_LAW[filter_name][0]
    low = low_phase_k(filter_name)
    top = PJ32_FIT_PHASE_DEG[1]
    return tuple((a, K_AT_ZERO_PHASE if a == 0.0 else round(max(low, k85 + LIMB_DK * (min(a, top) - 85.0) / 10.0), 4))
                 for a in K_NODES_DEG)


def fitted_tau_table(filter_name: str) -> tuple:
    """Default ``((phase_deg, tau), ...)`` of a broadband filter: 0 at 0 deg (the albedo calibration's Minnaert disk
    factor), :data:`HAZE_TAU` from :data:`LOW_PHASE_FROM_DEG` on (constant)."""
    return ((0.0, 0.0), (LOW_PHASE_FROM_DEG, HAZE_TAU[filter_name]))


GREEN_K_TABLE = fitted_k_table("GREEN")
# JunoCam sees phases 50-130 deg (module docstring); the bright limb of JNCE_2021052_32C00054 lies at 100-103 deg.
JUNOCAM_PHASE_RANGE_DEG = (50.0, 130.0)
REAL_FALLOFF_PHASE_DEG = (100.0, 103.0)
METHANE_K = 0.6            # assumption (high hazes limb-darken weakly); constant over phase
METHANE_PHASE_G = 0.086    # METHANE keeps the previous Henyey-Greenstein multiplier (no methane-band curve found)

# Mayorga et al. observed 0-140 deg; every 5 deg to 90, then every 2.5 deg, where k(phase) and Phi steepen
PHASE_NODES_DEG = tuple(float(a) for a in range(0, 90, 5)) + tuple(90.0 + 2.5 * i for i in range(21))


def band_k_offset(filter_name: str) -> float:
    """OPAL's k at the band's wavelength minus its k at GREEN's (BLUE -0.018, GREEN 0, RED +0.031)."""
    return float(opal_k(BAND_WAVELENGTH_NM[filter_name]) - opal_k(BAND_WAVELENGTH_NM[REFERENCE_BAND]))


def k_spread_weight(phase_deg) -> np.ndarray:
    """Fraction of OPAL's band-to-band k difference left at ``phase_deg``: the Rayleigh phase function at the
    scattering angle ``180 deg - phase`` relative to backscattering, ``(1 + cos^2 phase) / 2`` (module docstring;
    1 at 0 deg, 0.5 at 90 deg)."""
    c = np.cos(np.radians(np.asarray(phase_deg, dtype=np.float64)))
    return 0.5 * (1.0 + c * c)


def band_k_table(filter_name: str, weight=k_spread_weight) -> tuple:
    """Alternative ``((phase_deg, k), ...)`` of a broadband filter: :data:`GREEN_K_TABLE` + :func:`band_k_offset` times
    ``weight(phase)`` (default :func:`k_spread_weight`; ``lambda a: 1.0`` keeps OPAL's spread at every phase) from
    every node above 0 deg; at 0 deg every band keeps GREEN's k (see the module docstring: the zero-phase disk average,
    to which the scene's colours are calibrated, stays the same law in every band)."""
    dk = band_k_offset(filter_name)
    return tuple((phase, k if phase == 0.0 else round(k + dk * float(weight(phase)), 4)) for phase, k in GREEN_K_TABLE)


def mayorga_green_phase_curve(phase_deg) -> np.ndarray:
    """Jupiter's disk-integrated brightness at ``phase_deg`` relative to zero phase (Cassini GRN filter).

    Mallama & Hilton 2018 (Astronomy and Computing 25, 10): Eq. 8 (0-12 deg, ground photometry)
    ``V = -9.395 - 3.7e-4 a + 6.16e-4 a^2`` and Eq. 9 (12-130 deg and beyond, Mayorga et al. 2016's Cassini GRN fit)
    ``V = -9.428 - 2.5 log10(1 - 1.507 x - 0.363 x^2 - 0.062 x^3 + 2.809 x^4 - 1.876 x^5)``, ``x = a / 180``;
    returned as ``10^(-0.4 (V(a) - V(0)))``. Valid to 140 deg (the data's range).
    """
    a = np.asarray(phase_deg, dtype=np.float64)
    x = a / 180.0
    far = 1.0 - 1.507 * x - 0.363 * x**2 - 0.062 * x**3 + 2.809 * x**4 - 1.876 * x**5
    v = np.where(a <= 12.0, -9.395 - 3.7e-4 * a + 6.16e-4 * a**2,
                 -9.428 - 2.5 * np.log10(np.maximum(far, 1e-12)))
    return 10.0 ** (-0.4 * (v + 9.395))


def phase_table_for(photometry, filter_name: str, nodes=PHASE_NODES_DEG, n: int = 801) -> tuple:
    """``((phase_deg, Phi), ...)`` making ``photometry``'s disk-integrated phase curve in ``filter_name`` equal
    :func:`mayorga_green_phase_curve` at ``nodes``; ``photometry`` must have no phase multiplier of its own."""
    from scenes.photometry import disk_phase_function

    rows = [(0.0, 1.0)]
    for a in nodes[1:]:
        rows.append((float(a), round(float(mayorga_green_phase_curve(a))
                                     / disk_phase_function(photometry, filter_name, a, n), 4)))
    return tuple(rows)


# Phi(phase) per broadband filter, from phase_table_for(Photometry(default k and tau, no multiplier), band) at
# n = 801 (tests/test_photometry_bands.py recomputes them). GREEN 1.31 at 5 deg (the step from the calibration's
# k(0) = 0.64 to OPAL's 0.97 and the layer: a scale on the normal albedo), 1.08-1.13 at 30-85, 1.63 at 100, 2.01 at
# 110, 3.56 at 130 (the rising k and the layer darken the crescent faster than Jupiter's forward scattering allows).
PHASE_TABLES = {
    "BLUE": (
        (0.0, 1.0), (5.0, 1.2911), (10.0, 1.2533), (15.0, 1.21), (20.0, 1.1785), (25.0, 1.1519), (30.0, 1.1295),
        (35.0, 1.1109), (40.0, 1.0956), (45.0, 1.0834), (50.0, 1.0742), (55.0, 1.0679), (60.0, 1.0644), (65.0, 1.064),
        (70.0, 1.0668), (75.0, 1.0731), (80.0, 1.0836), (85.0, 1.1228), (90.0, 1.2908), (92.5, 1.3945),
        (95.0, 1.5149), (97.5, 1.6559), (100.0, 1.8223), (102.5, 2.0202), (105.0, 2.1358), (107.5, 2.2367),
        (110.0, 2.3524), (112.5, 2.4859), (115.0, 2.641), (117.5, 2.8221), (120.0, 3.0353), (122.5, 3.2883),
        (125.0, 3.5909), (127.5, 3.9562), (130.0, 4.4016), (132.5, 4.9508), (135.0, 5.6358), (137.5, 6.5017),
        (140.0, 7.612),
    ),
    "GREEN": (
        (0.0, 1.0), (5.0, 1.3059), (10.0, 1.2677), (15.0, 1.224), (20.0, 1.1924), (25.0, 1.1656), (30.0, 1.1433),
        (35.0, 1.1247), (40.0, 1.1097), (45.0, 1.0979), (50.0, 1.0892), (55.0, 1.0834), (60.0, 1.0807),
        (65.0, 1.0811), (70.0, 1.0849), (75.0, 1.0924), (80.0, 1.1043), (85.0, 1.1291), (90.0, 1.2984),
        (92.5, 1.4029), (95.0, 1.5243), (97.5, 1.6664), (100.0, 1.8342), (102.5, 2.0338), (105.0, 2.1507),
        (107.5, 2.2528), (110.0, 2.37), (112.5, 2.5052), (115.0, 2.6621), (117.5, 2.8456), (120.0, 3.0615),
        (122.5, 3.3177), (125.0, 3.6241), (127.5, 3.9942), (130.0, 4.4455), (132.5, 5.0019), (135.0, 5.6962),
        (137.5, 6.574), (140.0, 7.6998),
    ),
    "RED": (
        (0.0, 1.0), (5.0, 1.3355), (10.0, 1.2965), (15.0, 1.2521), (20.0, 1.22), (25.0, 1.1932), (30.0, 1.171),
        (35.0, 1.1528), (40.0, 1.1384), (45.0, 1.1275), (50.0, 1.1198), (55.0, 1.1154), (60.0, 1.1143),
        (65.0, 1.1167), (70.0, 1.1227), (75.0, 1.1329), (80.0, 1.148), (85.0, 1.1687), (90.0, 1.2672), (92.5, 1.3683),
        (95.0, 1.4857), (97.5, 1.6231), (100.0, 1.7852), (102.5, 1.9779), (105.0, 2.0896), (107.5, 2.1865),
        (110.0, 2.2977), (112.5, 2.4261), (115.0, 2.575), (117.5, 2.7491), (120.0, 2.9539), (122.5, 3.1968),
        (125.0, 3.4873), (127.5, 3.8377), (130.0, 4.2649), (132.5, 4.7911), (135.0, 5.4471), (137.5, 6.2756),
        (140.0, 7.337),
    ),
}
