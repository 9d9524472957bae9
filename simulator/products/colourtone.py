"""From projected linear colour cells to display colours: the colour view's tone steps.

``simulator.products.colourview`` linearises and projects the raw framelets; this module turns the (3, rows,
cols) linear RED/GREEN/BLUE cells into an 8-bit sRGB picture, in the order community JunoCam pipelines
apply these steps (Kevin M. Gill's ``junocam_processing``: decompand, dark, flat, inpaint, channel weights,
projection, stretch; G. Eichstaedt's and B. Swift's processing on the mission site's gallery: illumination
adjustment, contrast and colour enhancement, sharpening). Every step works on linear light until the last
one, and every choice is a field of :class:`ColourStyle`:

1. **Illumination flattening** (per pixel, before gridding, :func:`illumination_gain`): each pixel is
   divided by a Minnaert law ``L = cos(i)^k cos(e)^(k-1)`` of its own incidence and emission (facts.md
   "Jupiter": processors use ``cos(i)^0.875``; ``k = 0.875``). Jupiter's brightness falls tenfold from the
   sub-solar point to the terminator; without this step the clouds hide in that gradient. A soft
   terminator is put back after the stretch (step 6, :func:`terminator_fade`: ``L / sqrt(L^2 + s^2)``),
   so the night side fades to black smoothly instead of being clipped at the black point.
2. **White balance** (:func:`white_balance`): linear channel weights (R, G, B), GREEN = 1. ``"image"``
   (default): the lit disk's mean colour made ``balance_target_rgb`` = (1, 1, 1), grey, as the mission's own
   colour product of the real PJ32 image is (JNCE_2021052_32C00054's ``mapprojected.png``: lit-disk median
   (119, 117, 116) of 255; its implied weights over the per-filter maps, 0.89 and 1.56, make the raw disk's
   red/green 1.00 and blue/green 0.99; read on the maps' codes). A pipeline's PJ32 weights (0.902; 1; 1.888)
   leave the real raw DN ratios (0.399 / 1.255, README "What the mission's maps hold") at blue/green 0.75,
   red/green 1.13, a warm tan: that pipeline's look, not the mission product's grey.
   ``"camera"``: the camera model's own weights for the product's perijove, ``rate(GREEN) / rate(F)`` of
   ``Radiometry.electrons_per_s_per_iof`` with the published ageing (``instrument_models.junocam.aging``),
   so equal I/F shows grey (true colour: Jupiter cream). Or three numbers (``--weights``).
3. **Residual flattening** (:func:`flatten_residual`): what the photometric law leaves (phase, hazes) is
   divided out at scales above ``flatten_sigma_cells`` (a Gaussian over the seen cells only), partially.
4. **Contrast stretch** of the luminance (grey = mean of the balanced channels) by percentiles of the lit
   disk (:func:`stretch_levels`): black at ``black_scale`` x its ``black_percentile``, white at its
   ``white_percentile``, then a midtone power curve putting the median at ``median_level``
   (:func:`midtone_exponent`), so the sRGB encoding does not make the nearly uniform flattened disk pale;
   cells near the terminator, where the signal-to-noise ratio falls with the light, are smoothed first
   (``dim_law``).
5. **Sharpening / local contrast** (:func:`local_contrast`): an unsharp mask of ``detail_sigma_cells`` and
   ``detail_gain`` on the luminance, departures limited to ``detail_limit``, fading out near the terminator.
6. **Soft terminator** (:func:`terminator_fade`): the luminance times ``L / sqrt(L^2 + s^2)``.
7. **Colour enhancement** (:func:`enhance_saturation`): each cell's ratios to its grey, taken from channels
   smoothed over ``chroma_sigma_cells``, moved ``saturation`` times further from 1 and multiplied by the
   processed luminance; Jupiter's colour differences are a few to ~30 % (belts darker in blue), which
   processed JunoCam images show exaggerated.
8. **sRGB encoding** (:func:`srgb_encode`): linear light to the IEC 61966-2-1 transfer function, the
   encoding a PNG viewer assumes; showing linear values instead makes mid-tones dark and showing them with
   an ad-hoc power makes the picture pale.

The sky and cells not seen by all three colours stay exactly 0 (black).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from scenes.photometry import minnaert_law
from simulator.errors import ProductError

BALANCE_MODES = ("camera", "image")
MAX_MIDTONE_EXPONENT = 4.0   # the midtone curve's power stays within [1/4, 4] (an image of few levels)
# IEC 61966-2-1 (sRGB) transfer function constants
SRGB_LINEAR_LIMIT = 0.0031308
SRGB_SLOPE = 12.92
SRGB_EXPONENT = 2.4
SRGB_OFFSET = 0.055


@dataclass(frozen=True)
class ColourStyle:
    """Choices of the colour view (display assumptions, all configurable; module docstring for the steps).

    Attributes
    ----------
    width_px : width of the view (it is never finer than the raw pixels seen).
    pixel_stride : every n-th line and sample of each framelet is projected (n^2 times faster).
    max_fill_radius_cells : empty cells are filled from neighbours up to this distance.
    limb_trim_cells : cells trimmed from the edge of the area all three colours saw (limb fringes).
    max_emission_deg : pixels seen more obliquely are left out: at the limb each filter's pixels mix sky
        and planet differently, which shows as colour fringes.
    crop_margin : the view is cut to what is lit plus this fraction of its size on each side.
    minnaert_k : exponent of the illumination law ``cos(i)^k cos(e)^(k-1)`` divided out (0 = no
        flattening; 0.875: facts.md "Jupiter", the value processors use).
    law_floor : the law divided out is at least this (the night side is not divided by 0).
    terminator_softness : ``s`` of the terminator fade ``L / sqrt(L^2 + s^2)`` applied after the stretch;
        towards the terminator (``L`` below ~``s``) the view darkens smoothly to black.
    balance : ``"image"`` or ``"camera"`` (step 2); ``weights_rgb`` given wins.
    balance_target_rgb : the lit disk's mean colour (R, G, B) the ``"image"`` balance gives: (1, 1, 1), the
        grey of the mission's colour product of the real PJ32 image (step 2). (1.0, 1, 1.04) before: 4 %
        bluer than the mission's product, it tinted the demo's zones lilac; (1.01, 1, 1.10), lavender.
    weights_rgb : white-balance weights for linearised (R, G, B); None = ``balance``.
    flatten_sigma_cells, flatten_strength, flatten_max_gain : residual flattening (step 3): Gaussian
        scale in cells, power of the correction (0 = off, 1 = fully flat), largest gain.
    black_percentile, black_scale, white_percentile, median_level : the stretch (step 4), from the lit
        disk's luminance (cells with ``L > 2 s``): black at ``black_scale`` x its ``black_percentile``,
        white at its ``white_percentile``, then a power curve putting its median at ``median_level``
        (linear; None = no curve). A flattened disk is nearly uniform with a long dark tail (the demo:
        5th-95th percentile 0.87-1.07 of the median, 0.5th 0.73), so a linear stretch puts the median at
        ~0.75 linear, sRGB 225/255: that is what made the view pale.
    saturation : colour enhancement factor (step 7; 1 = as balanced).
    chroma_sigma_cells : the colour ratios are taken from channels smoothed by a Gaussian of this many cells
        (0 = none), so enhancing colour does not enhance the per-cell noise (chroma smoothing, as in
        colour-image noise reduction); the luminance keeps full resolution.
    dim_law, dim_sigma_cells : towards the terminator the signal, and so its signal-to-noise ratio, falls
        with the illumination law ``L``: below ``L = dim_law`` the luminance is blended with its Gaussian
        blur of ``dim_sigma_cells`` (weight ``1 - L / dim_law``) and the local contrast fades out the same
        way, so the flattening and the stretch do not turn the terminator into grain (0 = off).
    detail_sigma_cells, detail_gain, detail_limit : local contrast (step 5; gain 0 = off). Real cloud
        contrast is a few per cent (issue #13: 1.5-1.7 % in 5,500 km patches).
    """

    width_px: int = 900
    pixel_stride: int = 2
    max_fill_radius_cells: int = 4
    limb_trim_cells: int = 2
    max_emission_deg: float = 84.0
    crop_margin: float = 0.03
    minnaert_k: float = 0.875
    law_floor: float = 0.03
    terminator_softness: float = 0.12
    balance: str = "image"
    balance_target_rgb: tuple[float, float, float] = (1.0, 1.0, 1.0)
    weights_rgb: tuple[float, float, float] | None = None
    flatten_sigma_cells: float = 60.0
    flatten_strength: float = 0.6
    flatten_max_gain: float = 2.0
    black_percentile: float = 0.5
    black_scale: float = 0.9
    white_percentile: float = 99.7
    median_level: float | None = 0.45
    saturation: float = 3.5
    chroma_sigma_cells: float = 1.5
    dim_law: float = 0.35
    dim_sigma_cells: float = 3.0
    detail_sigma_cells: float = 5.0
    detail_gain: float = 1.5
    detail_limit: float = 0.2

    def __post_init__(self) -> None:
        if self.weights_rgb is None and self.balance not in BALANCE_MODES:
            raise ProductError(f"white balance {self.balance!r} must be one of {', '.join(BALANCE_MODES)} "
                               "or three weights")
        if self.weights_rgb is not None:
            w = tuple(self.weights_rgb)
            if len(w) != 3 or not all(np.isfinite(w)) or min(w) <= 0:
                raise ProductError(f"white-balance weights {self.weights_rgb!r} must be three positive numbers "
                                   "(R G B)")
        if not (self.minnaert_k >= 0 and self.terminator_softness > 0 and self.saturation >= 0):
            raise ProductError(f"minnaert_k {self.minnaert_k!r} and saturation {self.saturation!r} must be >= 0 "
                               f"and terminator_softness {self.terminator_softness!r} > 0")
        if not 0 <= self.black_percentile < self.white_percentile <= 100:
            raise ProductError(f"stretch percentiles {self.black_percentile!r} / {self.white_percentile!r} must "
                               "satisfy 0 <= black < white <= 100")


def illumination_law(incidence_deg, emission_deg, k: float) -> np.ndarray:
    """Minnaert brightness ``cos(i)^k cos(e)^(k-1)`` (0 on the night side); arrays in degrees.

    The scene's own law (:func:`scenes.photometry.minnaert_law`) on clipped cosines: ``cos i`` to [0, 1] (the
    night side gives 0), ``cos e`` to [1e-3, 1] (the limb stays finite).
    """
    mu0 = np.clip(np.cos(np.radians(np.asarray(incidence_deg, dtype=np.float64))), 0.0, 1.0)
    mu = np.clip(np.cos(np.radians(np.asarray(emission_deg, dtype=np.float64))), 1e-3, 1.0)
    return minnaert_law(mu0, mu, k)


def illumination_gain(incidence_deg, emission_deg, style: ColourStyle) -> np.ndarray:
    """Per-pixel factor of step 1: ``1 / max(L, law_floor)`` (1 everywhere with ``minnaert_k = 0``)."""
    if style.minnaert_k == 0:
        return np.ones(np.shape(incidence_deg))
    return 1.0 / np.maximum(illumination_law(incidence_deg, emission_deg, style.minnaert_k), style.law_floor)


def terminator_fade(law: np.ndarray, style: ColourStyle) -> np.ndarray:
    """Step 6: brightness put back near the terminator after the stretch, ``L / sqrt(L^2 + s^2)`` scaled to
    1 at ``L = 1`` and at most 1: 1 where well lit, falling smoothly to 0 on the night side."""
    s2 = style.terminator_softness ** 2
    law = np.clip(law, 0.0, None)
    return np.minimum(np.sqrt(1.0 + s2) * law / np.sqrt(law * law + s2), 1.0)


def white_balance(channels: np.ndarray, lit: np.ndarray, style: ColourStyle,
                  camera_weights: tuple[float, float, float] | None = None) -> tuple[float, float, float]:
    """White-balance weights (R, G, B), GREEN = 1 (step 2): given, the camera's, or from the image.

    ``channels``: (3, rows, cols) linear R, G, B; ``lit``: (rows, cols) cells to balance over;
    ``camera_weights``: the camera model's weights (``"camera"``; without them the image's are used).
    """
    if style.weights_rgb is not None:
        return tuple(float(v) for v in style.weights_rgb)
    if style.balance == "camera" and camera_weights is not None:
        return tuple(float(v) for v in camera_weights)
    level = [float(np.mean(ch[lit])) if lit.any() else 1.0 for ch in channels]
    if min(level) <= 0:
        return (1.0, 1.0, 1.0)
    target = style.balance_target_rgb
    return (target[0] / target[1] * level[1] / level[0], 1.0, target[2] / target[1] * level[1] / level[2])


def camera_weights(rate_per_iof: dict) -> tuple[float, float, float]:
    """(R, G, B) weights making equal I/F equal: ``rate(GREEN) / rate(F)`` of {filter: e-/s per unit I/F}."""
    for f in ("RED", "GREEN", "BLUE"):
        if not rate_per_iof.get(f, 0) > 0:
            raise ProductError(f"the camera model's rate for {f} is {rate_per_iof.get(f)!r}; expected a "
                               "positive number of electrons per second per unit I/F")
    g = rate_per_iof["GREEN"]
    return (g / rate_per_iof["RED"], 1.0, g / rate_per_iof["BLUE"])


def masked_blur(image: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``image`` over ``mask`` only (normalised convolution; 0 where no weight)."""
    weight = ndimage.gaussian_filter(mask.astype(np.float64), sigma)
    total = ndimage.gaussian_filter(np.where(mask, image, 0.0), sigma)
    return np.where(weight > 1e-6, total / np.maximum(weight, 1e-6), 0.0)


