"""Spectral curves and radiometry: the documented approximations behave as documented."""

from __future__ import annotations

import numpy as np
import pytest

from instrument_models.errors import InstrumentError
from instrument_models.junocam import FILTERS
from instrument_models.junocam.radiometry import (
    JUPITER_SOLAR_DISTANCE_KM,
    Radiometry,
    iof_to_rdr_dn,
    rdr_dn_to_iof,
)
from instrument_models.junocam.spectral import AU_KM, WAVELENGTH_GRID_NM, SpectralModel

S = SpectralModel()
R = Radiometry()


def test_blackbody_sun_integrates_to_the_solar_constant():
    bb = SpectralModel(solar_model="blackbody")
    wl = np.arange(50.0, 200_000.0, 1.0)
    total = np.sum(bb.solar_irradiance_w_m2_nm(wl)) * 1.0
    assert total == pytest.approx(1361.0, rel=1e-3)
    assert bb.solar_irradiance_w_m2_nm(500.0, 2 * AU_KM) == pytest.approx(bb.solar_irradiance_w_m2_nm(500.0) / 4)


def test_tabulated_sun_is_the_astm_g173_standard_scaled_to_the_solar_constant():
    """ASTM G173-03 extraterrestrial, 20 nm means: 1.936 W m^-2 nm^-1 at 500 nm, 1.428 at 700 nm (x 1361/1347.93);
    300-1100 nm holds ~77 % of the total (the blackbody of the same total: within 3 % of that share)."""
    scale = 1361.0 / 1347.93
    assert S.solar_irradiance_w_m2_nm(500.0) == pytest.approx(1.936 * scale, rel=1e-9)
    assert S.solar_irradiance_w_m2_nm(700.0) == pytest.approx(1.428 * scale, rel=1e-9)
    assert S.solar_irradiance_w_m2_nm(1200.0) == 0.0
    wl = WAVELENGTH_GRID_NM
    share = np.sum(S.solar_irradiance_w_m2_nm(wl)) / 1361.0
    bb_share = np.sum(SpectralModel(solar_model="blackbody").solar_irradiance_w_m2_nm(wl)) / 1361.0
    assert 0.7 < share < 0.85 and share == pytest.approx(bb_share, rel=0.05), (share, bb_share)
    assert S.solar_irradiance_w_m2_nm(500.0, 2 * AU_KM) == pytest.approx(S.solar_irradiance_w_m2_nm(500.0) / 4)
    with pytest.raises(InstrumentError, match="solar model"):
        SpectralModel(solar_model="kurucz")


def test_methane_filter_centred_at_889_nm_and_narrow():
    t = S.filter_transmission("METHANE", WAVELENGTH_GRID_NM)
    half = WAVELENGTH_GRID_NM[t >= t.max() / 2]
    assert WAVELENGTH_GRID_NM[np.argmax(t)] == pytest.approx(889.0, abs=1.0)
    assert half.max() - half.min() <= 16.0
    assert S.band_centre_nm("METHANE") == pytest.approx(889.0, abs=1.0)


def test_filters_are_ordered_in_wavelength():
    centres = [S.band_centre_nm(f) for f in ("BLUE", "GREEN", "RED", "METHANE")]
    assert centres == sorted(centres)
    for f in FILTERS:
        t = S.filter_transmission(f, WAVELENGTH_GRID_NM)
        assert 0 <= t.min() and t.max() <= 1


def test_qe_shape():
    qe = S.quantum_efficiency(WAVELENGTH_GRID_NM)
    assert 0.5 < qe.max() < 0.6 and WAVELENGTH_GRID_NM[np.argmax(qe)] == 500.0
    assert S.quantum_efficiency(1200.0) == 0.0


def test_electron_rate_scales_with_solar_distance_squared():
    near = R.electrons_per_s_per_iof("GREEN", 5 * AU_KM)
    far = R.electrons_per_s_per_iof("GREEN", 10 * AU_KM)
    assert near / far == pytest.approx(4.0, rel=1e-12)


def test_one_stage_rgb_of_jupiter_sits_well_inside_the_well():
    """Jupiter (I/F ~0.5) in one 3.2 ms stage: thousands of electrons, below the assumed 40,000 e- well."""
    for f in ("BLUE", "GREEN", "RED"):
        e = R.iof_to_electrons(0.5, f, 0.0032)
        assert 3_000 < e < 40_000, f"{f}: {e:.0f} e-"
    methane = R.iof_to_electrons(0.045, "METHANE", 0.2048)  # facts.md: albedo 0.045 at 890 nm, 64 stages
    assert 300 < methane < 40_000


def test_rdr_scale():
    assert iof_to_rdr_dn(1.0) == pytest.approx(10_000.0)  # facts.md
    assert rdr_dn_to_iof(iof_to_rdr_dn(0.37, 7e8), 7e8) == pytest.approx(0.37)
    assert iof_to_rdr_dn(1.0, JUPITER_SOLAR_DISTANCE_KM / 2) == pytest.approx(40_000.0)


def test_bad_inputs():
    with pytest.raises(InstrumentError, match="solar distance"):
        R.electrons_per_s_per_iof("RED", -1.0)
    with pytest.raises(InstrumentError, match="unknown JunoCam filter"):
        R.electrons_per_s_per_iof("UV")
