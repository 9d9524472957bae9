"""Scenes: what the camera looks at (body shapes, appearance per filter, photometry, truth maps).

Independent of ``instrument_models`` and ``simulator``; ``simulator`` builds on it.
"""

from scenes.ellipsoid import JUPITER_RADII_KM, Ellipsoid
from scenes.errors import SceneError
from scenes.filters import FILTERS
from scenes.jupiter import JupiterAppearance
from scenes.maps import MapAppearance, UniformAppearance
from scenes.mesh import MeshAppearance, MeshShape
from scenes.photometry import Photometry
from scenes.scene import Body, Scene, build_scene

__all__ = ["FILTERS", "JUPITER_RADII_KM", "Body", "Ellipsoid", "JupiterAppearance", "MapAppearance",
           "MeshAppearance", "MeshShape", "Photometry", "Scene", "SceneError", "UniformAppearance",
           "build_scene"]