def flatten_residual(rgb: np.ndarray, lit: np.ndarray, seen: np.ndarray, style: ColourStyle) -> np.ndarray:
    """Step 3: divide out the luminance at scales above ``flatten_sigma_cells`` (estimated on the ``lit``
    cells, applied to every ``seen`` cell), to the power ``flatten_strength``, at most ``flatten_max_gain``."""
    if style.flatten_sigma_cells <= 0 or style.flatten_strength <= 0 or not lit.any():
        return rgb
    lum = rgb.mean(axis=0)
    smooth = masked_blur(lum, lit, style.flatten_sigma_cells)
    level = float(np.median(smooth[lit]))
    ok = seen & (smooth > 0.0)
    gain = np.where(ok, (level / np.where(ok, smooth, 1.0)) ** style.flatten_strength, 1.0)
    gain = np.clip(gain, 1.0 / style.flatten_max_gain, style.flatten_max_gain)
    return rgb * gain[None]


def stretch_levels(grey: np.ndarray, lit: np.ndarray, style: ColourStyle) -> tuple[float, float]:
    """Step 4: (black, white) of the luminance stretch from the ``lit`` cells (module docstring)."""
    if not lit.any():
        return 0.0, 1.0
    black = style.black_scale * float(np.percentile(grey[lit], style.black_percentile))
    white = float(np.percentile(grey[lit], style.white_percentile))
    return black, (white if white > black else black + 1.0)


