"""Shared set-up of the renderer's tests (no tests here): kernels, requests, independent SPICE helpers."""

from __future__ import annotations

import numpy as np
import spiceypy

from instrument_models.junocam import JunoCam
from simulator.render import RenderRequest, render_framelets
from simulator.scenario import load_scenario, scenario_from_dict

QUIET = {"enabled": False}     # [noise] table with every random/dark effect off
LIMB_FRAME = 10                # in the default scenario, GREEN framelets of frame 10 cross the limb


def request_for(scenario, cache_dir, **overrides) -> RenderRequest:
    """A request from ``scenario`` with the test-friendly defaults (no noise, no compression) overridden."""
    base = dict(noise=QUIET, compression="NONE", filters=("GREEN",), frames=LIMB_FRAME + 1,
                frame_indices=(LIMB_FRAME,), tdi_stages={"GREEN": 1})
    base.update(overrides)
    return RenderRequest.from_scenario(scenario, cache_dir=cache_dir, **base)


def render_one(request, **kw):  # noqa: D103
    """The single framelet a request asks for."""
    out = list(render_framelets(request, **kw))
    assert len(out) == 1, f"expected one framelet, got {len(out)}"
    return out[0]


def default_scenario():
    """The default pass with the camera as ``JunoCam.default()`` describes it (mission-time ageing off: the
    renderer's tests compare with that camera; tests/test_aging.py renders the aged one)."""
    return load_scenario("default").replace(mission={"enabled": False})


def dawn_scenario():
    """The default pass with the perijove meridian at dawn, so the terminator is in view."""
    data = default_scenario().to_dict()
    data["orbit"]["perijove_local_time_h"] = 6.0
    return scenario_from_dict({k: v for k, v in data.items() if v is not None})


def motion_direction(filter_name: str, et: float, cam=None) -> int:
    """Sign of the image motion along the lines, from SPICE's own attitude (independent of the renderer)."""
    cam = cam or JunoCam.default()
    period = cam.timing.tdi_line_period_s
    ray = cam.pixel_to_ray(filter_name, 824.5, 64.5)
    inertial = spiceypy.pxform("JUNO_JUNOCAM", "J2000", et) @ ray
    later = spiceypy.pxform("J2000", "JUNO_JUNOCAM", et + period) @ inertial
    _, line = cam.ray_to_pixel(filter_name, later)
    return 1 if float(line) > 64.5 else -1


def sincpt_point(ray, et: float, abcorr: str = "LT+S"):
    """spiceypy.sincpt of a JUNO_JUNOCAM ray: (point, range_km) or (None, None) on a miss."""
    try:
        spoint, _, srfvec = spiceypy.sincpt("ELLIPSOID", "JUPITER", et, "IAU_JUPITER", abcorr, "JUNO",
                                            "JUNO_JUNOCAM", np.asarray(ray, dtype=float))
    except spiceypy.utils.exceptions.NotFoundError:
        return None, None
    return np.asarray(spoint), float(np.linalg.norm(srfvec))


class FlatPhotometry:
    """I/F = albedo everywhere on the body, lit or not: a test pattern whose only edge is the limb."""

    def iof(self, albedo, cos_i, cos_e, cos_phase=None, filter_name="GREEN"):
        return np.broadcast_to(np.asarray(albedo, dtype=float), np.shape(cos_i)).copy()


def uniform_scene(albedo: float = 0.5, photometry=None):
    """Jupiter's ellipsoid with one albedo; Lambert photometry (I/F = albedo cos i) unless given."""
    from scenes import JUPITER_RADII_KM, Ellipsoid
    from scenes.maps import UniformAppearance
    from scenes.photometry import Photometry
    from scenes.scene import Body, Scene
    body = Body("JUPITER", 599, "IAU_JUPITER", Ellipsoid(JUPITER_RADII_KM),
                UniformAppearance({f: albedo for f in ("METHANE", "BLUE", "GREEN", "RED")}))
    return Scene(bodies=(body,), photometry=photometry or Photometry("lambert"))
