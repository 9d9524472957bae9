"""The streaming engine: one framelet at a time, from times to geometry, scene, blur, radiometry, detector.

For each framelet (frame ``n``, filter ``F``, ``N`` TDI stages), in product order:

1. times: true exposure start ``t0`` (``timing.py``), stage nodes ``t0 + (k + 1/2) T``, mid-exposure
   ``t0 + N T / 2`` and ``t_mid + T``: one ``Geometry.sample`` call (SPICE once per time sample);
2. image motion direction ``d`` and rate ``v`` (rows per stage, per column) from the true attitude;
3. per stage node: the window's rays shifted by the packet's row offset ``-(N - 1 - k) d``, the scene
   sampled with sky skipped, edges integrated over area and time (``sampling.py``), summed with weights;
4. the optical PSF on the pixel grid (``blur.py``), crop to the window;
5. radiometry and the detector chain to 12-bit DN, summing, companding, compression (``electronics.py``);
6. truth at mid-exposure for the row the packet occupied then (``truth.py``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Iterator

import numpy as np

from simulator.render import blur, bodies, los, timing, workers
from simulator.render.sampling import sample_node
from simulator.render.types import FrameletResult, RenderRequest

READOUT_LINES = 128  # unsummed framelet lines (facts.md "Camera geometry": 128-line readout)
CCD_SAMPLES = 1648   # samples per line (facts.md)


class Stopwatch:
    """Accumulates time per named stage (for the benchmark's breakdown): wall time by default, or any
    ``timer`` (``time.thread_time``: the CPU seconds of the rendering thread, which a loaded machine's other
    processes do not inflate, when the render runs in one thread)."""

    def __init__(self, timer=time.perf_counter):
        self.seconds = defaultdict(float)
        self.counts = defaultdict(int)
        self._t = None
        self._timer = timer

    def lap(self, name: str, count: int = 0) -> None:
        now = self._timer()
        if self._t is not None:
            self.seconds[name] += now - self._t
        self.counts[name] += count
        self._t = now

    def start(self) -> None:
        self._t = self._timer()

    def add(self, other: "Stopwatch") -> None:
        """Add another stopwatch's totals (a framelet worker's) into this one, and clear it."""
        for name, sec in other.seconds.items():
            self.seconds[name] += sec
        for name, count in other.counts.items():
            self.counts[name] += count
        other.seconds.clear()
        other.counts.clear()


class FrameletRenderer:
    """Renders framelets of one request with one camera, scene and open geometry service."""

    def __init__(self, request: RenderRequest, cam, scene, geo, chain, stopwatch: Stopwatch | None = None,
                 rays: los.RayCache | None = None, noise_threads: bool = True):
        self.req = request
        self.cam = cam
        self.scene = scene
        self.geo = geo
        self.chain = chain
        self.clock = stopwatch or Stopwatch()
        self.rays = rays or los.RayCache(cam)
        self.noise_threads = noise_threads    # False in a framelet worker (workers.py): noise blocks in turn
        self._quadrature: dict = {}           # stage nodes and sub-sample times per TDI stage count
        opts = request.options
        self.psf_sigma = float(opts.psf_sigma_px)
        self.row_margin = blur.gaussian_weights(self.psf_sigma).size // 2 + 1
        self.col_margin = self.row_margin
        lo, hi = request.sample_range or (0, CCD_SAMPLES)
        self.cols = (lo, hi)
        self.win_cols = (max(0, lo - self.col_margin), min(CCD_SAMPLES, hi + self.col_margin))
        self.radius_km = float(max(scene.bodies[0].shape.radii_km))
        ifov = float(cam.optics.ifov_rad)
        self.margin_rad = (opts.sky_margin_px + self.row_margin) * ifov * 1.1
        self.t_ref = timing.frame_start_et(cam, request.start_et, 0, request.interframe_delay_s,
                                           request.errors.start_time_jitter_s,
                                           request.errors.interframe_delay_error_s)
        self.offset_rot = los.rotation_matrix(request.errors.attitude_offset_rad)
        self.dw = float(request.errors.spin_rate_error_rpm) * 2.0 * np.pi / 60.0  # rpm -> rad/s
        # Extra scene bodies (moons, meshes; render/bodies.py): None for a Jupiter-only scene.
        self.extra = bodies.ExtraBodies.for_scene(scene if request.options.scene_on else None, geo,
                                                  self.margin_rad)

    def stage_nodes(self, n_stages: int) -> timing.StageNodes:
        """``timing.stage_nodes`` for this request, computed once per stage count (read-only arrays)."""
        key = ("nodes", n_stages)
        if key not in self._quadrature:
            self._quadrature[key] = timing.stage_nodes(n_stages, self.req.options.max_stage_nodes)
        return self._quadrature[key]

    def subsamples(self, n_stages: int, node_index: int, n_side: int):
        """``timing.subsample_times`` of a stage node, computed once per (stages, node, side)."""
        key = ("sub", n_stages, node_index, n_side)
        if key not in self._quadrature:
            self._quadrature[key] = timing.subsample_times(self.stage_nodes(n_stages), node_index, n_side)
        return self._quadrature[key]

    def correction(self, axis: np.ndarray, et: float) -> np.ndarray:
        """True-attitude correction ``A(t)`` (see ``los.py``)."""
        return los.rotation_matrix(axis * self.dw * (et - self.t_ref)) @ self.offset_rot

    def render(self, frame: int, filter_name: str, first_line: int) -> FrameletResult:
        req, cam, clock = self.req, self.cam, self.clock
        clock.start()
        n_stages = int(req.tdi_stages[filter_name])
        period = float(cam.timing.tdi_line_period_s)
        t0 = timing.frame_start_et(cam, req.start_et, frame, req.interframe_delay_s,
                                   req.errors.start_time_jitter_s, req.errors.interframe_delay_error_s)
        nodes = self.stage_nodes(n_stages)
        t_mid = t0 + 0.5 * n_stages * period
        ets = np.concatenate([t0 + nodes.time_offset_s(period), [t_mid, t_mid + period]])
        geo_s = self.geo.sample(ets)
        i_mid, i_next = len(ets) - 2, len(ets) - 1
        axis, rate_nominal = los.spin_axis_rate(geo_s.cam_to_j2000[i_mid], geo_s.cam_to_j2000[i_next], period)
        corr = [self.correction(axis, float(t)) for t in ets]
        extra_s = self.extra.sample(ets) if self.extra is not None else None   # extra bodies
        clock.lap("spice", len(ets))

        m, (c0, c1) = self.row_margin, self.win_cols
        n_rows, n_cols = READOUT_LINES + 2 * m, c1 - c0
        centre_rays = self.rays.rays(filter_name, 0.0, READOUT_LINES // 2, 1, c0, n_cols)[0]
        direction, v = los.image_motion(cam, filter_name, centre_rays, geo_s.cam_to_j2000[i_mid], corr[i_mid],
                                        geo_s.cam_to_j2000[i_next], corr[i_next],
                                        np.full(n_cols, READOUT_LINES // 2 + 0.5))
        clock.lap("rays")

        v_med = float(np.nanmedian(v))
        edge_rows = int(np.ceil(0.5 + 0.5 * (v_med + nodes.max_block * abs(1.0 - v_med))))
        n_side = max(1, int(req.options.supersample))
        rate = rate_nominal + self.dw
        picture = np.zeros((n_rows, n_cols)) if nodes.weight.size > 1 else None
        truth_offset = -(n_stages - 1 - timing.truth_stage(n_stages)) * direction
        reuse_node = None
        for s, (offset, weight) in enumerate(zip(nodes.row_offset(direction), nodes.weight)):
            rays = self.rays.rays(filter_name, float(offset), -m, n_rows, c0, n_cols)
            stage, dt, du, dv = self.subsamples(n_stages, s, n_side)
            # Sub-sample i: its own stage's row, and the spin over its time offset from the node.
            sub_rot = corr[s] @ los.rotation_matrix(axis[None, :] * (rate * dt * period)[:, None])
            sub_line = dv - (n_stages - 1 - stage) * direction
            clock.lap("rays")

            def subpixel(rr, cc, _rot=sub_rot, _du=du, _dl=sub_line):
                smp = (c0 + cc + 0.5)[:, None] + _du[None, :]
                lin = (rr - m + 0.5)[:, None] + _dl[None, :]
                r = cam.pixel_to_ray(filter_name, smp, lin)                  # (P, k, 3)
                return los.rotate_each(_rot, r).reshape(-1, 3)

            # The truth reuses this node when it is the packet's mid-exposure row at mid-exposure.
            reuse = (req.options.with_truth and req.options.scene_on and req.summing == 1
                     and float(offset) == truth_offset and float(ets[s]) == float(t_mid))
            scene = self.scene if req.options.scene_on else None
            node = sample_node(self.geo, scene, filter_name, rays, geo_s, s, self.radius_km, self.margin_rad,
                               subpixel, du.size, edge_rows, keep_geometry=reuse,
                               ifov_rad=float(cam.optics.ifov_rad), grid_step=req.options.geometry_grid_px,
                               grid_tol_px=req.options.geometry_tol_px, clock=clock, rotation=corr[s])
            if self.extra is not None:     # extra bodies over Jupiter (render/bodies.py)
                nominal = rays @ corr[s].T
                node = self.extra.overlay(node, scene, filter_name, nominal, geo_s, extra_s, s, subpixel,
                                          du.size, edge_rows, float(cam.optics.ifov_rad), clock)
            if reuse:
                reuse_node = node
            if picture is None:       # the only node (weight 1): its I/F is the picture, no zeroed window;
                picture = node.iof    # + 0.0 does what 0 + 1.0 * x did (-0 -> +0; 1.0 * x is x)
                picture += 0.0
            else:
                picture += weight * node.iof
            clock.lap("node assembly")

        iof = blur.psf_window(picture, self.psf_sigma, (m, m + READOUT_LINES),
                              (self.cols[0] - c0, self.cols[1] - c0))
        clock.lap("psf")

        # Steps 5 and 6 (radiometry, detector chain, truth) are delegated so each stays one concept.
        from simulator.render import truth  # local: keeps the import graph one-way
        solar_km = float(np.linalg.norm(geo_s.sun_body[i_mid]))
        dn = self.chain.expose(iof, filter_name, n_stages, solar_km, frame,
                               jupiter_distance_km=float(np.linalg.norm(geo_s.obs_body[i_mid])),
                               threads=self.noise_threads)
        clock.lap("detector+compress")
        tplanes = None
        if req.options.with_truth:
            tplanes = truth.truth_planes(self, filter_name, n_stages, direction, geo_s, i_mid, corr[i_mid],
                                         iof, dn.dn12_noise_free, reuse=self.crop(reuse_node), extra_s=extra_s)
            clock.lap("truth", tplanes["BODY"].size)
        attitude = geo_s.cam_to_j2000[i_mid] @ corr[i_mid]
        return FrameletResult(frame=frame, filter=filter_name, first_line=first_line, start_et=t0, mid_et=t_mid,
                              dn8=dn.dn8, truth=tplanes or {}, attitude=attitude,
                              compressed_bytes=dn.compressed_bytes, dn12=dn.dn12, injected=req.errors.as_record(),
                              tdi_stages=n_stages)

    def crop(self, node):
        """A node sample cut from the window (margins) to the output grid, or None."""
        if node is None:
            return None
        m, c0 = self.row_margin, self.win_cols[0]
        rs, cs = slice(m, m + READOUT_LINES), slice(self.cols[0] - c0, self.cols[1] - c0)
        return type(node)(iof=node.iof[rs, cs], hit=node.hit[rs, cs], n_intercepts=0,
                          geometry={k: v[rs, cs] for k, v in node.geometry.items()})


def first_product_line(request: RenderRequest, frame: int, filter_name: str) -> int:
    """Row of a framelet in the raw product image (summed lines): product order is frame, then filter."""
    lines = READOUT_LINES // request.summing
    return (frame * len(request.filters) + request.filters.index(filter_name)) * lines


def render_framelets(request: RenderRequest, *, camera=None, scene=None,
                     stopwatch: Stopwatch | None = None) -> Iterator[FrameletResult]:
    """Render the request's framelets one at a time, in product (PNG) order.

    Parameters
    ----------
    request : what to render.
    camera : the nominal ``JunoCam`` (default ``JunoCam.default()``); the injected distortion error and the
        mission-time camera state (``request.errors.camera_state``) are applied on top of it.
    scene : a built scene (default ``build_scene(request.scene_config, request.seed)``).
    stopwatch : collects the per-stage time breakdown when given.

    Yields
    ------
    FrameletResult, one per (frame, filter); memory stays bounded by the working arrays of the framelets
    in flight (one, or a batch when several are rendered side by side: ``workers.py``,
    ``RenderOptions.framelet_workers``; the results do not depend on it).
    """
    from instrument_models.junocam import JunoCam
    from instrument_models.junocam.aging import apply_mission_state
    from scenes.scene import build_scene
    from simulator.geometry import Geometry
    from simulator.render.electronics import DetectorChain

    cam = camera if camera is not None else JunoCam.default()
    e = request.errors
    if e.distortion_k1 is not None or e.distortion_k2 is not None:
        cam = cam.with_distortion(cam.optics.k1 if e.distortion_k1 is None else e.distortion_k1,
                                  cam.optics.k2 if e.distortion_k2 is None else e.distortion_k2)
    if e.camera_state is not None:     # mission time: the camera as radiation has aged it ([mission])
        cam = apply_mission_state(cam, e.camera_state)
    chain = DetectorChain.for_request(request, cam)
    chain.prepare(request.filters, request.tdi_stages)   # per-filter maps built beside the setup below
    if scene is None:
        scene = build_scene(dict(request.scene_config), request.seed)
    n_workers, threads = workers.plan(request.options.framelet_workers)
    with Geometry(request.metakernel, abcorr=request.abcorr) as geo:
        if n_workers == 1:
            renderer = FrameletRenderer(request, cam, scene, geo, chain, stopwatch)
            for frame, filter_name in request.framelet_order():
                yield renderer.render(frame, filter_name, first_product_line(request, frame, filter_name))
            return
        yield from _render_side_by_side(request, cam, scene, geo, chain, stopwatch, n_workers, threads)


def _render_side_by_side(request, cam, scene, geo, chain, stopwatch, n_workers: int, threads: int):
    """``render_framelets`` with ``n_workers`` framelets at once (``workers.py``), in batches of
    ``BATCH_PER_WORKER x n_workers``: the workers run only while the caller waits for a batch, results in
    product order."""
    import queue
    from concurrent.futures import ThreadPoolExecutor

    rays = los.RayCache(cam)
    idle: queue.SimpleQueue = queue.SimpleQueue()
    # Built here, in the caller's thread: constructing a renderer calls SPICE (extra bodies' radii).
    renderers = [FrameletRenderer(request, cam, scene, geo, chain, Stopwatch(), rays=rays, noise_threads=False)
                 for _ in range(n_workers)]
    for r in renderers:
        idle.put(r)

    def job(item):
        frame, filter_name = item
        renderer = idle.get()
        try:
            return renderer.render(frame, filter_name, first_product_line(request, frame, filter_name))
        finally:
            idle.put(renderer)

    order = list(request.framelet_order())
    batch = workers.batch_size(n_workers)     # what workers.handover tells a consumer to queue
    with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="junocam-framelet",
                            initializer=workers.initializer(threads)) as pool:
        for k in range(0, len(order), batch):
            results = list(pool.map(job, order[k:k + batch]))
            if stopwatch is not None:
                for r in renderers:
                    stopwatch.add(r.clock)
            yield from results
