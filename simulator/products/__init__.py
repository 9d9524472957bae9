"""Products in the mission's own formats, with the ground truth beside them.

One product = one folder ``OUT/<PRODUCT_ID>/``:

- ``ImageSet/<ID>-raw.png`` (``raw_image``), ``DataSet/<ID>-Metadata.json`` (``metadata``, ``keywords``),
- ``PDS/<ID>.IMG`` + ``.LBL`` (``pds3``),
- ``truth/<ID>-truth.fits`` + ``truth/truth.json`` (``truth``),
- ``kernels/`` and ``quicklook.png`` (``quicklook``),

written atomically by ``writer.ProductWriter``. ``reader`` loads and checks a product (ours or the mission's),
``like`` reads an original for a synthetic twin, ``mosaic`` draws the labelled framelet mosaic of ``inspect``,
``clock`` turns times into the label's clock count and UTC strings.
"""

import importlib

# Names are loaded on first use (PEP 562), so a process that needs one module (a truth-plane encoder
# spawned by ``truth.write_truth_fits``) does not import the renderer behind ``writer``.
_WHERE = {
    "ImageDescription": "description", "make_product_id": "description", "parse_product_id": "description",
    "stop_time": "description", "TwinSettings": "like", "twin_settings": "like",
    "build_metadata": "metadata", "metadata_to_bytes": "metadata", "read_metadata": "metadata",
    "ImageLayout": "reader", "LoadedProduct": "reader", "framelet": "reader", "load_product": "reader",
    "KernelSource": "writer", "ProductContext": "writer", "ProductWriter": "writer", "product_paths": "writer",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'simulator.products' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"simulator.products.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
