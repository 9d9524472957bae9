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
  a bright-limb falloff of 13-19 % from 0.9 to 0.995 of the radius in every band (issue #13, PJ32). No
  published per-band k(phase) was found: Tomasko et al. 1978 (Icarus 33, 558; Pioneer 10 limb-darkening curves
  in blue and red at 12-150 deg phase) and Li et al. 2018 (Nat. Commun. 9, 3709) were found only as abstracts
  or figures, Mayorga et al. 2016's per-filter fits not in a form we could read.
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

* ``GREEN`` k(phase): :data:`GREEN_K_TABLE`, each node the k whose bright-limb falloff is 16 % at that phase,
  the middle of the real 13-19 % (``scenes.photometry.bright_limb_falloff``). ``BLUE`` and ``RED`` are the same
  table shifted by OPAL's k difference to GREEN (-0.018, +0.031) times :func:`k_spread_weight` from the 10 deg
  node on (-0.013 / +0.022 at 50 deg, -0.009 / +0.015 at 90 deg). With it every band's falloff is 14.2-15.0 %
  (BLUE), 16.0-16.1 % (GREEN) and 17.8-18.9 % (RED) at 50-90 deg, the phases JunoCam sees (its boresight is
  perpendicular to the spin axis, which points at Earth, within 11.5 deg of the Sun from Jupiter; the FOV's
  +-29 deg across the spin plane gives phase ~50-130 deg). At 10-47.5 deg, nearer OPAL's own phases, BLUE
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
  (0-140 deg every 5 deg; held beyond). ``Phi(0) = 1``, so the zero-phase disk average (the geometric albedo)
  depends on k(0) only. Recomputed by :func:`phase_table_for` (tests/test_photometry_bands.py checks it).
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
# darkens the disk faster than Jupiter does (GREEN 1.13 at 60 deg, 1.45 at 90); near opposition Eq. 8's surge,
# beyond ~110 deg Jupiter's forward scattering.
PHASE_TABLES = {
    "BLUE": (
        (0.0, 1.0), (5.0, 1.025), (10.0, 1.0271), (15.0, 1.0311), (20.0, 1.0423), (25.0, 1.0447),
        (30.0, 1.0502), (35.0, 1.0535), (40.0, 1.0603), (45.0, 1.0682), (50.0, 1.0802), (55.0, 1.095),
        (60.0, 1.115), (65.0, 1.141), (70.0, 1.1741), (75.0, 1.2168), (80.0, 1.2704), (85.0, 1.3425),
        (90.0, 1.4335), (95.0, 1.4951), (100.0, 1.5738), (105.0, 1.6751), (110.0, 1.8073), (115.0, 1.9828),
        (120.0, 2.2209), (125.0, 2.5519), (130.0, 3.026), (135.0, 3.7294), (140.0, 4.8179),
    ),
    "GREEN": (
        (0.0, 1.0), (5.0, 1.0328), (10.0, 1.0422), (15.0, 1.0454), (20.0, 1.0561), (25.0, 1.0579),
        (30.0, 1.0629), (35.0, 1.0658), (40.0, 1.0723), (45.0, 1.0798), (50.0, 1.0916), (55.0, 1.1063),
        (60.0, 1.1263), (65.0, 1.1524), (70.0, 1.1857), (75.0, 1.2291), (80.0, 1.2834), (85.0, 1.3569),
        (90.0, 1.4495), (95.0, 1.513), (100.0, 1.594), (105.0, 1.6983), (110.0, 1.8343), (115.0, 2.0148),
        (120.0, 2.2597), (125.0, 2.6002), (130.0, 3.0882), (135.0, 3.8129), (140.0, 4.9357),
    ),
    "RED": (
        (0.0, 1.0), (5.0, 1.0459), (10.0, 1.0677), (15.0, 1.0696), (20.0, 1.0794), (25.0, 1.0802),
        (30.0, 1.0844), (35.0, 1.0865), (40.0, 1.0925), (45.0, 1.0995), (50.0, 1.1109), (55.0, 1.1255),
        (60.0, 1.1454), (65.0, 1.1718), (70.0, 1.2056), (75.0, 1.2499), (80.0, 1.3054), (85.0, 1.3813),
        (90.0, 1.4769), (95.0, 1.5438), (100.0, 1.6289), (105.0, 1.7383), (110.0, 1.8808), (115.0, 2.0701),
        (120.0, 2.3267), (125.0, 2.6838), (130.0, 3.1962), (135.0, 3.9582), (140.0, 5.1415),
    ),
}