def midtone_exponent(stretched: np.ndarray, lit: np.ndarray, style: ColourStyle) -> float:
    """Step 4: the power putting the lit disk's stretched median at ``median_level`` (a Levels
    midtone control; 1 = linear, or when off / undefined)."""
    if style.median_level is None or not lit.any():
        return 1.0
    median = float(np.median(stretched[lit]))
    if not 0.0 < median < 1.0:
        return 1.0
    return float(np.clip(np.log(style.median_level) / np.log(median), 1.0 / MAX_MIDTONE_EXPONENT,
                         MAX_MIDTONE_EXPONENT))


def enhance_saturation(ratios: np.ndarray, factor: float) -> np.ndarray:
    """Step 7: colour ratios (3, ...) to their grey (1) moved ``factor`` times further: ``1 + factor x
    (ratios - 1)``, never below 0."""
    return np.maximum(1.0 + factor * (ratios - 1.0), 0.0)


def dim_weight(law: np.ndarray | None, style: ColourStyle) -> np.ndarray | float:
    """Weight of the smoothing of dim cells: ``clip(1 - L / dim_law, 0, 1)`` of the cells' law (0 if off)."""
    if law is None or style.dim_law <= 0 or style.dim_sigma_cells <= 0:
        return 0.0
    return np.clip(1.0 - law / style.dim_law, 0.0, 1.0)


