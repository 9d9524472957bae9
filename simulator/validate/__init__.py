"""Closing the loop: the reference reconstruction of a product and scoring reconstructions against its truth.

Modules, in the order the data flows:

* ``product``      open a product as an outside tool would (raw PNG, metadata JSON, kernels; never ``truth/``);
* ``framelets``    framelet layout and ISIS frame times from the metadata and the IK's timing keywords;
* ``projection``   every photoactive pixel to the planet (camera model + the geometry service's intercept);
* ``calibration``  8-bit codes -> 12-bit DN -> I/F, and the noise model's prediction of its error;
* ``reconstruct``  the whole reconstruction of a product, with the photometric correction;
* ``limb``, ``timefit``, ``limbfit``  the limb detector and the start-time fit against the predicted limb;
* ``maps``, ``registration``, ``metrics``  equirectangular maps, map registration, error summaries;
* ``sketch``, ``mapbins``, ``rowstore``  what keeps ``validate``'s memory independent of the product's length:
  streamed quantiles and sums, map grids planned beforehand with sparse per-cell sums, the error image on disk.
"""
