"""The plan's figures, made to be read at a glance (matplotlib, Agg backend, PNG).

* ``footprints.png``: every planned framelet's outline on a cylindrical map of Jupiter (the scene's own
  truth albedo map as the background), the sub-spacecraft track, the target; beside it a close view
  (polar for the poles, cylindrical around other targets).
* ``timeline.png``: the volume taken during the pass, then the onboard buffer draining through the
  downlink until the next perijove, against the buffer size and the binding limit.
* ``pass.png``: nadir and target pixel scale, incidence and emission at the target along the pass, with
  the limits, the spins that are opportunities and the planned images.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from simulator.planning.footprints import EDGE_POINTS, Footprint  # noqa: E402

MB = 1e6
# Map resolution of the background (deg per pixel): 1 deg keeps the scene evaluation to ~1 s.
BACKGROUND_RESOLUTION_DEG = 1.0


def background_rgb(scene, resolution_deg: float = BACKGROUND_RESOLUTION_DEG) -> np.ndarray | None:
    """(nlat, nlon, 3) RGB of the scene's truth albedo map (west longitude 0 at the left), or None."""
    if scene is None:
        return None
    maps = scene.truth_maps(resolution_deg, filters=("RED", "GREEN", "BLUE"))
    rgb = np.stack([maps["RED"], maps["GREEN"], maps["BLUE"]], axis=-1).astype(float)
    return np.clip(rgb / max(np.percentile(rgb, 99.5), 1e-6), 0.0, 1.0)


