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
* **Phase dependence of limb darkening**: Dyudina et al. 2016 (ApJ 822, 76; arXiv:1511.04415, Sec. 2.1.1)
  found ``I/F ~ cos i`` (k = 1) a fair description of Pioneer 10/11 red-filter belt and zone reflectances up
  to 150 deg phase, with limb brightening at slanted geometry that this form misses. Real JunoCam images show
  a bright-limb falloff of 13-19 % from 0.9 to 0.995 of the radius (issue #13, PJ32); no published per-band
  k(phase) was found.

Derived defaults (how the numbers above become tables):

* ``GREEN`` k(phase): :data:`GREEN_K_TABLE`, each node the k whose bright-limb falloff is 16 % at that phase,
  the middle of the real 13-19 % (``scenes.photometry.bright_limb_falloff``). ``BLUE`` and ``RED`` are the same
  table shifted by OPAL's k difference to GREEN (-0.018, +0.031) from the 10 deg node on: assumption that the
  wavelength dependence OPAL measures at small phase holds at every phase. At exactly 0 deg (ramping to the
  10 deg node) every band keeps GREEN's k(0) = 0.64, so the zero-phase disk factor 2 / (2k(0) + 1) through
  which the scene's normal albedos are calibrated to Karkoschka's geometric albedos
  (``scenes.jupiter.ALBEDO_SCALE``) is unchanged; with the per-band phase tables below, each band's
  disk-integrated brightness is then Karkoschka's albedo times Mayorga's curve at every phase, and the bands'
  different limb darkening only moves light between the disk centre and the limb. METHANE keeps a constant
  0.6 (assumption: high hazes limb-darken weakly; OPAL's FQ889N k = 1.000 is not adopted because the scene's
  METHANE albedo scale, ``scenes.jupiter.ALBEDO_SCALE``, is calibrated for k = 0.6 through the zero-phase disk
  factor 2 / (2k + 1); adopting it would need that scale x 1.36).
* Phase multiplier ``Phi(phase)`` per band: :data:`PHASE_TABLES`, tabulated so that the disk-integrated
  brightness of a uniform sphere with that band's k(phase) equals Mayorga's GRN curve at every node
  (0-140 deg every 5 deg; held beyond). ``Phi(0) = 1``, so the zero-phase disk average (the geometric albedo)
  depends on k(0) only. Recomputed by :func:`phase_table_for` (tests/test_photometry_bands.py checks it).
"""

from __future__ import annotations

import numpy as np

# Hubble OPAL, Jupiter cycle-31 README (Simon et al. 2015 programme; see the module docstring): WFC3/UVIS filter,
# its nominal wavelength (nm, from the filter name), and the Minnaert k applied to its maps (phase <= 11 deg).
OPAL_MINNAERT_K = (
    ("F395N", 395.0, 0.850), ("F467M", 467.0, 0.950), ("F502N", 502.0, 0.950),
    ("F631N", 631.0, 0.999), ("F658N", 658.0, 0.999), ("FQ889N", 889.0, 1.000),
)
# Scene wavelength of each band (nm): Karkoschka's albedo wavelengths the scene uses (facts.md "Jupiter";
# scenes.jupiter), METHANE the filter's centre (facts.md "Detector").
BAND_WAVELENGTH_NM = {"BLUE": 480.0, "GREEN": 550.0, "RED": 650.0, "METHANE": 889.0}
REFERENCE_BAND = "GREEN"

# GREEN Minnaert k against phase (deg): each node the k whose bright-limb falloff (0.9 -> 0.995 of the radius)
# is 16 %, the middle of the real 13-19 % (issue #13); 0 deg extends the 10-20 deg slope. Held beyond 90 deg.
GREEN_K_TABLE = ((0.0, 0.640), (10.0, 0.735), (20.0, 0.834), (30.0, 0.904), (40.0, 0.960), (50.0, 1.009),
                 (60.0, 1.054), (70.0, 1.099), (80.0, 1.146), (90.0, 1.200))
METHANE_K = 0.6            # assumption (high hazes limb-darken weakly); constant over phase
METHANE_PHASE_G = 0.086    # METHANE keeps the previous Henyey-Greenstein multiplier (no methane-band curve found)

PHASE_NODES_DEG = tuple(float(a) for a in range(0, 145, 5))   # Mayorga et al. observed 0-140 deg


def opal_k(wavelength_nm) -> np.ndarray:
    """OPAL's Minnaert k at ``wavelength_nm`` (linear between the filters' wavelengths, held beyond the ends)."""
    table = np.array([(w, k) for _, w, k in OPAL_MINNAERT_K])
    return np.interp(wavelength_nm, table[:, 0], table[:, 1])


def band_k_offset(filter_name: str) -> float:
    """OPAL's k at the band's wavelength minus its k at GREEN's (BLUE -0.018, GREEN 0, RED +0.031)."""
    return float(opal_k(BAND_WAVELENGTH_NM[filter_name]) - opal_k(BAND_WAVELENGTH_NM[REFERENCE_BAND]))


