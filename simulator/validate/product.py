"""Opening a product the way an outside tool would: the raw PNG, the metadata JSON and the kernels.

Nothing here imports the renderer or reads ``truth/``: the reference reconstruction must work from what a
user downloads. The metadata are read and checked by the products' public reader
(:mod:`simulator.products.reader`, the checks of ``load_product``), but the PNG is not decoded whole: the
product's ``image`` is a :class:`~simulator.validate.pngrows.PngRows` that decodes the rows asked for (its
size is checked against LINES and LINE_SAMPLES from the header, its data when opened); the kernels come from the product's ``kernels/`` folder:
the metakernel ``*.tm`` at its top (a synthetic set copied into the product), or the path written in
``kernels/METAKERNEL.txt`` (a product rendered with the user's own kernels, which are referenced, not
copied). The aberration correction is the product's own recorded scenario, ``kernels/scenario.toml``
``[geometry] aberration_correction``, when present, else :data:`DEFAULT_ABCORR`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from instrument_models.junocam import JunoCam
from simulator.errors import ProductError
from simulator.products.reader import LoadedProduct, load_product
from simulator.spice import KernelPool
from simulator.validate.pngrows import PngRows

DEFAULT_ABCORR = "LT+S"  # ARCHITECTURE.md "[geometry]": the scenario default, what a camera sees
_TRUTH_DIR = "truth"


@dataclass(frozen=True)
class ProductInputs:
    """What the reconstruction may read.

    Attributes
    ----------
    root : the product folder.
    product : the checked metadata, layout and 8-bit image (``image`` a :class:`PngRows`: ``image[a:b]``
        decodes rows a..b, ``image.shape``, ``np.asarray(image)`` the whole image).
    metakernel : the SPICE metakernel of the product's geometry.
    abcorr : the aberration correction the product's geometry uses.
    scene_settings : the kernel set's ``[scene]`` table (photometry) when recorded, else empty.
    imaging_settings : the kernel set's ``[imaging]`` table (e.g. the coder's ``quality``, which the labels
        do not carry) when recorded, else empty.
    """

    root: Path
    product: LoadedProduct
    metakernel: Path
    abcorr: str
    scene_settings: dict
    imaging_settings: dict = field(default_factory=dict)

    @property
    def truth_dir(self) -> Path:
        """The product's ``truth/`` folder (read only for scoring, never to reconstruct)."""
        return self.root / _TRUTH_DIR


def find_metakernel(root: Path) -> Path:
    """The metakernel of a product folder (see the module docstring)."""
    kernels = root / "kernels"
    if not kernels.is_dir():
        raise ProductError(f"product folder {str(root)!r} has no kernels/ folder; the reconstruction needs "
                           "the product's SPICE kernels")
    found = sorted(kernels.glob("*.tm"))
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ProductError(f"{str(kernels)!r} holds {len(found)} metakernels (*.tm); expected one")
    note = kernels / "METAKERNEL.txt"
    if note.is_file():
        for line in note.read_text(encoding="utf-8").splitlines():
            candidate = Path(line.strip())
            if line.strip().endswith(".tm") and candidate.is_file():
                return candidate
        raise ProductError(f"{str(note)!r} names no metakernel that exists on this machine; the product was "
                           "rendered with kernels that are not here")
    raise ProductError(f"{str(kernels)!r} holds no metakernel (*.tm) and no METAKERNEL.txt")


def _recorded_scenario(root: Path) -> dict:
    """The scenario the product records in ``kernels/scenario.toml`` (empty when it records none)."""
    path = root / "kernels" / "scenario.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProductError(f"kernel set scenario {str(path)!r} is not valid TOML ({exc})") from None


def load_product_rows(folder: Path) -> LoadedProduct:
    """``simulator.products.reader.load_product`` (the same checks and messages) with the image read by rows."""
    return load_product(folder, read_image=PngRows)


def open_product(path, kernels=None) -> ProductInputs:
    """Read the public part of the product folder ``path`` (PNG, metadata, kernels).

    ``kernels`` (a metakernel, e.g. ``--kernels``) replaces the one the product folder names.
    """
    root = Path(path)
    if not root.is_dir():
        raise ProductError(f"product folder {str(root)!r} does not exist or is not a folder")
    product = load_product_rows(root)
    metakernel = find_metakernel(root) if kernels is None else _user_metakernel(kernels)
    recorded = _recorded_scenario(root)
    abcorr = str(recorded.get("geometry", {}).get("aberration_correction", DEFAULT_ABCORR))
    scene = recorded.get("scene", {})
    imaging = recorded.get("imaging", {})
    return ProductInputs(root=root, product=product, metakernel=metakernel, abcorr=abcorr,
                         scene_settings=dict(scene) if isinstance(scene, dict) else {},
                         imaging_settings=dict(imaging) if isinstance(imaging, dict) else {})


def _user_metakernel(kernels) -> Path:
    path = Path(kernels).expanduser().resolve()
    if not path.is_file():
        raise ProductError(f"--kernels {str(kernels)!r} is not a file; expected a SPICE metakernel (.tm)")
    return path


def camera_from_kernels(metakernel: Path) -> JunoCam:
    """The camera model with the product IK's keywords, read through the SPICE kernel pool.

    The metakernel is loaded in a scoped pool to list its instrument kernels (``*.ti``), which
    :meth:`JunoCam.from_kernels` then reads (FOCAL_LENGTH, distortion, START_TIME_BIAS,
    INTERFRAME_DELTA, ...).
    """
    with KernelPool([metakernel]) as pool:
        texts = pool.files("TEXT")
    iks = [metakernel.parent / Path(f) for f in texts if str(f).lower().endswith(".ti")]
    if not iks:
        raise ProductError(f"metakernel {str(metakernel)!r} loads no instrument kernel (*.ti); the camera "
                           "model cannot be read")
    return JunoCam.from_kernels(iks)
