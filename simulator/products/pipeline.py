"""From a scenario to a finished product folder: kernels, reported start, geometry, render, write.

This is the one place that joins the scenario, the kernels, the renderer and the product writers; the
``render``, ``demo`` and planner-sequence paths all call :func:`render_product`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from simulator.products import clock
from simulator.products.description import ReportedGeometry, describe_image
from simulator.products.truth import TruthStorage
from simulator.products.writer import MAX_PENDING, KernelSource, ProductContext, ProductWriter, render_planes


@dataclass(frozen=True)
class ProductRequest:
    """What to render into one product.

    Attributes
    ----------
    scenario : the loaded scenario, CLI overrides already applied to its tables.
    out_dir : the product folder ``out_dir/<PRODUCT_ID>/`` is created inside it.
    kernels : the user's metakernel, or ``None`` for the scenario's synthetic kernel set.
    start_utc : a START_TIME to keep exactly (twins); ``None`` puts the scenario's start on a whole tick.
    sclk_start : a SPACECRAFT_CLOCK_START_COUNT to time from (twins with real kernels).
    image_number, version : PRODUCT_ID's ``nnnnn`` and ``Vxx``.
    title : TITLE (default names the scenario).
    overwrite : replace an existing product folder of the same id.
    cache_dir : synthetic kernel cache (default ``simulator.kernelset.default_cache_dir()``).
    letter : PRODUCT_ID's letter (a twin keeps its original's).
    records : ``{file name: dict}`` written as JSON at the product folder's top before it is renamed into
        place (a twin's ``twin.json``: how its geometry was obtained).
    truth : how the truth FITS is stored (level ``full``/``minimal``/``none``, quantisation, processes).
    """

    scenario: object
    out_dir: Path
    kernels: Path | None = None
    start_utc: str | None = None
    sclk_start: str | None = None
    image_number: int = 1
    version: int = 1
    title: str | None = None
    overwrite: bool = False
    cache_dir: Path | None = None
    letter: str = "C"
    records: dict | None = None
    truth: TruthStorage = TruthStorage()


def reported_geometry(geo, start_et: float) -> ReportedGeometry:
    """What a label reports about the geometry at START_TIME (``geo``: an entered ``Geometry``)."""
    sub = geo.sub_spacecraft([start_et])
    return ReportedGeometry(float(sub.altitude_km[0]), float(sub.lat_pc[0]), float(sub.lon_w[0]),
                            float(geo.solar_distance_km([start_et])[0]))


def _reported_start(req: ProductRequest) -> tuple[float, str, str]:
    """(ET the renderer times frames from, SPACECRAFT_CLOCK_START_COUNT, START_TIME), kernels loaded."""
    if req.sclk_start is not None:
        et = clock.sclk_string_to_et(req.sclk_start)
        return et, req.sclk_start, req.start_utc or clock.et_to_utc_ms(et)
    if req.start_utc is not None:
        ticks = round(clock.et_to_ticks(clock.utc_to_et(req.start_utc)))
        return clock.ticks_to_et(ticks), clock.ticks_to_sclk_string(ticks), req.start_utc
    scenario = req.scenario
    utc = scenario.imaging.start_utc or scenario.orbit.perijove_utc
    return clock.reported_start(clock.utc_to_et(str(utc)))


def render_product(req: ProductRequest, progress: Callable[[int, int], None] | None = None) -> Path:
    """Render ``req`` and write its product folder atomically; return the folder's path.

    ``progress(done, total)`` is called after each framelet and after each file written when given:
    the framelets count 1 each, the writes as many again (by their share of the bytes), so ``total`` is
    twice the framelet count and ``done`` reaches it only when the product is in place.
    """
    return _render(req, progress, summary=False)[0]     # no manifest figures: nor the planes only they read


def render_product_with_summary(req: ProductRequest, progress: Callable[[int, int], None] | None = None
                                ) -> tuple[Path, dict]:
    """:func:`render_product`, also returning the product's key figures (dataset manifests).

    The dict has ``product_id``, the sub-spacecraft point at the reported start (``sub_spacecraft_lat_pc_deg``,
    ``sub_spacecraft_lon_w_deg``, ``spacecraft_altitude_km``), the injected errors as applied
    (``injected_errors``) and :class:`simulator.products.truth.TruthSummary`'s figures (NaN without truth).
    """
    return _render(req, progress, summary=True)


def _render(req: ProductRequest, progress, summary: bool) -> tuple[Path, dict]:
    """Both of the above; ``summary``: gather the truth figures (and render the planes they read)."""
    from simulator.geometry import Geometry
    from simulator.kernelset import default_cache_dir, resolve_kernels
    from simulator.products.calibration_out import CACHE_FOLDER
    from simulator.render import RenderRequest
    from simulator.render.engine import render_framelets
    from simulator.render.workers import handover
    from simulator.scenario import scenario_to_toml

    scenario = req.scenario
    metakernel = resolve_kernels(scenario, req.kernels, req.cache_dir)
    copy_folder = None if req.kernels else metakernel.parent  # synthetic sets are small and ours: copy them
    abcorr = str(scenario.geometry.aberration_correction)
    with Geometry(metakernel, abcorr=abcorr) as geo:
        start_et, sclk_start, start_utc = _reported_start(req)
        geometry = reported_geometry(geo, start_et)
    imaging = scenario.table("imaging")
    desc = describe_image(start_utc=start_utc, sclk_start=sclk_start, imaging=imaging, geometry=geometry,
                          scenario=scenario.name, seed=int(scenario.seed), image_number=req.image_number,
                          version=req.version, title=req.title, letter=req.letter)
    request = RenderRequest.from_scenario(scenario, req.cache_dir)
    # only the truth planes this product keeps or reads (--truth none/minimal make fewer; same bytes)
    options = replace(request.options, truth_planes=render_planes(req.truth, summary))
    request = request.with_overrides(metakernel=metakernel, start_et=start_et, options=options,
                                     interframe_delay_s=desc.interframe_delay_s)
    context = ProductContext(scenario=scenario.name, seed=int(scenario.seed), abcorr=abcorr,
                             injected_errors=request.errors.as_record(),
                             scenario_toml=scenario_to_toml(scenario))
    total = len(request.framelet_order())
    with ProductWriter(req.out_dir, desc, context, KernelSource(metakernel, copy_folder),
                       overwrite=req.overwrite, with_truth=request.options.with_truth,
                       progress=progress, truth_storage=req.truth,
                       calibration_cache=Path(req.cache_dir or default_cache_dir()) / CACHE_FOLDER,
                       pending=max(MAX_PENDING, handover(request.options.framelet_workers)),
                       summary=summary) as writer:
        for done, result in enumerate(render_framelets(request), start=1):
            writer.add(result)
            if progress is not None:
                progress(done, 2 * total)
        for name, record in (req.records or {}).items():
            (writer.partial / name).write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
        folder = writer.finish()
    figures = writer.summary.as_dict() if writer.summary is not None else {}
    record = {"product_id": desc.product_id, "sub_spacecraft_lat_pc_deg": geometry.sub_spacecraft_lat_deg,
               "sub_spacecraft_lon_w_deg": geometry.sub_spacecraft_lon_deg,
               "spacecraft_altitude_km": geometry.spacecraft_altitude_km,
               "injected_errors": context.injected_errors, **figures}
    return folder, record
