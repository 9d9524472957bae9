"""What ``junocam-sim plan`` writes: ``sequence.json`` (for ``junocam-sim render --sequence``) and a CSV table.

``sequence.json`` holds the plan's context and one entry per image to take (``images``), plus the images
the budget dropped (``dropped``, not rendered). Files are written to a temporary name and renamed.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np

from simulator.planning.footprints import Footprint
from simulator.planning.proposal import ImagePlan

SEQUENCE_FORMAT = "junocam-sim plan sequence v1"

CSV_COLUMNS = ("number", "status", "target", "start_utc", "crossing_utc", "frames", "filters", "tdi",
               "summing", "compression", "quality", "nadir_scale_km", "target_scale_km", "altitude_km",
               "range_km", "incidence_deg", "emission_deg", "phase_deg", "target_lat_pg_deg",
               "target_lon_w_deg", "volume_bytes", "volume_source", "reasons")


def _round(x, digits: int = 4):
    """JSON-friendly float (NaN -> None)."""
    x = float(x)
    return None if not np.isfinite(x) else round(x, digits)


def footprint_record(fp: Footprint, et_to_utc) -> dict:
    """One framelet's footprint as plain JSON data (planetographic latitude, west longitude, degrees)."""
    return {
        "frame": fp.frame, "filter": fp.filter, "mid_utc": et_to_utc(fp.mid_et),
        "corners_lat_lon": [[_round(a), _round(b)] for a, b in zip(fp.corners_lat_pg_deg, fp.corners_lon_w_deg)],
        "outline_lat_lon": [[_round(a), _round(b)] for a, b in zip(fp.lat_pg_deg, fp.lon_w_deg)],
    }


def stated_error(mode: str) -> float:
    """The size estimator's stated 90th-percentile relative error per framelet for ``mode`` (0 for NONE)."""
    from simulator.budget import ESTIMATOR_ERROR_90PCT

    return float(ESTIMATOR_ERROR_90PCT.get(mode, 0.0))


def image_record(plan: ImagePlan, et_to_utc, footprints: list[Footprint] | None, volume_source: str,
                 volume_error: float) -> dict:
    """One ``sequence.json`` entry (the renderer reads the commanding fields; the rest is for people).

    ``volume_error``: the stated 90th-percentile relative error of ``volume_bytes`` (0 when measured).
    """
    record = {
        "number": plan.number, "status": plan.status, "target": plan.target,
        "start_utc": et_to_utc(plan.start_et), "start_et": plan.start_et,
        "crossing_utc": et_to_utc(plan.crossing_et),
        "frames": plan.frames, "filters": list(plan.filters), "tdi": dict(plan.tdi),
        "interframe_delay_s": plan.interframe_delay_s, "summing": plan.summing,
        "companding": plan.companding, "compression": plan.compression, "quality": plan.quality,
        "nadir_scale_km": _round(plan.nadir_scale_km), "target_scale_km": _round(plan.target_scale_km),
        "altitude_km": _round(plan.altitude_km, 1), "range_km": _round(plan.range_km, 1),
        "incidence_deg": _round(plan.incidence_deg, 2), "emission_deg": _round(plan.emission_deg, 2),
        "phase_deg": _round(plan.phase_deg, 2),
        "sub_spacecraft_lat_pg_deg": _round(plan.sub_lat_pg_deg, 3),
        "sub_spacecraft_lon_w_deg": _round(plan.sub_lon_w_deg, 3),
        "target_lat_pg_deg": _round(plan.target_lat_pg_deg, 3),
        "target_lon_w_deg": _round(plan.target_lon_w_deg, 3),
        "expected_iof": {f: _round(v) for f, v in plan.expected_iof.items()},
        "snr": {f: _round(v, 1) for f, v in plan.snr.items()},
        "volume_bytes": int(plan.volume_bytes), "volume_source": volume_source,
        "volume_error_90pct": volume_error,
        "reasons": list(plan.reasons),
    }
    if footprints is not None:
        record["footprints"] = [footprint_record(fp, et_to_utc) for fp in footprints]
    return record


