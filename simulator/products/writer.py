"""Atomic product folders: build ``OUT/.<ID>.partial-<pid>/``, rename to ``OUT/<ID>/`` only when complete.

A :class:`ProductWriter` takes framelets one at a time (in PNG order, as the renderer streams them), keeps
the 8-bit image in memory (1 byte per pixel) and the truth backplanes in memory-mapped scratch files inside
the partial folder (so a 1648 x 31488 image stays far below 2 GB), then writes every file and renames the
folder. Any exception, including KeyboardInterrupt, removes the partial folder: nothing that looks like a
finished product is ever left behind. A run killed outright (SIGKILL) leaves only its hidden
``.<ID>.partial-<pid>`` folder, which the next run writing that product removes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator import __version__
from simulator.errors import ProductError
from simulator.products import metadata as md
from simulator.products import pds3, quicklook, raw_image, truth
from simulator.products.description import ImageDescription

_SCRATCH = ".scratch"


def _process_alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 probes without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class KernelSource:
    """Where the product's geometry came from.

    Attributes
    ----------
    metakernel : the metakernel the render loaded.
    copy_folder : a folder to copy whole into ``kernels/`` (a synthetic set: small, written by the project),
        or ``None`` for user kernels, which are referenced, not copied (flight kernels are large and not ours).
    """

    metakernel: Path
    copy_folder: Path | None = None


@dataclass(frozen=True)
class ProductContext:
    """Provenance recorded in ``truth.json`` and the FITS header."""

    scenario: str
    seed: int
    abcorr: str
    injected_errors: dict
    scenario_toml: str = ""  # the resolved scenario of this render, kept as kernels/scenario.toml


def product_paths(root: Path, product_id: str) -> dict[str, Path]:
    """Every file of a product folder ``root`` (ours), by role."""
    root = Path(root)
    return {
        "raw_png": root / "ImageSet" / f"{product_id}-raw.png",
        "metadata": root / "DataSet" / f"{product_id}-Metadata.json",
        "img": root / "PDS" / f"{product_id}.IMG",
        "lbl": root / "PDS" / f"{product_id}.LBL",
        "truth_fits": root / "truth" / f"{product_id}-truth.fits",
        "truth_json": root / "truth" / "truth.json",
        "kernels": root / "kernels",
        "quicklook": root / "quicklook.png",
    }


class ProductWriter:
    """Collect framelets and write one product atomically.

    Use as a context manager::

        with ProductWriter(out_dir, desc, context, kernels) as writer:
            for result in render_framelets(request):
                writer.add(result)
            final = writer.finish()
    """

    def __init__(self, out_dir: Path, desc: ImageDescription, context: ProductContext, kernels: KernelSource,
                 *, overwrite: bool = False, with_truth: bool = True,
                 truth_storage: truth.TruthStorage = truth.TruthStorage()):
        self.out_dir = Path(out_dir)
        self.desc = desc
        self.context = context
        self.kernels = kernels
        self.overwrite = overwrite
        self.with_truth = with_truth
        self.truth_storage = truth_storage
        self.summary = truth.TruthSummary()  # key truth figures (dataset manifests), filled by add()
        self.final = self.out_dir / desc.product_id
        self.partial = self.out_dir / f".{desc.product_id}.partial-{os.getpid()}"
        lines, samples = desc.lines, desc.line_samples
        self.shape = (lines, samples)
        self.order = [(n, f) for n in range(int(desc.frames)) for f in desc.filters]
        self._next = 0
        self._image: np.ndarray | None = None
        self._planes: dict[str, np.ndarray] = {}
        self._framelets: list[dict] = []

    # --- context management ---------------------------------------------------------------------
    def __enter__(self) -> "ProductWriter":
        if self.final.exists() and not self.overwrite:
            raise ProductError(f"product folder {str(self.final)!r} already exists; remove it or choose another --out")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._remove_stale_partials()
        (self.partial / _SCRATCH).mkdir(parents=True)
        self._image = np.zeros(self.shape, dtype=np.uint8)
        if self.with_truth:
            kept = self.truth_storage.planes(truth.plane_names())
            for name in dict.fromkeys((*kept, *truth.QUICKLOOK_PLANES)):
                dtype = truth.plane_dtype(name)
                plane = np.memmap(self.partial / _SCRATCH / f"{name}.bin", dtype=dtype, mode="w+", shape=self.shape)
                plane[:] = truth.FILL_VALUE.get(name, np.nan)
                self._planes[name] = plane
        return self

    def _remove_stale_partials(self) -> None:
        """Remove partial folders of this product left by runs that were killed (their process is gone)."""
        for folder in self.out_dir.glob(f".{self.desc.product_id}.partial-*"):
            try:
                pid = int(folder.name.rsplit("-", 1)[1])
            except ValueError:
                continue
            if pid != os.getpid() and _process_alive(pid):
                continue  # another run is writing this product right now
            shutil.rmtree(folder, ignore_errors=True)

    def __exit__(self, exc_type, exc, tb) -> None:
        self._release()
        if exc_type is not None and self.partial.exists():
            shutil.rmtree(self.partial, ignore_errors=True)

    def _release(self) -> None:
        for plane in self._planes.values():
            if isinstance(plane, np.memmap):
                plane._mmap.close()  # release the file so the scratch folder can be removed
        self._planes = {}

    # --- framelets --------------------------------------------------------------------------------
    def add(self, result) -> None:
        """Place one framelet (a ``FrameletResult``) in the image and the truth planes.

        Framelets must arrive in PNG order (frames in time order, filters in FILTER_NAME order).
        """
        if self._image is None:
            raise ProductError("ProductWriter.add was called outside its 'with' block")
        if self._next >= len(self.order):
            raise ProductError(f"framelet (frame {result.frame}, {result.filter}) is one more than the "
                               f"{len(self.order)} the product has")
        frame, filt = self.order[self._next]
        lines = self.desc.framelet_lines
        first = raw_image.framelet_first_line(frame, self.desc.filters.index(filt), len(self.desc.filters), lines)
        if (int(result.frame), str(result.filter)) != (frame, filt) or int(result.first_line) != first:
            raise ProductError(f"framelet (frame {result.frame}, {result.filter}, first line {result.first_line}) "
                               f"arrived where (frame {frame}, {filt}, first line {first}) was expected")
        dn8 = np.asarray(result.dn8)
        if dn8.shape != (lines, self.shape[1]) or dn8.dtype != np.uint8:
            raise ProductError(f"framelet (frame {frame}, {filt}) is {dn8.dtype} {dn8.shape}; expected uint8 "
                               f"{(lines, self.shape[1])}")
        self._image[first:first + lines] = dn8
        if self.with_truth:
            for name, plane in self._planes.items():
                if name not in result.truth:
                    raise ProductError(f"framelet (frame {frame}, {filt}) lacks the truth backplane {name!r}")
                plane[first:first + lines] = np.asarray(result.truth[name]).reshape(lines, self.shape[1])
            self.summary.add(result.truth)
        self._framelets.append({"frame": frame, "filter": filt, "first_line": first,
                                "start_et": float(result.start_et), "mid_et": float(result.mid_et)})
        self._next += 1

    # --- the files ----------------------------------------------------------------------------------
    def finish(self) -> Path:
        """Write every file, rename the folder into place, and return its final path."""
        if self._next != len(self.order):
            raise ProductError(f"only {self._next} of the product's {len(self.order)} framelets were added")
        paths = product_paths(self.partial, self.desc.product_id)
        for p in paths.values():
            p.parent.mkdir(parents=True, exist_ok=True)
        meta = md.build_metadata(self.desc)
        raw_image.write_raw_png(paths["raw_png"], self._image)
        paths["metadata"].write_bytes(md.metadata_to_bytes(meta))
        paths["img"].write_bytes(pds3.image_bytes(self._image))
        paths["lbl"].write_bytes(pds3.build_label(meta, paths["img"].name).encode("ascii"))
        kernels_entry = self._write_kernels(paths["kernels"])
        if self.with_truth and self.truth_storage.level != "none":
            truth.write_truth_fits(paths["truth_fits"], self._planes, product_id=self.desc.product_id,
                                   scenario=self.context.scenario, seed=self.context.seed,
                                   abcorr=self.context.abcorr, software_version=__version__,
                                   tile_lines=self.desc.framelet_lines, storage=self.truth_storage)
        record = truth.truth_record(
            scenario=self.context.scenario, seed=self.context.seed, kernels=kernels_entry,
            abcorr=self.context.abcorr, framelets=self._framelets,
            injected_errors=self.context.injected_errors, software_version=__version__,
            product_id=self.desc.product_id)
        paths["truth_json"].write_bytes(truth.truth_to_bytes(record))
        quicklook.write_quicklook(paths["quicklook"], self._image, self.desc, self._planes or None)
        self._release()
        shutil.rmtree(self.partial / _SCRATCH)
        return self._move_into_place()

    def _write_kernels(self, folder: Path) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        mk = Path(self.kernels.metakernel)
        if self.kernels.copy_folder is not None:
            src = Path(self.kernels.copy_folder).resolve()
            shutil.copytree(src, folder, dirs_exist_ok=True)
        if self.context.scenario_toml:
            # The kernel cache is shared by scenarios with the same orbit and spin: record this product's own
            # scenario (aberration correction, scene, imaging), not whichever wrote the cache.
            (folder / "scenario.toml").write_text(self.context.scenario_toml, encoding="utf-8")
        if self.kernels.copy_folder is not None:
            try:
                rel = mk.resolve().relative_to(src)
            except ValueError:
                raise ProductError(f"metakernel {str(mk)!r} is not inside the kernel folder {str(src)!r}") from None
            return f"kernels/{rel.as_posix()}"
        (folder / "METAKERNEL.txt").write_text(
            "This product was rendered with the user's SPICE kernels (not copied here):\n"
            f"{mk.resolve()}\n", encoding="utf-8")
        return str(mk.resolve())

    def _move_into_place(self) -> Path:
        old = None
        if self.final.exists():
            if not self.overwrite:
                raise ProductError(f"product folder {str(self.final)!r} appeared while rendering; not replacing it")
            old = self.out_dir / f".{self.desc.product_id}.old-{os.getpid()}"
            os.replace(self.final, old)
        os.replace(self.partial, self.final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.final
