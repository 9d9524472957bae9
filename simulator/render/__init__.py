"""The renderer: raw JunoCam framelets and their per-pixel truth, streamed one framelet at a time.

Public API::

    from simulator.render import RenderRequest, FrameletResult, render_framelets
    request = RenderRequest.from_scenario(load_scenario("default"), frames=2)
    for result in render_framelets(request):
        result.dn8, result.truth["LAT_PC"], result.compressed_bytes

Modules, one per concept: ``types`` (request/result), ``timing`` (true exposure times, TDI stage
quadrature), ``los`` (rays, true attitude, image motion), ``sampling`` (scene per time sample: sky skip,
edge integration), ``blur`` (PSF), ``electronics`` (radiometry + detector chain + companding +
compression), ``truth`` (backplanes), ``engine`` (the streaming loop).
"""

from simulator.render.engine import Stopwatch, render_framelets
from simulator.render.types import (FILTER_ORDER, TRUTH_DTYPES, FrameletResult, InjectedErrors,
                                    RenderError, RenderOptions, RenderRequest)

__all__ = ["FILTER_ORDER", "TRUTH_DTYPES", "FrameletResult", "InjectedErrors", "RenderError",
           "RenderOptions", "RenderRequest", "Stopwatch", "render_framelets"]
