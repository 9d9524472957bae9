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
  planetographic / planetocentric reading of the metadata's latitude.) So the real 13-19 % bright-limb falloff
  of issue #13 was measured at a phase of ~100 deg, not at 50-90. Measured on the mission's public map of that
  image (kmgill/junocam_processing test data, measurement only), 0.9 -> 0.995 of the disk radius in 4 deg
  sectors: GREEN 14-20 % within ~20 deg of the limb's brightest sector, BLUE 5-6 points less (9-14 %), RED
  -4..+3 points from GREEN (white ovals lie near that limb; the map's processing is not documented, so these
  are not adopted; they agree with the model that BLUE's limb falls off less than GREEN's at ~100 deg, by more
  than its 1 point).
* **Phase dependence of limb darkening**: Dyudina et al. 2016 (ApJ 822, 76; arXiv:1511.04415, Sec. 2.1.1)
  found ``I/F ~ cos i`` (k = 1) a fair description of Pioneer 10/11 red-filter belt and zone reflectances up
  to 150 deg phase, with limb brightening at slanted geometry that this form misses. No published per-band
  k(phase) was found: Tomasko et al. 1978 (Icarus 33, 558; Pioneer 10 limb-darkening curves of the STrZ and
  SEBn in blue and red at 12, 23, 34, 109, 120, 127 and 150 deg phase; the brightness at 150 deg needs a thin,
  strongly forward-scattering haze above the clouds) and Li et al. 2018 (Nat. Commun. 9, 3709) were found only
  as abstracts or figures, Mayorga et al. 2016's per-filter fits not in a form we could read.
* **Above 90 deg** (the decision): a Minnaert cloud with k held fixed loses its bright-limb falloff there for a
  geometric reason only: the sub-solar point moves towards the bright limb, so cos i rises towards the limb
  (at 100 deg from 0.81 at 0.9 R to 0.96 at 0.995 R); k held at 1.2 gives 8.5 % at 100 deg, Lambert (Dyudina's
  k = 1) a limb brightening (falloff -19 %). The real image shows 13-19 % at ~100 deg, so the falloff does not
  drop there: the darkening towards grazing emission grows with phase (k rises). Beyond ~105 deg no real or
  published figure was found; forward-scattering haze (Tomasko et al.) brightens the limb more as the
  scattering angle shrinks, so the real falloff may fall at JunoCam's largest phases. The default holds the real
  figure's middle, 16 %, up to 130 deg (JunoCam's largest phase), an assumption beyond ~105 deg; k is held
  beyond 130 deg. There the figure loses its meaning: the terminator crosses the bright radius at
  ``sin(phase - 90)`` of the radius (0.77 at 140 deg), so 0.9 R lies near it and no k <= 2 gives 16 % (k = 2
  gives -21 % at 140 deg).
* **Why the bands' k differ, and how that changes with phase** (assumption, first-order physics): OPAL's k
  falls from red to blue (0.999 at 631-658 nm, 0.950 at 467-502, 0.850 at 395, 0.52 at 275 nm in the same
  README) as the light scattered by the gas above the clouds grows (Rayleigh optical depth ~ lambda^-4): a thin
  scattering layer adds ``~ tau P(Theta) / (4 cos e)`` to the cloud's I/F, a limb brightening that lowers the
  fitted k. Its strength follows the single-scattering phase function at the scattering angle
  ``Theta = 180 deg - phase``; for Rayleigh scattering ``P = 3/4 (1 + cos^2 Theta)``, 1.5 at opposition, 0.75
  at 90 deg. So the k difference OPAL measures near opposition (phase <= 11 deg, weight >= 0.98) is scaled
  by :func:`k_spread_weight` = ``(1 + cos^2 phase) / 2``: 0.71 at 50 deg, 0.60 at 63 (the demo), 0.50 at
  90 deg. Left out: forward-scattering haze, whose phase function rises from 180 to 90 deg scattering
  angle and would widen the spread again; the cloud's own phase function.

Derived defaults (how the numbers above become tables):