def band_k_table(filter_name: str) -> tuple:
    """Default ``((phase_deg, k), ...)`` of a broadband filter: :data:`GREEN_K_TABLE` + :func:`band_k_offset` from
    the 10 deg node on; at 0 deg every band keeps GREEN's k (see the module docstring: the zero-phase disk average,
    to which the scene's colours are calibrated, stays the same law in every band)."""
    dk = band_k_offset(filter_name)
    return tuple((phase, k if phase == 0.0 else round(k + dk, 4)) for phase, k in GREEN_K_TABLE)


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
# darkens the disk faster than Jupiter does (1.13 at 60 deg, 1.45 at 90); near opposition Eq. 8's surge, beyond
# ~110 deg Jupiter's forward scattering.
PHASE_TABLES = {
    "BLUE": (
        (0.0, 1.0), (5.0, 1.0249), (10.0, 1.0269), (15.0, 1.0306), (20.0, 1.0415), (25.0, 1.0435),
        (30.0, 1.0484), (35.0, 1.0511), (40.0, 1.0573), (45.0, 1.0643), (50.0, 1.0755), (55.0, 1.0894),
        (60.0, 1.1084), (65.0, 1.1332), (70.0, 1.165), (75.0, 1.2064), (80.0, 1.2583), (85.0, 1.3288),
        (90.0, 1.4176), (95.0, 1.4774), (100.0, 1.5537), (105.0, 1.6521), (110.0, 1.7806), (115.0, 1.9513),
        (120.0, 2.1827), (125.0, 2.5045), (130.0, 2.965), (135.0, 3.6477), (140.0, 4.7028),
    ),
    "GREEN": (
        (0.0, 1.0), (5.0, 1.0328), (10.0, 1.0422), (15.0, 1.0454), (20.0, 1.0561), (25.0, 1.0579),
        (30.0, 1.0629), (35.0, 1.0658), (40.0, 1.0723), (45.0, 1.0798), (50.0, 1.0916), (55.0, 1.1063),
        (60.0, 1.1263), (65.0, 1.1524), (70.0, 1.1857), (75.0, 1.2291), (80.0, 1.2834), (85.0, 1.3569),
        (90.0, 1.4495), (95.0, 1.513), (100.0, 1.594), (105.0, 1.6983), (110.0, 1.8343), (115.0, 2.0148),
        (120.0, 2.2597), (125.0, 2.6002), (130.0, 3.0882), (135.0, 3.8129), (140.0, 4.9357),
    ),
    "RED": (
        (0.0, 1.0), (5.0, 1.0462), (10.0, 1.0681), (15.0, 1.0706), (20.0, 1.0808), (25.0, 1.0825),
        (30.0, 1.0876), (35.0, 1.0907), (40.0, 1.0978), (45.0, 1.1062), (50.0, 1.1191), (55.0, 1.1352),
        (60.0, 1.157), (65.0, 1.1854), (70.0, 1.2215), (75.0, 1.2682), (80.0, 1.3266), (85.0, 1.4055),
        (90.0, 1.5048), (95.0, 1.5751), (100.0, 1.6644), (105.0, 1.7791), (110.0, 1.9285), (115.0, 2.1267),
        (120.0, 2.3956), (125.0, 2.77), (130.0, 3.3077), (135.0, 4.1088), (140.0, 5.3555),
    ),
}
