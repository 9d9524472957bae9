"""The side-by-side table, JSON and plot of ``junocam-sim compare``.

The input is two figure sets from :mod:`simulator.realism.measure` (``{"source", "kind", "geometry", "notes",
"filters": {FILTER: {figure: value}}, "texture": {figure: value}, "plot": {...}}``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# Row order and labels of the table (figures absent from both sides are not printed).
FIGURE_LABELS = (
    ("dark_active_mean_dn", "dark level, active columns (DN)"),
    ("dark_reference_minus_active_dn", "reference cols 0-22 minus active (DN)"),
    ("dark_noise_dn", "dark noise minus columns, robust (DN)"),
    ("dark_neighbour_correlation", "neighbour correlation along a line"),
    ("dark_raw_noise_dn", "dark spread with columns, robust (DN)"),
    ("dark_column_correlation", "correlation down a column"),
    ("column_median_std_dn", "std of column medians (DN)"),
    ("columns_above_5dn", "columns > 5 DN above base"),
    ("pixels_above_20dn_per_strip", "pixels > 20 DN per 1648x128 strip"),
    ("pixels_above_100dn_per_strip", "pixels > 100 DN per strip"),
    ("brightest_dn", "brightest pixel (DN)"),
    ("hot_clusters_per_strip", "hot clusters (> 20 DN) per strip"),
    ("hot_vertical_streak_fraction", "share of clusters = vertical streaks"),
    ("hot_median_streak_lines", "median streak length (lines)"),
    ("hot_common_shape", "most common cluster shape (lines x samples)"),
    ("blemish_percent", "bad-pixel mask: flagged (%)"),
    ("blemish_blobs_per_strip", "bad-pixel mask: blobs per strip"),
    ("blemish_median_size", "bad-pixel mask: median blob (lines x samples)"),
    ("flat_left_edge", "flat: edge / peak, column 23"),
    ("flat_right_edge", "flat: edge / peak, column 1630"),
    ("flat_peak_column", "flat: peak column"),
    ("flat_dips", "flat: dips (< 0.9 of local level)"),
    ("flat_deepest_dip", "flat: deepest dip (ratio)"),
    ("sky_fraction", "share of pixels on sky (measured)"),
    ("disk_fraction", "share of pixels on the lit disk core"),
    ("disk_dn_p1_p50_p99", "lit disk DN p1 / p50 / p99"),
    ("sky_dn_p1_p50_p99", "sky DN p1 / p50 / p99"),
    ("dark_for_signal_dn", "dark subtracted from the signal (DN)"),
    ("blue_over_green", "blue / green raw signal, same surface points"),
    ("red_over_green", "red / green raw signal, same surface points"),
    ("ratio_cells", "surface cells of the ratio"),
    ("block_ratio", "8x8 block-boundary discontinuity ratio"),
)
TEXTURE_LABELS = (
    ("texture_mode", "texture measured on (map / cells)"),
    ("map_pixel_km", "mission-like map pixel (km)"),
    ("map_cell_km", "GREEN map cell (km)"),
    ("contrast_5500km", "contrast std/mean in 5,500 km patches"),
    ("contrast_5500km_detrended", "the same, each patch's plane removed"),
    ("contrast_patches", "patches measured"),
    ("slope_1200_4800km", "power-spectrum slope 1,200-4,800 km"),
    ("slope_400_1200km", "power-spectrum slope 400-1,200 km"),
    ("spectrum_windows", "spectrum windows averaged"),
)
FILTER_ORDER = ("METHANE", "BLUE", "GREEN", "RED")


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return f"{int(value)}"
    v = float(value)
    if not np.isfinite(v):
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}" if abs(v) >= 0.01 or v == 0 else f"{v:.2e}"


def table_lines(a: dict, b: dict) -> list[str]:
    """The printed comparison: a header per side, then one row per figure and filter, then the texture."""
    out = [f"A: {a['kind']}  ({a['source']}; geometry: {a['geometry']})",
           f"B: {b['kind']}  ({b['source']}; geometry: {b['geometry']})"]
    out += [f"   A note: {n}" for n in a["notes"]] + [f"   B note: {n}" for n in b["notes"]]
    width = 52
    out.append(f"{'figure (12-bit DN, per strip)':<{width}} {'filter':<8} {'A':>16} {'B':>16}")
    filters = [f for f in FILTER_ORDER if f in a["filters"] or f in b["filters"]]
    for key, label in FIGURE_LABELS:
        for f in filters:
            va, vb = a["filters"].get(f, {}).get(key), b["filters"].get(f, {}).get(key)
            if va is None and vb is None:
                continue
            out.append(f"{label:<{width}} {f:<8} {_fmt(va):>16} {_fmt(vb):>16}")
    out += mission_lines(a, b, width)
    ta, tb = a.get("texture") or {}, b.get("texture") or {}
    if ta or tb:
        for key, label in TEXTURE_LABELS:
            out.append(f"{label:<{width}} {'GREEN':<8} {_fmt(ta.get(key)):>16} {_fmt(tb.get(key)):>16}")
    elif not (a.get("mission_view") or b.get("mission_view")):      # else the like-for-like rows stand for them
        out.append("texture (contrast, spectral slopes): not measured on either side (needs a product with "
                   "geometry and lit GREEN pixels away from the limb)")
    return out


def mission_lines(a: dict, b: dict, width: int = 52) -> list[str]:
    """The like-for-like rows (``mission_compare``): each side read as a mission map, in codes and in DN."""
    from simulator.realism.mission_compare import ENCODINGS, MISSION_KEYS

    ma, mb = a.get("mission_view") or {}, b.get("mission_view") or {}
    if not (ma or mb):
        return []
    out = ["like for like: each side as a mission-like map (perspective view from Juno at START_TIME, north up, "
           "1,600 px, limb 799 px; 'codes' = the raw codes as the mission's maps hold them, 'DN' = those codes "
           "decompanded), GREEN unless named; texture in true km (i < 70, e < 60 deg; 150 km cells)"]
    for side, m in (("A", ma), ("B", mb)):
        if m:
            drawn = f"; pixels drawn on the {m['surface']}" if m.get("surface") else ""
            out.append(f"   {side} map geometry: {m['geometry']}; Sun at position angle "
                       f"{m['position_angle_deg']:.0f} deg; limb circle {m['limb_radius_px']:.1f} px{drawn}")
    for key, label in MISSION_KEYS:
        for enc in ENCODINGS:
            va, vb = (ma.get(enc) or {}).get(key), (mb.get(enc) or {}).get(key)
            if va is None and vb is None:
                continue
            out.append(f"{label:<{width}} {enc if enc == 'codes' else 'DN':<8} {_fmt(va):>16} {_fmt(vb):>16}")
    return out


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def as_json(a: dict, b: dict) -> str:
    """Both figure sets (without the plot arrays) as JSON; NaN becomes null."""
    strip = lambda d: {k: v for k, v in d.items() if k != "plot"}  # noqa: E731
    return json.dumps({"a": _plain(strip(a)), "b": _plain(strip(b))}, indent=2, sort_keys=True)


def write_plot(path: Path, a: dict, b: dict) -> Path:
    """Three panels: dark column medians, flat profiles, GREEN DN histograms on the disk and on sky; then the
    GREEN mission-like map of each side that has one (codes, as the mission's maps hold them)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    maps = [(side, d["plot"]["mission_green"]) for side, d in (("A", a), ("B", b))
            if d.get("plot", {}).get("mission_green") is not None]
    fig, axes = plt.subplots(1, 3 + len(maps), figsize=(15 + 4.2 * len(maps), 4.2))
    for ax, (side, image) in zip(axes[3:], maps):
        ax.imshow(image[::2, ::2], cmap="gray", vmin=0, vmax=max(float(np.percentile(image, 99.9)), 1.0))
        ax.set(title=f"{side}: GREEN mission-like map (codes)", xticks=[], yticks=[])
    colours = {"METHANE": "purple", "BLUE": "tab:blue", "GREEN": "tab:green", "RED": "tab:red"}
    for side, d, style in (("A", a, "-"), ("B", b, "--")):
        plot = d.get("plot", {})
        for f, med in plot.get("column_medians", {}).items():
            axes[0].plot(np.arange(med.size) + 23, med, style, color=colours[f], lw=0.5, alpha=0.7,
                         label=f"{side} {f}")
        for f, prof in plot.get("profiles", {}).items():
            axes[1].plot(np.arange(prof.size) + 23, prof, style, color=colours[f], lw=0.8, label=f"{side} {f}")
        for name, alpha in (("hist_disk", 1.0), ("hist_sky", 0.5)):
            h = plot.get(name, {}).get("GREEN")
            if h is not None:
                from simulator.realism.measure import HIST_BINS

                centres = 0.5 * (HIST_BINS[1:] + HIST_BINS[:-1])
                axes[2].step(centres, np.maximum(h, 0.5), style, where="mid", alpha=alpha,
                             label=f"{side} GREEN {name[5:]}")
    axes[0].set(title="dark: column medians (sky / dark frame)", xlabel="CCD column", ylabel="DN")
    axes[1].set(title="flat field: smoothed column profile / peak", xlabel="CCD column", ylabel="relative")
    axes[2].set(title="GREEN decompanded DN histogram", xlabel="DN", ylabel="pixels", yscale="log")
    for ax in axes[:3]:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.suptitle(f"A: {a['kind']}   vs   B: {b['kind']}", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)
    tmp.replace(path)
    return path
