"""Scenes: what the camera looks at (body shapes, appearance per filter, photometry, truth maps).

Independent of ``instrument_models`` and ``simulator``; ``simulator`` builds on it.
"""

from scenes.ellipsoid import JUPITER_RADII_KM, Ellipsoid
from scenes.errors import SceneError

__all__ = ["JUPITER_RADII_KM", "Ellipsoid", "SceneError"]
