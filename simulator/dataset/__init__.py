"""Datasets at scale (issue #16): many products from one declarative spec, with a manifest.

Public API::

    from simulator.dataset import load_spec, run_dataset, RunOptions
    spec = load_spec("spec.toml")                 # DatasetSpec; spec.items() -> [Item]
    result = run_dataset(spec, "out", RunOptions(workers=2))   # or RunOptions(scheduler="tcp://host:8786")
    from simulator.dataset.manifest import read_manifest      # pyarrow.Table, one row per product
    from simulator.dataset.export import export_crops         # ML crops into one zarr store

Modules: ``spec`` (TOML -> items, seeded draws), ``worker`` (one item -> product + row), ``runner`` (local
processes or Dask, resume, progress), ``manifest`` (Parquet + CSV), ``export`` (zarr crops for ML).
"""

from simulator.dataset.runner import RunOptions, RunResult, run_dataset
from simulator.dataset.spec import DatasetSpec, DatasetSpecError, Item, apply_item, load_spec, parse_spec

__all__ = ["DatasetSpec", "DatasetSpecError", "Item", "RunOptions", "RunResult", "apply_item", "load_spec",
           "parse_spec", "run_dataset"]
