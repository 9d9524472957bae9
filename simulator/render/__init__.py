"""The renderer: raw JunoCam framelets and their per-pixel truth, streamed one framelet at a time.

Public API::

    from simulator.render import RenderRequest, FrameletResult, render_framelets
"""

from simulator.render.types import (FILTER_ORDER, TRUTH_DTYPES, FrameletResult, InjectedErrors,
                                    RenderError, RenderOptions, RenderRequest)

__all__ = ["FILTER_ORDER", "TRUTH_DTYPES", "FrameletResult", "InjectedErrors", "RenderError",
           "RenderOptions", "RenderRequest"]
