"""Observation planning for a perijove pass (issue #7): what ``junocam-sim plan`` does, as a library.

Public API::

    from simulator.planning import PlanRequest, plan_pass, parse_target, write_plan
    result = plan_pass(PlanRequest(scenario, metakernel, parse_target("north-pole")), volume_model_factory)
    result.kept, result.dropped, result.footprints, result.message      # images, reasons, framelet outlines
    write_plan(result, out_dir, scene)                                  # sequence.json, sequence.csv, PNG plots

Modules, one concept each: ``targets`` (what to point at), ``window`` (when), ``swath`` (where the strips look
relative to the spin), ``opportunities`` (per-spin scan and crossing-time bisection), ``exposure`` (TDI for an
SNR goal), ``proposal`` (one image: start, frames, TDI, pixel scales), ``volume`` (expected bytes from the
budget estimator on a preview render), ``sequence`` (buffer/downlink limit and the degradation ladder),
``footprints`` (framelet outlines on the planet), ``outputs`` and ``plots`` (files), ``planner`` (the pipeline).
"""

import importlib

# Names resolve on first use, so `junocam-sim --help` does not import the whole planner.
_LAZY = {"PlanningError": "errors", "write_plan": "outputs", "PlanRequest": "planner", "PlanResult": "planner",
         "plan_pass": "planner", "Target": "targets", "parse_target": "targets"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"simulator.planning.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'simulator.planning' has no attribute {name!r}")
