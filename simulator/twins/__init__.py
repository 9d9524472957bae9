"""Twins of real JunoCam images: Juno's real orbit and the original's view from its metadata alone.

* :mod:`simulator.twins.perijoves` - the published table of Juno's perijove times (data with its source).
* :mod:`simulator.twins.orbit_fit` - the scenario ``[orbit]`` that puts Juno where a product's
  SPACECRAFT_ALTITUDE / SUB_SPACECRAFT_LATITUDE / LONGITUDE say it was at START_TIME.
* :mod:`simulator.twins.phase` - the spin phase that puts Jupiter in the frames where the original had it.
* :mod:`simulator.twins.original` - reading the original (mission download or PDS3 EDR).
* :mod:`simulator.twins.report` - the side-by-side comparison of twin and original.
"""
