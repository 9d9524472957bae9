"""Expected data volume of a planned image, with the budget estimator (``simulator.budget``).

The estimator predicts a framelet's compressed size from cheap statistics of its 8-bit pixels, so the
planner renders a cheap preview of each image (the middle frame in every filter, no truth, no
supersampling, no compression) and scales the estimate to the image's frames. The estimate therefore
assumes the middle frame is typical of the image; its error is the estimator's stated error plus that
assumption. Previews are cached per (image, summing): changing the quality reuses them.
``junocam-sim plan --measure`` uses :class:`MeasuredVolumeModel` instead, which renders every framelet.
"""

from __future__ import annotations

from dataclasses import replace

from instrument_models.junocam.downlink import DownlinkParams
from simulator.budget import estimate_framelet_bytes, framelet_stats
from simulator.planning.proposal import ImagePlan
from simulator.render import RenderRequest
from simulator.render.engine import render_framelets


class PreviewVolumeModel:
    """Volume estimates from preview renders of each image's middle frame.

    Parameters
    ----------
    base_request : a render request from the scenario (kernels, scene, noise, seed); each preview replaces
        its timing and commanding fields with the image's.
    link : downlink parameters (for the per-framelet overhead).
    camera, scene : passed to the renderer (built once, reused by every preview).
    """

    source = "estimate (simulator.budget estimator on a preview render of the middle frame)"

    def __init__(self, base_request: RenderRequest, link: DownlinkParams, camera=None, scene=None):
        self.base = base_request
        self.link = link
        self.camera, self.scene = camera, scene
        self._cache: dict[tuple, object] = {}

    def _render(self, plan: ImagePlan, **overrides):
        """Render ``plan``'s framelets (no truth) with ``overrides`` on top of its commanding fields."""
        request = self.base.with_overrides(
            start_et=plan.start_et, frames=plan.frames, filters=tuple(plan.filters), tdi_stages=dict(plan.tdi),
            interframe_delay_s=plan.interframe_delay_s, summing=plan.summing, companding=plan.companding,
            **overrides)
        return render_framelets(request, camera=self.camera, scene=self.scene)

    def estimate_bytes(self, plan: ImagePlan) -> int:
        """Expected volume (bytes) of ``plan``: estimated framelets x frames, plus per-framelet overhead."""
        key = (plan.number, plan.summing)
        if key not in self._cache:
            options = replace(self.base.options, supersample=1, with_truth=False, max_stage_nodes=1)
            self._cache[key] = {r.filter: framelet_stats(r.dn8) for r in self._render(
                plan, compression="NONE", frame_indices=(plan.frames // 2,), options=options)}
        stats = self._cache[key]
        per_frame = sum(estimate_framelet_bytes(s, plan.compression, plan.quality) for s in stats.values())
        return int(round(plan.frames * (per_frame + len(stats) * self.link.framelet_overhead_bytes)))


class MeasuredVolumeModel(PreviewVolumeModel):
    """Volumes measured by rendering every framelet of each image (no truth) and compressing it in the
    image's own mode and quality, plus the per-framelet overhead: exact for the scene, and slow (the
    whole image is rendered again at each degradation step)."""

    source = "measured (every framelet rendered without truth and compressed in the image's mode)"

    def estimate_bytes(self, plan: ImagePlan) -> int:
        key = (plan.number, plan.summing, plan.compression, plan.quality)
        if key not in self._cache:
            options = replace(self.base.options, with_truth=False)
            self._cache[key] = sum(r.compressed_bytes + self.link.framelet_overhead_bytes for r in self._render(
                plan, compression=plan.compression, quality=plan.quality, options=options))
        return int(self._cache[key])
