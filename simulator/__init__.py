"""junocam-sim: SPICE geometry, rendering, products, planning and validation for JunoCam."""

__version__ = "0.1.0"
