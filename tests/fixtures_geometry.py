"""Session-scoped kernel sets for the built-in scenarios (written once per test session, then reused).

``default_kernels`` is exported through ``tests/conftest.py`` for every test module; the other
fixtures here are imported by the scenario/kernel/geometry tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.kernelset import kernel_set_for
from simulator.scenario import load_scenario


@pytest.fixture(scope="session")
def kernel_cache_dir(tmp_path_factory) -> Path:
    """One cache folder for every synthetic kernel set written in this test session."""
    return tmp_path_factory.mktemp("kernel-cache")


@pytest.fixture(scope="session")
def default_kernels(kernel_cache_dir) -> Path:
    """Metakernel of the ``default`` scenario's synthetic kernel set."""
    return kernel_set_for(load_scenario("default"), kernel_cache_dir)


@pytest.fixture(scope="session")
def pj1_kernels(kernel_cache_dir) -> Path:
    """Metakernel of the ``pj1`` scenario's synthetic kernel set."""
    return kernel_set_for(load_scenario("pj1"), kernel_cache_dir)


@pytest.fixture(scope="session")
def pj10_kernels(kernel_cache_dir) -> Path:
    """Metakernel of the ``pj10`` scenario's synthetic kernel set."""
    return kernel_set_for(load_scenario("pj10"), kernel_cache_dir)