def _split_seam(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN where a polyline jumps across the 0/360 seam so it is not drawn across the map."""
    jump = np.abs(np.diff(lon)) > 180.0
    idx = np.nonzero(jump)[0] + 1
    return np.insert(lon.astype(float), idx, np.nan), np.insert(lat.astype(float), idx, np.nan)


def _closed(fp: Footprint) -> tuple[np.ndarray, np.ndarray]:
    return np.append(fp.lon_w_deg, fp.lon_w_deg[0]), np.append(fp.lat_pg_deg, fp.lat_pg_deg[0])


def _envelope_segments(strip: list[Footprint]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Polylines (lon, lat) bounding one filter's framelets of an image: every framelet's two line-end
    sides, plus the first and last framelet's leading and trailing edges (the outline of their union)."""
    side = EDGE_POINTS + 1
    segments = []
    for k, fp in enumerate(strip):
        lon, lat = _closed(fp)
        parts = [slice(side, 2 * side + 1), slice(3 * side, 4 * side + 1)]  # the two line-end sides
        if k in (0, len(strip) - 1):
            parts += [slice(0, side + 1), slice(2 * side, 3 * side + 1)]  # first/last line edges
        segments += [(lon[p], lat[p]) for p in parts]
    return segments


def _polar_xy(lat: np.ndarray, lon_w: np.ndarray, north: bool) -> tuple[np.ndarray, np.ndarray]:
    """Azimuthal equidistant coordinates (deg of colatitude) around a pole; west longitude 0 down."""
    colat = 90.0 - lat if north else 90.0 + lat
    ang = np.radians(lon_w) * (1.0 if north else -1.0)
    return colat * np.sin(ang), -colat * np.cos(ang)


def _image_colours(n: int):
    return plt.get_cmap("tab10" if n <= 10 else "turbo")(np.linspace(0, 1, max(n, 1)) if n > 10 else np.arange(n))


def plot_footprints(path: Path, result, scene=None) -> Path:
    """``footprints.png``: see the module docstring."""
    rgb = background_rgb(scene)
    fig, (ax_map, ax_zoom) = plt.subplots(1, 2, figsize=(16, 6.5), gridspec_kw={"width_ratios": [1.9, 1.0]})
    if rgb is not None:
        ax_map.imshow(rgb, extent=(0, 360, -90, 90), origin="upper", aspect="auto")
    ax_map.set_xlim(360, 0)
    ax_map.set_ylim(-90, 90)
    ax_map.set_xlabel("System III west longitude (deg)")
    ax_map.set_ylabel("planetographic latitude (deg)")
    target = result.request.target
    title = f"{result.request.scenario.name}: {len(result.kept)} image(s) of {target.name}"
    ax_map.set_title(title + " (outline and fill of one filter's framelets per image)")
    track_lon, track_lat = _split_seam(result.scan_sub_lon_w_deg, result.scan_sub_lat_pg_deg)
    ax_map.plot(track_lon, track_lat, color="yellow", lw=1.5, ls="--", label="sub-spacecraft track (window)")
    colours = _image_colours(len(result.kept))
    north = target.kind == "point" and target.lat_pg_deg > 0
    polar = target.kind == "point" and abs(target.lat_pg_deg) >= 60.0
    lat0 = target.lat_pg_deg if target.kind == "point" else (
        float(np.median([p.target_lat_pg_deg for p in result.kept])) if result.kept else 0.0)
    lon0 = target.lon_w_deg if target.kind == "point" else (
        float(np.median([p.target_lon_w_deg for p in result.kept])) if result.kept else 180.0)

    def zoom_xy(lat, lon):
        """Close-view coordinates: polar, or longitude made continuous around the target's."""
        if polar:
            return _polar_xy(lat, lon, north)
        return _split_seam(lon0 + (np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0, lat)

    # Fills show coverage; with many overlapping images they would hide the map, so they fade.
    alpha = 0.12 if len(result.kept) <= 3 else 0.03
    for plan, colour in zip(result.kept, colours):
        fps = result.footprints.get(plan.number, [])
        shown = "GREEN" if "GREEN" in plan.filters else plan.filters[0]
        strip = [f for f in fps if f.filter == shown]
        for k, (lon, lat) in enumerate(_envelope_segments(strip)):
            ax_map.plot(*_split_seam(lon, lat), color=colour, lw=1.1,
                        label=f"image {plan.number} ({shown}, {plan.target_scale_km:.0f} km/px)" if k == 0 else None)
            ax_zoom.plot(*zoom_xy(lat, lon), color=colour, lw=1.1)
        for fp in strip:
            lon, lat = _closed(fp)
            ok = np.isfinite(lon)
            if ok.sum() < 3:
                continue
            x, y = zoom_xy(lat[ok], lon[ok])
            if np.all(np.isfinite(x)):
                ax_zoom.fill(x, y, color=colour, alpha=alpha, lw=0)
            if np.ptp(lon[ok]) < 180.0:
                ax_map.fill(lon[ok], lat[ok], color=colour, alpha=alpha, lw=0)
        ax_map.plot(plan.target_lon_w_deg, plan.target_lat_pg_deg, marker="*", ms=12, color=colour, mec="black")
        ax_zoom.plot(*zoom_xy(np.array([plan.target_lat_pg_deg]), np.array([plan.target_lon_w_deg])),
                     marker="*", ms=14, color=colour, mec="black")
    if target.kind == "point" and not result.kept:
        ax_map.plot(target.lon_w_deg, target.lat_pg_deg, marker="*", ms=14, color="white", mec="black", label="target")
        ax_zoom.plot(*zoom_xy(np.array([target.lat_pg_deg]), np.array([target.lon_w_deg])), marker="*", ms=16,
                     color="white", mec="black")
    if polar:
        if rgb is not None:
            _polar_background(ax_zoom, rgb, north)
        ax_zoom.set_xlim(-35, 35)
        ax_zoom.set_ylim(-35, 35)
        ax_zoom.set_aspect("equal")
        for colat in (10, 20, 30):
            ax_zoom.add_patch(plt.Circle((0, 0), colat, fill=False, color="white", lw=0.5, ls="--"))
        ax_zoom.set_title(f"{'north' if north else 'south'} polar view (circles every 10 deg of latitude; "
                          "0 deg W down)", fontsize=9)
        ax_zoom.set_xticks([])
        ax_zoom.set_yticks([])
    else:
        if rgb is not None:
            for shift in (-360.0, 0.0, 360.0):  # the map repeated so the view may cross the 0/360 seam
                ax_zoom.imshow(rgb, extent=(shift, shift + 360, -90, 90), origin="upper", aspect="auto")
        ax_zoom.set_xlim(lon0 + 40, lon0 - 40)
        ax_zoom.set_ylim(max(lat0 - 30, -90), min(lat0 + 30, 90))
        ax_zoom.set_xlabel("west longitude (deg, continued across 0/360)")
        ax_zoom.set_title("close view around the target", fontsize=9)
    if not result.kept:
        ax_map.text(180, 0, "no image planned:\n" + _wrap(result.message), ha="center", va="center", fontsize=11,
                    color="black", bbox={"facecolor": "white", "alpha": 0.85})
    ax_map.legend(loc="lower left", fontsize=8, framealpha=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _polar_background(ax, rgb: np.ndarray, north: bool, size: int = 400, extent: float = 35.0) -> None:
    """Resample the cylindrical background into the polar view (nearest neighbour)."""
    x, y = np.meshgrid(np.linspace(-extent, extent, size), np.linspace(extent, -extent, size))
    colat = np.hypot(x, y)
    ang = np.degrees(np.arctan2(x, -y)) * (1.0 if north else -1.0)
    lat = 90.0 - colat if north else colat - 90.0
    lon = np.mod(ang, 360.0)
    nlat, nlon, _ = rgb.shape
    rows = np.clip(((90.0 - lat) / 180.0 * nlat).astype(int), 0, nlat - 1)
    cols = np.clip((lon / 360.0 * nlon).astype(int), 0, nlon - 1)
    ax.imshow(rgb[rows, cols], extent=(-extent, extent, -extent, extent), origin="upper")


def _wrap(text: str, width: int = 60) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _limit_line(ax, value_mb: float, top_mb: float, label: str, **style) -> None:
    """A horizontal limit line, or, when it is above the view, the same entry in the legend marked so."""
    if value_mb <= top_mb:
        ax.axhline(value_mb, label=label, **style)
    else:
        ax.plot([], [], label=f"{label} (above the view)", **style)


def plot_timeline(path: Path, result) -> Path:
    """``timeline.png``: see the module docstring."""
    tl = result.timeline
    link = result.request.link
    period_days = float(result.request.scenario.orbit.period_days)
    total = sum(p.volume_bytes for p in result.kept) / MB
    top = 1.3 * max(total, 1e-3)
    limit_mb = result.limit_bytes / MB
    if limit_mb < 3.0 * top:
        top = max(top, 1.1 * limit_mb)
    fig, (ax_pass, ax_orbit) = plt.subplots(1, 2, figsize=(15, 5.5), gridspec_kw={"width_ratios": [1, 1.6]})
    w0, w1 = [(t - result.perijove_et) / 3600.0 for t in result.window_et]
    if result.kept:
        ends_h = np.array([(p.start_et + p.frames * p.interframe_delay_s - result.perijove_et) / 3600.0
                           for p in result.kept])
        cum = np.cumsum([p.volume_bytes for p in result.kept]) / MB
        ax_pass.step(np.concatenate([[w0], ends_h, [w1]]), np.concatenate([[0.0], cum, [cum[-1]]]), where="post",
                     color="tab:blue", lw=2, label="volume taken (cumulative)")
        for p, x, y in zip(result.kept, ends_h, cum):
            ax_pass.annotate(f"#{p.number}", (x, y), textcoords="offset points", xytext=(3, 3), fontsize=8)
    for p in result.dropped:
        ax_pass.axvline((p.crossing_et - result.perijove_et) / 3600.0, color="grey", ls=":", lw=1)
    if result.dropped:
        ax_pass.plot([], [], color="grey", ls=":", label="dropped image")
    _limit_line(ax_pass, limit_mb, top, f"limit: {result.limit_name} {limit_mb:.3g} MB", color="tab:red", ls="--")
    ax_pass.set_xlim(w0, w1)
    ax_pass.set_ylim(0, top)
    ax_pass.set_xlabel("hours from perijove")
    ax_pass.set_ylabel("MB (10^6 bytes)")
    ax_pass.set_title(f"during the pass: {len(result.kept)} image(s), {total:.3g} MB")
    ax_pass.legend(fontsize=8, loc="upper left")
    # The orbit panel: log time from one minute after the window opens to past the next perijove.
    days = np.maximum(tl.time_s, 60.0) / 86_400.0
    ax_orbit.plot(days, tl.added_bytes / MB, color="tab:blue", label="taken (cumulative)")
    ax_orbit.plot(days, tl.downlinked_bytes / MB, color="tab:green", label="on the ground (cumulative)")
    ax_orbit.fill_between(days, 0, tl.fill_bytes / MB, color="tab:orange", alpha=0.4, label="waiting in the buffer")
    _limit_line(ax_orbit, link.buffer_bytes / MB, top, f"buffer {link.buffer_bytes / MB:g} MB", color="black", ls=":")
    _limit_line(ax_orbit, limit_mb, top, f"limit: {result.limit_name}", color="tab:red", ls="--")
    ax_orbit.axvline(period_days, color="tab:purple", ls="-.", label=f"next perijove ({period_days:g} d)")
    if np.isfinite(tl.all_home_s) and total > 0:
        home = max(tl.all_home_s, 60.0) / 86_400.0
        ax_orbit.axvline(home, color="tab:green", ls=":", lw=1)
        ax_orbit.annotate(f"all home after {tl.all_home_s / 86_400.0:.2f} d", (home, 0.05 * top),
                          textcoords="offset points", xytext=(4, 0), fontsize=9, color="tab:green")
    ax_orbit.set_xscale("log")
    ax_orbit.set_xlim(60.0 / 86_400.0, period_days * 1.3)
    ax_orbit.set_ylim(0, top)
    ax_orbit.set_xlabel("days from the start of the window (log scale)")
    ax_orbit.set_title(f"buffer and downlink until the next perijove at {link.rate_bps:g} bit/s")
    ax_orbit.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_pass(path: Path, result) -> Path:
    """``pass.png``: see the module docstring."""
    found = result.search
    scan = found.scan
    minutes = (scan.ets - result.perijove_et) / 60.0
    ok = found.in_swath & found.visible & found.lit & found.emission_ok
    fig, (ax_scale, ax_angles) = plt.subplots(2, 1, figsize=(12, 7.5), sharex=True)
    ax_scale.semilogy(minutes, result.scan_nadir_scale_km, color="black", label="nadir (altitude x IFOV)")
    target_scale = np.where(found.visible, result.scan_target_scale_km, np.nan)
    ax_scale.semilogy(minutes, target_scale, color="tab:blue", label="target (range x IFOV), when in view")
    ax_scale.set_ylabel("pixel scale (km/px)")
    ax_scale.grid(True, which="both", alpha=0.3)
    ax_angles.plot(minutes, scan.incidence_deg, color="tab:orange", label="incidence at the target")
    ax_angles.plot(minutes, np.where(found.visible, scan.emission_deg, np.nan), color="tab:green",
                   label="emission at the target (in view)")
    limits = result.request.limits
    ax_angles.axhline(limits.max_incidence_deg, color="tab:orange", ls="--", lw=1, label="incidence limit")
    if result.request.target.kind == "point":
        ax_angles.axhline(limits.max_emission_deg, color="tab:green", ls="--", lw=1, label="emission limit")
    ax_angles.set_ylim(0, 180)
    ax_angles.set_ylabel("angle (deg)")
    ax_angles.set_xlabel("minutes from perijove")
    for ax in (ax_scale, ax_angles):
        _shade(ax, minutes, ok, "opportunity (in swath, lit, in view)")
        for p in result.kept:
            ax.axvline((p.crossing_et - result.perijove_et) / 60.0, color="tab:red", lw=1)
        for p in result.dropped:
            ax.axvline((p.crossing_et - result.perijove_et) / 60.0, color="grey", lw=1, ls=":")
    ax_scale.plot([], [], color="tab:red", label="planned image")
    if result.dropped:
        ax_scale.plot([], [], color="grey", ls=":", label="dropped image")
    ax_scale.legend(fontsize=8, loc="upper right")
    ax_angles.legend(fontsize=8, loc="upper right")
    ax_scale.set_title(f"{result.request.scenario.name}: {result.request.target.name} along the pass "
                       f"({len(minutes)} spins, {int(ok.sum())} opportunities)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _shade(ax, x: np.ndarray, mask: np.ndarray, label: str) -> None:
    """Shade the x ranges where ``mask`` holds."""
    if not mask.any():
        return
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    starts, stops = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1
    for k, (a, b) in enumerate(zip(starts, stops)):
        ax.axvspan(x[a], x[b], color="gold", alpha=0.25, label=label if k == 0 else None)