def smooth_dim(grey: np.ndarray, seen: np.ndarray, weight, style: ColourStyle) -> np.ndarray:
    """The luminance blended with its blur where ``weight`` > 0 (cells near the terminator)."""
    if np.isscalar(weight) or not np.any(weight):
        return grey
    return grey * (1.0 - weight) + masked_blur(grey, seen, style.dim_sigma_cells) * weight


def local_contrast(grey: np.ndarray, seen: np.ndarray, style: ColourStyle, fade=0.0) -> np.ndarray:
    """Step 5: unsharp mask of the luminance ``grey`` over the ``seen`` cells (a relative detail, limited),
    its gain multiplied by ``1 - fade``."""
    if style.detail_sigma_cells <= 0 or style.detail_gain <= 0 or not seen.any():
        return grey
    local = masked_blur(grey, seen, style.detail_sigma_cells)
    ok = seen & (local > 0)
    detail = np.where(ok, (grey - local) / np.where(ok, local, 1.0), 0.0)
    # cloud detail is a few per cent; larger departures are edges or the terminator's noise: not amplified
    detail = np.clip(detail, -style.detail_limit, style.detail_limit)
    return grey * (1.0 + style.detail_gain * (1.0 - fade) * detail)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """Step 8: the sRGB transfer function (IEC 61966-2-1) of linear values clipped to [0, 1]."""
    x = np.clip(linear, 0.0, 1.0)
    return np.where(x <= SRGB_LINEAR_LIMIT, SRGB_SLOPE * x,
                    (1.0 + SRGB_OFFSET) * np.power(x, 1.0 / SRGB_EXPONENT) - SRGB_OFFSET)


