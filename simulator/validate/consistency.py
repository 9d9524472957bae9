"""Is this truth the product's own? Checked once, before ``validate``, ``inspect`` or ``score`` work.

A product's truth must name the same PRODUCT_ID (FITS primary card ``PRODUCT``, ``truth.json``'s
``product_id``), hold every backplane of its truth level (primary card ``TRUTHLVL``: ``minimal`` = the planes
``validate``/``score`` read, else all) shaped like the raw PNG, end where its headers say (a truncated
copy does not) and list one framelet per framelet of the image (frames x filters). Anything else is one
:class:`~simulator.errors.ProductError` sentence naming the file and what was expected, instead of a
comparison of "0 pixels" or a claim about backplanes that are not there.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from simulator.errors import ProductError
from simulator.products.truth import BACKPLANE_NAMES, MINIMAL_PLANES


def check_truth_fits(path: Path, product_id: str, shape: tuple[int, int]) -> list[str]:
    """Check the truth FITS ``path`` against the product; return its backplane names in file order.

    Parameters
    ----------
    path : the ``truth/<ID>-truth.fits`` file.
    product_id : the raw image's PRODUCT_ID (from its metadata).
    shape : the raw PNG's (lines, samples).
    """
    from astropy.io import fits

    path = Path(path)
    size = os.path.getsize(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # astropy's "may have been truncated": checked below
            with fits.open(path, memmap=False) as hdul:
                card = hdul[0].header.get("PRODUCT")
                level = str(hdul[0].header.get("TRUTHLVL", "full")).strip()
                found = []
                end = 0
                for hdu in hdul[1:]:
                    info = hdu.fileinfo()
                    end = max(end, int(info["datLoc"]) + int(info["datSpan"]))
                    found.append((hdu.name, tuple(hdu.shape)))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ProductError(f"truth file {str(path)!r} is not a readable FITS file "
                           f"({' '.join(str(exc).split())[:120]})") from None
    if end > size:
        raise ProductError(f"truth file {str(path)!r} is truncated: {size:,} bytes where its headers describe "
                           f"{end:,}")
    if card is not None and str(card).strip() != product_id:
        raise ProductError(f"truth file {str(path)!r} belongs to product {str(card).strip()!r}; expected the "
                           f"truth of {product_id!r}")
    names = [name for name, _ in found]
    expected = MINIMAL_PLANES if level == "minimal" else BACKPLANE_NAMES
    missing = [n for n in expected if n not in names]
    if missing:
        raise ProductError(f"truth file {str(path)!r} lacks the backplane {missing[0]!r} (truncated or not a "
                           f"junocam-sim truth file); expected {', '.join(expected)}")
    for name, hdu_shape in found:
        if hdu_shape != tuple(shape):
            raise ProductError(f"truth backplane {name} in {path.name} is {hdu_shape}; expected the raw image's "
                               f"shape {tuple(shape)}")
    return names


def check_truth_record(path: Path, product_id: str, framelets: int) -> dict:
    """Check ``truth.json``: valid JSON of this product with one entry per framelet; return the record."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProductError(f"truth record {str(path)!r} is not readable JSON "
                           f"({' '.join(str(exc).split())[:120]})") from None
    if not isinstance(record, dict):
        raise ProductError(f"truth record {str(path)!r} is not a JSON object; expected junocam-sim's truth.json")
    if record.get("product_id", product_id) != product_id:
        raise ProductError(f"truth record {str(path)!r} belongs to product {record.get('product_id')!r}; expected "
                           f"{product_id!r}")
    listed = record.get("framelets")
    if not isinstance(listed, list) or len(listed) != framelets:
        count = len(listed) if isinstance(listed, list) else "no"
        raise ProductError(f"truth record {str(path)!r} lists {count} framelets; the image has {framelets} "
                           "(frames x filters)")
    return record


def check_product_truth(root: Path, layout, shape: tuple[int, int], required: bool = True) -> list[str] | None:
    """Check a product folder's ``truth/`` against its image; ``None`` when absent and not ``required``.

    ``layout`` is the product's :class:`~simulator.products.reader.ImageLayout` (PRODUCT_ID, frames,
    filters); ``shape`` the raw PNG's (lines, samples). Returns the FITS backplane names.
    """
    folder = Path(root) / "truth"
    fits_path = folder / f"{layout.product_id}-truth.fits"
    json_path = folder / "truth.json"
    if not fits_path.is_file() and not json_path.is_file() and not required:
        return None
    for p in (fits_path, json_path):
        if not p.is_file():
            raise ProductError(f"{str(p)!r} does not exist; expected the product's truth (rendered with "
                               "junocam-sim, truth on)")
    names = check_truth_fits(fits_path, layout.product_id, shape)
    check_truth_record(json_path, layout.product_id, int(layout.frames) * len(layout.filters))
    return names