def _write_atomic(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_sequence_json(path: Path, header: dict, images: list[dict], dropped: list[dict]) -> Path:
    """Write ``sequence.json``: ``header`` keys, then ``images`` (to render) and ``dropped``."""
    doc = {"format": SEQUENCE_FORMAT, **header, "images": images, "dropped": dropped}
    return _write_atomic(Path(path), json.dumps(doc, indent=1) + "\n")


def write_csv(path: Path, records: list[dict]) -> Path:
    """One row per image (kept and dropped), the columns of :data:`CSV_COLUMNS`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for r in sorted(records, key=lambda r: r["number"]):
        row = dict(r)
        row["filters"] = "+".join(r["filters"])
        row["tdi"] = "+".join(str(r["tdi"][f]) for f in r["filters"])
        row["reasons"] = " | ".join(r["reasons"])
        writer.writerow([row[c] for c in CSV_COLUMNS])
    return _write_atomic(Path(path), buf.getvalue())


def write_plan(result, out_dir: Path, scene=None) -> dict[str, Path]:
    """Write ``sequence.json``, ``sequence.csv`` and the three PNG plots of a plan into ``out_dir``.

    Returns the written paths by name. UTC strings come from the plan's own kernels (its LSK).
    """
    from simulator.planning import plots
    from simulator.spice import KernelPool, utc_string

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    req = result.request
    with KernelPool([req.metakernel]):
        source = result.volume_source
        measured = source.startswith("measured")
        images = [image_record(p, utc_string, result.footprints.get(p.number), source,
                               0.0 if measured else stated_error(p.compression)) for p in result.kept]
        dropped = [image_record(p, utc_string, None, source, 0.0 if measured else stated_error(p.compression))
                   for p in result.dropped]
        header = {
            "scenario": req.scenario.name, "metakernel": str(req.metakernel), "aberration_correction": result.abcorr,
            "target": {"name": req.target.name, "kind": req.target.kind,
                       "lat_pg_deg": _round(req.target.lat_pg_deg, 3), "lon_w_deg": _round(req.target.lon_w_deg, 3),
                       "context_radius_km": _round(req.target.context_radius_km, 1)},
            "perijove_utc": utc_string(result.perijove_et),
            "window_utc": [utc_string(result.window_et[0]), utc_string(result.window_et[1])],
            "limits": {"max_emission_deg": req.limits.max_emission_deg,
                       "max_incidence_deg": req.limits.max_incidence_deg},
            "exposure_goal": {"snr": req.goal.snr_goal, "brightness_headroom": req.goal.brightness_headroom,
                              "full_well_fraction": req.goal.full_well_fraction},
            "spin_rate_rpm": _round(result.spin.rate_rad_s * 60.0 / (2.0 * np.pi), 5),
            "swath_half_width_deg": _round(result.swath.half_width_deg, 3),
            "opportunities": len(result.search.opportunities),
            "downlink": {"rate_bps": req.link.rate_bps, "buffer_bytes": int(req.link.buffer_bytes),
                         "framelet_overhead_bytes": int(req.link.framelet_overhead_bytes),
                         "orbit_period_days": float(req.scenario.orbit.period_days)},
            "volume_limit": {"bytes": int(result.limit_bytes), "binding": result.limit_name},
            "all_home_days": _round(result.timeline.all_home_s / 86_400.0, 3) if result.timeline is not None else None,
            "message": result.message,
        }
    paths = {
        "sequence.json": write_sequence_json(out / "sequence.json", header, images, dropped),
        "sequence.csv": write_csv(out / "sequence.csv", images + dropped),
    }
    for name, draw in (("footprints.png", lambda p: plots.plot_footprints(p, result, scene)),
                       ("timeline.png", lambda p: plots.plot_timeline(p, result)),
                       ("pass.png", lambda p: plots.plot_pass(p, result))):
        tmp = out / f".{name}.partial-{os.getpid()}.png"
        draw(tmp)
        os.replace(tmp, out / name)
        paths[name] = out / name
    return paths
