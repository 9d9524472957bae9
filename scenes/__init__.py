"""Scenes: what the camera looks at (body shapes, appearance per filter, photometry, truth maps).

Independent of ``instrument_models`` and ``simulator``; ``simulator`` builds on it.
"""
