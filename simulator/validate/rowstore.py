"""Image-shaped per-pixel results of ``validate`` kept on disk, row by row, instead of in memory.

``validate`` draws the geometry error of every pixel (``error_map.png``); holding that image as arrays would
make memory grow with the product's length. :class:`ErrorRows` writes each framelet's rows (float32 error,
bool on-planet) to an anonymous temporary file and reads blocks back. ``validate`` puts that file in its output
folder's partial (``simulator.outputs.atomic_dir``), not the system temp folder: it has no name there
(``O_TMPFILE``, or unlinked at once where the file system lacks it), the system frees it when it is closed or the
process ends however it ends, and on SIGINT/SIGTERM the partial folder holding it is removed with the rest.
"""

from __future__ import annotations

import tempfile

import numpy as np


class ErrorRows:
    """(lines, samples) float32 errors and bool on-planet flags, stored row by row in a temporary file.

    Parameters
    ----------
    shape : (lines, samples) of the image.
    directory : the folder the anonymous file lives in (its file system holds the bytes); None: the system's
        temporary folder.
    """

    BYTES_PER_PIXEL = 5                                # 4 bytes of error, 1 byte of flag

    def __init__(self, shape, directory=None):
        self.shape = (int(shape[0]), int(shape[1]))
        self._row_bytes = self.shape[1] * self.BYTES_PER_PIXEL
        self._file = tempfile.TemporaryFile(dir=None if directory is None else str(directory))
        nan_row = self._encode(np.full((1, self.shape[1]), np.nan, dtype=np.float32),
                               np.zeros((1, self.shape[1]), dtype=bool))
        for _ in range(self.shape[0]):                 # unwritten rows read as NaN, off the planet
            self._file.write(nan_row)

    @staticmethod
    def _encode(error, planet) -> bytes:
        e = np.ascontiguousarray(error, dtype=np.float32)
        f = np.ascontiguousarray(planet, dtype=np.uint8)
        return np.concatenate([e.view(np.uint8).reshape(e.shape[0], -1), f], axis=1).tobytes()

    def write(self, first_line: int, error, on_planet) -> None:
        """Store rows ``first_line ..`` (arrays ``(n, samples)``)."""
        error = np.asarray(error)
        if error.ndim != 2 or error.shape[1] != self.shape[1] or first_line + error.shape[0] > self.shape[0]:
            raise ValueError(f"rows {first_line}..{first_line + error.shape[0]} of width {error.shape[1:]} do not "
                             f"fit an image of shape {self.shape}")
        self._file.seek(first_line * self._row_bytes)
        self._file.write(self._encode(error, on_planet))

    def read(self, first_line: int, lines: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``first_line .. first_line + lines``: (float32 errors, bool on-planet)."""
        self._file.seek(first_line * self._row_bytes)
        raw = np.frombuffer(self._file.read(lines * self._row_bytes), dtype=np.uint8).reshape(lines, -1)
        n = self.shape[1]
        return raw[:, :4 * n].copy().view(np.float32), raw[:, 4 * n:].astype(bool)

    def close(self) -> None:
        self._file.close()