def tone_map(means: np.ndarray, seen: np.ndarray, lit: np.ndarray, style: ColourStyle,
             camera_rgb: tuple[float, float, float] | None = None, law: np.ndarray | None = None
             ) -> tuple[np.ndarray, tuple]:
    """Steps 2-8 on gridded, illumination-flattened linear cells.

    The luminance (grey = mean of the balanced channels) is stretched and sharpened; the colour is carried
    as each cell's ratios to its grey, enhanced (step 5) and put back on the processed luminance, so a dim
    cell near the terminator keeps its hue instead of turning into a colour fringe.

    Parameters
    ----------
    means : (3, rows, cols) linear R, G, B cell means (step 1 applied).
    seen : (rows, cols) cells every colour saw; the rest is black.
    lit : (rows, cols) seen cells well lit (illumination law above twice the softness): they set the
        white balance (``"image"``), the residual flattening and the stretch.
    camera_rgb : the camera model's weights (``"camera"`` balance).
    law : (rows, cols) the cells' mean illumination law (``dim_law`` smoothing); None = no smoothing.

    Returns
    -------
    (rows, cols, 3) uint8 sRGB and the (R, G, B) weights used.
    """
    lit = lit & seen
    if not lit.any():
        lit = seen
    weights = white_balance(means, lit, style, camera_rgb)
    rgb = flatten_residual(means * np.asarray(weights)[:, None, None], lit, seen, style)
    grey = rgb.mean(axis=0)
    colour = rgb
    if style.chroma_sigma_cells > 0:
        colour = np.stack([masked_blur(ch, seen, style.chroma_sigma_cells) for ch in rgb])
    colour_grey = colour.mean(axis=0)
    ok = seen & (colour_grey > 0)
    ratios = np.where(ok[None], colour / np.where(ok, colour_grey, 1.0)[None], 1.0)
    black, white = stretch_levels(grey, lit, style)
    dim = dim_weight(law, style)
    grey = smooth_dim(grey, seen, dim, style)
    grey = np.clip((grey - black) / (white - black), 0.0, None)
    grey = local_contrast(grey ** midtone_exponent(np.minimum(grey, 1.0), lit, style), seen, style, dim)
    if law is not None and style.minnaert_k > 0:
        grey = grey * terminator_fade(law, style)
    rgb = grey[None] * enhance_saturation(ratios, style.saturation)
    encoded = srgb_encode(rgb)
    out = np.where(seen[None], np.round(encoded * 255.0), 0.0).astype(np.uint8)
    return np.moveaxis(out, 0, -1), weights