* ``GREEN`` k(phase): :data:`GREEN_K_TABLE`, each node from 10 to 130 deg the k whose bright-limb falloff is 16 %
  at that phase, the middle of the real 13-19 % (``scenes.photometry.bright_limb_falloff``; measured at ~100 deg,
  held over JunoCam's 50-130 deg and below, see above). ``BLUE`` and ``RED`` are the same
  table shifted by OPAL's k difference to GREEN (-0.018, +0.031) times :func:`k_spread_weight` from the 10 deg
  node on (-0.013 / +0.022 at 50 deg, -0.009 / +0.015 at 90 deg, -0.013 / +0.022 at 130 deg). With it every
  band's falloff is 14.2-15.2 % (BLUE), 16.0-16.2 % (GREEN) and 17.7-18.9 % (RED) at 50-130 deg, the phases
  JunoCam sees, and 15.0 / 16.0 / 17.7 % at 100-103 deg, where the real figure was measured (above). No
  published per-band k(phase) replaced this weighting (an assumption); on the real PJ32 map BLUE's limb falls
  off less than GREEN's, as here. At 10-47.5 deg, nearer OPAL's own phases, BLUE
  is 11.9-14.1 % and RED 19.0-21.6 %: no real JunoCam figure there. At exactly 0 deg (ramping to the 10 deg node)
  every band keeps GREEN's k(0) = 0.64, so the zero-phase disk factor 2 / (2k(0) + 1) through
  which the scene's normal albedos are calibrated to Karkoschka's geometric albedos
  (``scenes.jupiter.ALBEDO_SCALE``) is unchanged; with the per-band phase tables below, each band's
  disk-integrated brightness is then Karkoschka's albedo times Mayorga's curve at every phase, and the bands'
  different limb darkening only moves light between the disk centre and the limb. METHANE keeps a constant
  0.6 (assumption: high hazes limb-darken weakly; OPAL's FQ889N k = 1.000 is not adopted because the scene's
  METHANE albedo scale, ``scenes.jupiter.ALBEDO_SCALE``, is calibrated for k = 0.6 through the zero-phase disk
  factor 2 / (2k + 1); adopting it would need that scale x 1.36).
* Phase multiplier ``Phi(phase)`` per band: :data:`PHASE_TABLES`, tabulated so that the disk-integrated
  brightness of a uniform sphere with that band's k(phase) equals Mayorga's GRN curve at every node
  (0-90 deg every 5 deg, 90-140 every 2.5; held beyond). ``Phi(0) = 1``, so the zero-phase disk average (the
  geometric albedo) depends on k(0) only. Recomputed by :func:`phase_table_for` (tests/test_photometry_bands.py checks it).
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

# GREEN Minnaert k against phase (deg): each node from 10 to 130 deg the k whose bright-limb falloff (0.9 -> 0.995
# of the radius) is 16 %, the middle of the real 13-19 % (issue #13, measured at ~100 deg phase; held from 10 to
# 130 deg, JunoCam's largest phase: an assumption away from ~100 deg); 0 deg extends the 10-20 deg slope. Held
# beyond 130 deg.
GREEN_K_TABLE = ((0.0, 0.640), (10.0, 0.735), (20.0, 0.834), (30.0, 0.904), (40.0, 0.960), (50.0, 1.009),
                 (60.0, 1.054), (70.0, 1.099), (80.0, 1.146), (90.0, 1.200), (95.0, 1.231), (100.0, 1.266),
                 (105.0, 1.306), (110.0, 1.355), (115.0, 1.414), (120.0, 1.491), (122.5, 1.540), (125.0, 1.597),
                 (127.5, 1.667), (130.0, 1.754))
# The phases at which the real figure applies (module docstring): JunoCam sees phases 50-130 deg; the real 13-19 %
# was measured at the bright limb of JNCE_2021052_32C00054, phase 100-103 deg.
JUNOCAM_PHASE_RANGE_DEG = (50.0, 130.0)
REAL_FALLOFF_PHASE_DEG = (100.0, 103.0)
METHANE_K = 0.6            # assumption (high hazes limb-darken weakly); constant over phase
METHANE_PHASE_G = 0.086    # METHANE keeps the previous Henyey-Greenstein multiplier (no methane-band curve found)

# Mayorga et al. observed 0-140 deg; every 5 deg to 90, then every 2.5 deg, where k(phase) and Phi steepen
PHASE_NODES_DEG = tuple(float(a) for a in range(0, 90, 5)) + tuple(90.0 + 2.5 * i for i in range(21))


def opal_k(wavelength_nm) -> np.ndarray:
    """OPAL's Minnaert k at ``wavelength_nm`` (linear between the filters' wavelengths, held beyond the ends)."""
    table = np.array([(w, k) for _, w, k in OPAL_MINNAERT_K])
    return np.interp(wavelength_nm, table[:, 0], table[:, 1])


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
    """Default ``((phase_deg, k), ...)`` of a broadband filter: :data:`GREEN_K_TABLE` + :func:`band_k_offset` times
    ``weight(phase)`` (default :func:`k_spread_weight`; ``lambda a: 1.0`` keeps OPAL's spread at every phase) from
    the 10 deg node on; at 0 deg every band keeps GREEN's k (see the module docstring: the zero-phase disk average,
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


# Phi(phase) per broadband filter, from phase_table_for(Photometry(minnaert_k=band tables, no multiplier), band)
# at n = 801 (tests/test_photometry_bands.py recomputes them). Above 1 at every phase: the rising k(phase) alone
# darkens the disk faster than Jupiter does (GREEN 1.13 at 60 deg, 1.45 at 90, 2.35 at 110, 10.3 at 130, where
# k = 1.75 leaves little light on the crescent); near opposition Eq. 8's surge, beyond ~110 deg Jupiter's forward
# scattering.
PHASE_TABLES = {
    "BLUE": (
        (0.0, 1.0), (5.0, 1.025), (10.0, 1.0271), (15.0, 1.0311), (20.0, 1.0423), (25.0, 1.0447),
        (30.0, 1.0502), (35.0, 1.0535), (40.0, 1.0603), (45.0, 1.0682), (50.0, 1.0802), (55.0, 1.095),
        (60.0, 1.115), (65.0, 1.141), (70.0, 1.1741), (75.0, 1.2168), (80.0, 1.2704), (85.0, 1.3425),
        (90.0, 1.4335), (92.5, 1.4913), (95.0, 1.5567), (97.5, 1.6354), (100.0, 1.7254), (102.5, 1.8352),
        (105.0, 1.9623), (107.5, 2.1248), (110.0, 2.3164), (112.5, 2.5654), (115.0, 2.8662), (117.5, 3.2847),
        (120.0, 3.8089), (122.5, 4.565), (125.0, 5.6453), (127.5, 7.3033), (130.0, 10.0177), (132.5, 11.6606),
        (135.0, 13.7626), (137.5, 16.4945), (140.0, 20.1071),
    ),
    "GREEN": (
        (0.0, 1.0), (5.0, 1.0328), (10.0, 1.0422), (15.0, 1.0454), (20.0, 1.0561), (25.0, 1.0579),
        (30.0, 1.0629), (35.0, 1.0658), (40.0, 1.0723), (45.0, 1.0798), (50.0, 1.0916), (55.0, 1.1063),
        (60.0, 1.1263), (65.0, 1.1524), (70.0, 1.1857), (75.0, 1.2291), (80.0, 1.2834), (85.0, 1.3569),
        (90.0, 1.4495), (92.5, 1.5086), (95.0, 1.5755), (97.5, 1.656), (100.0, 1.7481), (102.5, 1.8605),
        (105.0, 1.9908), (107.5, 2.1575), (110.0, 2.3544), (112.5, 2.61), (115.0, 2.9191), (117.5, 3.3497),
        (120.0, 3.8895), (122.5, 4.6678), (125.0, 5.7817), (127.5, 7.4926), (130.0, 10.296), (132.5, 11.9992),
        (135.0, 14.1809), (137.5, 17.0196), (140.0, 20.7782),
    ),
    "RED": (
        (0.0, 1.0), (5.0, 1.0459), (10.0, 1.0677), (15.0, 1.0696), (20.0, 1.0794), (25.0, 1.0802),
        (30.0, 1.0844), (35.0, 1.0865), (40.0, 1.0925), (45.0, 1.0995), (50.0, 1.1109), (55.0, 1.1255),
        (60.0, 1.1454), (65.0, 1.1718), (70.0, 1.2056), (75.0, 1.2499), (80.0, 1.3054), (85.0, 1.3813),
        (90.0, 1.4769), (92.5, 1.5382), (95.0, 1.6075), (97.5, 1.6912), (100.0, 1.7868), (102.5, 1.904),
        (105.0, 2.0399), (107.5, 2.2139), (110.0, 2.4196), (112.5, 2.687), (115.0, 3.0107), (117.5, 3.4619),
        (120.0, 4.0288), (122.5, 4.8468), (125.0, 6.0189), (127.5, 7.8228), (130.0, 10.7809), (132.5, 12.5905),
        (135.0, 14.9125), (137.5, 17.9399), (140.0, 21.9566),
    ),
}
