"""Shared test fixtures: SPICE pool hygiene, the ../shared reference folder, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import spiceypy
from hypothesis import HealthCheck, settings

# CI derandomises hypothesis so a red run can be replayed; locally examples vary between runs.
settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
FLIGHT_KERNELS = REFERENCE / "kernels"


@pytest.fixture(autouse=True)
def clean_kernel_pool():
    """Every test starts and ends with an empty SPICE kernel pool."""
    spiceypy.kclear()
    yield
    spiceypy.kclear()


@pytest.fixture
def reference_dir() -> Path:
    """``../shared/reference``; tests that need it are skipped when it is absent."""
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is not beside the project")
    return REFERENCE


@pytest.fixture
def flight_kernels() -> Path:
    """The folder of real flight kernels in ``../shared``; skipped when absent."""
    if not FLIGHT_KERNELS.is_dir():
        pytest.skip("../shared/reference/kernels is not beside the project")
    return FLIGHT_KERNELS


# Synthetic kernel sets (issue #3): `default_kernels` -> metakernel path of the default scenario's set.
from fixtures_geometry import default_kernels, kernel_cache_dir  # noqa: E402,F401
