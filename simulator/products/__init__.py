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

from simulator.products.description import ImageDescription, make_product_id, parse_product_id, stop_time
from simulator.products.like import TwinSettings, twin_settings
from simulator.products.metadata import build_metadata, metadata_to_bytes, read_metadata
from simulator.products.reader import ImageLayout, LoadedProduct, framelet, load_product
from simulator.products.writer import KernelSource, ProductContext, ProductWriter, product_paths

__all__ = ["ImageDescription", "ImageLayout", "KernelSource", "LoadedProduct", "ProductContext",
           "ProductWriter", "TwinSettings", "build_metadata", "framelet", "load_product", "make_product_id",
           "metadata_to_bytes", "parse_product_id", "product_paths", "read_metadata", "stop_time",
           "twin_settings"]
