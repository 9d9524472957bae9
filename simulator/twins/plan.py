"""From an original to the scenario of its twin, and the record of how its geometry was obtained.

With the user's kernels (``--kernels``) the geometry is the kernels' and nothing is fitted. Without them:

1. the orbit: :func:`simulator.twins.orbit_fit.fit_orbit` on the original's SPACECRAFT_ALTITUDE and
   sub-spacecraft point at START_TIME, on the perijove of the published table
   (:mod:`simulator.twins.perijoves`);
2. the spin phase: fitted to the limb and terminator rows of the original's raw image when it is at hand
   (:func:`simulator.twins.phase.limb_turn`), else Jupiter's centre put in the middle of the image's sweep
   (:func:`simulator.twins.phase.centring_turn`) - and the record says which;
3. the clock: the twin repeats the original's SPACECRAFT_CLOCK_START_COUNT and is timed from it, as ISIS
   times the original (the synthetic SCLK is the flight clock's, ``simulator.kernelset.sclk``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.errors import ProductError
from simulator.products import keywords as kw
from simulator.twins.original import Original

COVERAGE_MARGIN_H = 1.0      # kernel coverage beyond the image (h): the window the twin's kernels span


@dataclass(frozen=True)
class TwinPlan:
    """A twin's scenario and how it was obtained (``record`` goes to the product's ``twin.json``)."""

    scenario: object
    record: dict = field(default_factory=dict)


def imaging_of(original: Original) -> dict:
    """The original's imaging settings as scenario ``[imaging]`` values."""
    lay = original.layout
    return {"start_utc": lay.start_utc, "frames": lay.frames, "filters": list(lay.filters),
            "tdi": lay.tdi_stages, "interframe_delay_s": lay.interframe_delay_s, "summing": lay.summing,
            "companding": lay.companding, "compression": lay.compression,
            "focal_plane_temperature_k": lay.focal_plane_temperature_k, "orbit_number": lay.orbit_number}


def reported(original: Original) -> dict:
    """The original's SPACECRAFT_ALTITUDE (km), SUB_SPACECRAFT_LATITUDE/LONGITUDE (deg) as numbers."""
    meta = original.metadata
    missing = [k for k in ("SPACECRAFT_ALTITUDE", "SUB_SPACECRAFT_LATITUDE", "SUB_SPACECRAFT_LONGITUDE")
               if k not in meta]
    if missing:
        raise ProductError(f"{original.kind} {str(original.source)!r} has no {missing[0]}; without it a twin "
                           "cannot be placed on Juno's orbit: give the real kernels with --kernels")
    try:
        return {"altitude_km": kw.parse_value_with_unit("SPACECRAFT_ALTITUDE", meta["SPACECRAFT_ALTITUDE"], "km"),
                "lat_deg": float(str(meta["SUB_SPACECRAFT_LATITUDE"]).split("<")[0]),
                "lon_w_deg": float(str(meta["SUB_SPACECRAFT_LONGITUDE"]).split("<")[0])}
    except ValueError:
        raise ProductError(f"{original.kind} {str(original.source)!r}: SUB_SPACECRAFT_LATITUDE/LONGITUDE "
                           f"{meta['SUB_SPACECRAFT_LATITUDE']!r}/{meta['SUB_SPACECRAFT_LONGITUDE']!r} are not "
                           "numbers of degrees") from None


def plan_twin(base, original: Original, kernels=None, cache_dir=None, fit_image: bool = True) -> TwinPlan:
    """The twin's scenario: ``base`` (the user's scenario) with the original's imaging, orbit and phase."""
    imaging = imaging_of(original)
    if kernels:
        scenario = base.replace(imaging=imaging)
        return TwinPlan(scenario, {"geometry": f"the user's kernels ({kernels}); nothing fitted",
                                   "orbit": None, "phase": None})
    from simulator.twins.orbit_fit import fit_orbit
    from simulator.twins.perijoves import perijove_for

    where = reported(original)
    pj, how = perijove_for(original.layout.start_utc, original.layout.orbit_number)
    fit = fit_orbit(original.layout.start_utc, where["altitude_km"], where["lat_deg"], where["lon_w_deg"],
                    pj.utc, pj.period_days, float(base.orbit.gm_km3_s2))
    scenario = base.replace(orbit=fit.orbit, imaging=imaging, spin={"phase_deg": 0.0, "nutation_amplitude_deg": 0.0},
                            geometry=_coverage(base, fit.orbit["perijove_utc"], original.layout))
    phase, phase_record = _phase(scenario, original, cache_dir, fit_image)
    scenario = scenario.replace(spin={"phase_deg": phase})
    record = {"geometry": "synthetic: orbit and spin phase fitted to the original's metadata" +
                          (" and raw image" if phase_record["method"] == "limb fit" else ""),
              "perijove": {"number": pj.number, "utc": pj.utc, "period_days": pj.period_days, "chosen": how,
                           "source": "LASP MOP Juno perijove table (simulator/twins/data/juno_perijoves.csv)"},
              "orbit": {"note": fit.note, "eccentricity": fit.eccentricity, **fit.orbit},
              "phase": phase_record}
    return TwinPlan(scenario, record)


def _coverage(base, perijove_utc: str, layout) -> dict:
    from simulator.products.description import parse_utc_ms

    peri = parse_utc_ms(perijove_utc)
    start, stop = parse_utc_ms(layout.start_utc), parse_utc_ms(layout.stop_utc)
    before = max(float(base.geometry.coverage_before_h), (peri - start).total_seconds() / 3600 + COVERAGE_MARGIN_H)
    after = max(float(base.geometry.coverage_after_h), (stop - peri).total_seconds() / 3600 + COVERAGE_MARGIN_H)
    return {"coverage_before_h": before, "coverage_after_h": after}


def _phase(scenario, original: Original, cache_dir, fit_image: bool) -> tuple[float, dict]:
    """Spin phase (deg) of the twin and its record, from a kernel set written with phase 0."""
    from instrument_models.junocam import JunoCam, decompand
    from simulator.geometry import Geometry
    from simulator.kernelset import kernel_set_for
    from simulator.products import clock
    from simulator.twins import phase as ph

    lay = original.layout
    cam = JunoCam.default()
    mk = kernel_set_for(scenario, cache_dir)
    with Geometry(mk, abcorr=str(scenario.geometry.aberration_correction)) as geo:
        start_et = clock.sclk_string_to_et(lay.sclk_start)
        mid = cam.frame_mid_et(start_et, lay.frames // 2, lay.interframe_delay_s, lay.tdi_stages)
        turn = ph.centring_turn(geo, mid)
        record = {"method": "centred", "note": "no raw image beside the metadata: Jupiter's centre put in the "
                                               "middle of the image's sweep (camera +Z at the middle frame)"}
        if original.image is not None and fit_image:
            edges = ph.image_edges(original.image, lay, decompand)
            coarse = ph.image_lit(original.image, lay, decompand, ph.SCAN_LINES)
            try:
                turn, residual, pairs = ph.limb_turn(geo, cam, lay, start_et, edges, turn, coarse)
                record = {"method": "limb fit", "residual_lines": residual, "edge_pairs": pairs,
                          "note": f"fitted to {pairs} limb/terminator edge positions in the original's raw "
                                  f"image; median residual {residual:.2f} lines"}
            except ProductError as exc:
                record["note"] = f"raw image present but not usable for the fit ({exc}); centred instead"
    record["phase_deg"] = turn % 360.0
    return turn % 360.0, record
