"""Atomic product folders: build ``OUT/.<ID>.junocam-sim-partial-<pid>/``, rename to ``OUT/<ID>/`` when complete.

A :class:`ProductWriter` takes framelets one at a time (in PNG order, as the renderer streams them), keeps
the 8-bit image in memory (1 byte per pixel) and the truth backplanes in memory-mapped scratch files inside
the partial folder (so a 1648 x 31488 image stays far below 2 GB of RAM; the scratch takes 56 B per pixel
on disk, reserved up front so a full disk fails at the start, not as a SIGBUS), then writes every file and
renames the folder. With ``overlap`` (the default when the process may use two threads or more), the
placing of framelets and the deflating of the raw PNG's row blocks run in one writer thread while the
renderer goes on (at most ``pending`` framelets queued, so memory stays flat: :data:`MAX_PENDING`, or the
renderer's hand-over batch that :func:`simulator.products.pipeline.render_product` passes), and the truth FITS is
encoded in another thread while the PNG, quicklook and other files are written: the same bytes either way
(tested). Before anything is written it checks the free space against :func:`product_bytes`,
removes partials of runs whose process is gone (:func:`simulator.outputs.remove_stale_partials`) and
refuses to replace a folder junocam-sim did not write (its marker file, :data:`simulator.outputs.MARKER`).
Any exception, including KeyboardInterrupt/SIGTERM/SIGHUP (:mod:`simulator.signals`) and one raised while
entering the block, removes the partial folder: nothing that looks like a finished product is ever left
behind. A run killed outright (SIGKILL) leaves only its hidden partial folder, which the next run writing
into the same folder removes. Write failures end in one :class:`simulator.outputs.OutputError` sentence.
"""

from __future__ import annotations

import shutil
from collections import deque
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from simulator import __version__
from simulator.errors import ProductError, SimulatorError
from simulator.outputs import (MARKER, OutputError, check_free_space, os_error_sentence, partial_path,
                               normalise_modes, preallocate, prepare_output, process_alive, read_marker, remove_stale_partials, swap_into_place,
                               write_marker)
from simulator.products import metadata as md
from simulator.products import calibration_out, pds3, quicklook, raw_image, truth
from simulator.products.truth_stream import TruthStream
from simulator.products.description import ImageDescription

_SCRATCH = ".scratch"
MAX_PENDING = 4   # framelets handed to the writer thread and not yet placed (~12 MB each with full truth) by
                  # default; render_product queues a whole hand-over batch of the renderer (workers.handover)
TRUTH_BYTES_PER_PIXEL = sum(np.dtype(t[0]).itemsize for t in truth.BACKPLANES.values())  # 56 B


def product_bytes(lines: int, samples: int, with_truth: bool = True, kernel_bytes: int = 0) -> int:
    """Disk a product needs at its peak while being written (bytes): the PNG, IMG and quicklook (bounded
    by 3 B/px), the truth scratch planes and the truth FITS beside them (bounded by its uncompressed size,
    56 B/px each), plus ``kernel_bytes`` for the copied kernel set and the ``calibration/`` frames
    (:data:`~simulator.products.calibration_out.MAX_BYTES`)."""
    pixels = int(lines) * int(samples)
    extra = calibration_out.MAX_BYTES if with_truth else 0
    return 3 * pixels + (2 * TRUTH_BYTES_PER_PIXEL * pixels if with_truth else 0) + int(kernel_bytes) + extra


def render_planes(storage: truth.TruthStorage, summary: bool = True) -> tuple[str, ...] | None:
    """The truth planes a product writer reads from the renderer at ``storage``'s level (None: all).

    The truth FITS keeps ``storage.planes``; the quicklook projects with :data:`truth.QUICKLOOK_PLANES`, the
    manifest's figures read ``TruthSummary.PLANES`` (only with ``summary``: a writer made with
    ``summary=False`` gathers none) and ``calibration/`` the calibration planes, at every level. Pass it as
    ``RenderOptions.truth_planes`` so the renderer makes no plane that is thrown away.
    """
    if storage.level == "full":
        return None
    kept = storage.planes(truth.plane_names())
    figures = truth.TruthSummary.PLANES if summary else ()
    return tuple(dict.fromkeys((*kept, *truth.QUICKLOOK_PLANES, *figures, *calibration_out.PLANES)))


def check_product_folder(final: Path, overwrite: bool) -> None:
    """Refuse a product folder that exists, unless ``overwrite`` and junocam-sim wrote it (its marker)."""
    final = Path(final)
    if not final.exists() and not final.is_symlink():
        return
    if not overwrite:
        raise ProductError(f"product folder {str(final)!r} already exists; pass --overwrite to replace it or "
                           "choose another --out")
    if not final.is_dir() or final.is_symlink() or read_marker(final) is None:
        raise ProductError(f"{str(final)!r} exists and was not written by junocam-sim (no {MARKER} file); it is "
                           "never replaced: choose another --out")


def folder_bytes(folder: Path | None) -> int:
    """Total size of the files under ``folder`` (0 for ``None``)."""
    if folder is None:
        return 0
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


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
                 *, overwrite: bool = False, with_truth: bool = True, progress=None,
                 truth_storage: truth.TruthStorage = truth.TruthStorage(), overlap: bool | None = None,
                 calibration_cache: Path | None = None, pending: int = MAX_PENDING, summary: bool = True):
        self.out_dir = prepare_output(out_dir, kind="container")
        self.progress = progress  # progress(done, total): framelets count 1 each, then the writes as many again
        self.desc = desc
        self.context = context
        self.kernels = kernels
        self.overwrite = overwrite
        self.with_truth = with_truth
        self.truth_storage = truth_storage
        # key truth figures (dataset manifests), filled by add(); None when the caller does not read them
        self.summary = truth.TruthSummary() if summary else None
        self.calibration = calibration_out.CalibrationCollector()   # the camera's frames -> calibration/
        self.calibration_cache = calibration_cache   # earlier renders' calibration/ files (calibration_out)
        self.final = self.out_dir / desc.product_id
        self.partial = partial_path(self.final)
        lines, samples = desc.lines, desc.line_samples
        self.shape = (lines, samples)
        self.order = [(n, f) for n in range(int(desc.frames)) for f in desc.filters]
        self._next = 0
        self._image: np.ndarray | None = None
        self._planes: dict[str, np.ndarray] = {}   # whole planes of the truth FITS (scratch memory maps)
        self._stream: TruthStream | None = None    # the truth FITS planes coded framelet by framelet
        self._fallbacks: list[np.memmap] = []      # whole planes of streamed planes that could not be coded
        self._quicklook: quicklook.QuicklookCollector | None = None   # its per-pixel work, framelet by framelet
        self._others = False                       # a framelet's BODY named another body than Jupiter
        self._framelets: list[dict] = []
        if overlap is None:
            from simulator.render.workers import thread_budget

            overlap = thread_budget() >= 2
        self.overlap = bool(overlap)   # place framelets / deflate PNG blocks in a writer thread
        # Framelets queued for that thread before add() waits. The side-by-side renderer hands over a batch at
        # a time and renders the next only once its caller has taken the whole batch: a queue as deep as the
        # batch lets the writer place one batch while the next renders, instead of the render waiting while
        # the writer catches up on all but MAX_PENDING of them (same bytes; ~12 MB more per queued framelet).
        self.pending = max(1, int(pending))
        self._thread = None            # that thread (a one-worker ThreadPoolExecutor), while in the block
        self._side = None              # a second one: calibration/ written as soon as every filter has come
        self._calibration_job = None   # its Future (None: calibration/ is written by finish())
        self._pending: deque = deque()
        self._png: raw_image.PngStream | None = None
        self._png_next = 0             # the PNG row block to deflate next

    # --- context management ---------------------------------------------------------------------
    def __enter__(self) -> "ProductWriter":
        try:
            self._check_final()
            self.out_dir.mkdir(parents=True, exist_ok=True)
            remove_stale_partials(self.out_dir)
            self._remove_legacy_partials()
            copy = self.kernels.copy_folder
            check_free_space(self.out_dir, product_bytes(*self.shape, self.with_truth, folder_bytes(copy)),
                             f"product {self.desc.product_id}")
            (self.partial / _SCRATCH).mkdir(parents=True)
            write_marker(self.partial, "render")
            self._image = np.zeros(self.shape, dtype=np.uint8)
            if self.with_truth:
                # The truth FITS planes coded and compressed framelet by framelet as they come (TruthStream:
                # the default coding), the others as whole scratch planes; the quicklook takes what it reads
                # of each framelet as it comes (no plane is kept whole just for it).
                kept = self.truth_storage.planes(truth.plane_names())
                lines = self.desc.framelet_lines
                self._stream = TruthStream(self.truth_storage, kept, self.shape[0] // lines, lines, self.shape[1],
                                           scratch=self._fallback_scratch)
                for name in kept:
                    if name not in self._stream.planes:
                        self._planes[name] = self._scratch(name, self.shape)
                self._quicklook = quicklook.QuicklookCollector(self.desc)
            self._png = raw_image.PngStream(self._image)
            if self.overlap:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="junocam-writer")
                self._side = ThreadPoolExecutor(1, thread_name_prefix="junocam-calibration")
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            if isinstance(exc, OSError):
                raise OutputError(os_error_sentence(exc, f"preparing product {str(self.final)!r}")) from None
            raise
        return self

    def _scratch(self, name: str, shape: tuple[int, ...], dtype=None) -> np.memmap:
        """A scratch plane (of truth plane ``name``'s dtype unless ``dtype`` is given) in the partial folder,
        disk reserved up front.

        No fill: add() writes every row of every plane, and finish() refuses a product that lacks a
        framelet, so no pixel is ever read before it is written.
        """
        dtype = np.dtype(dtype if dtype is not None else truth.plane_dtype(name.split(".")[0]))
        path = self.partial / _SCRATCH / f"{name}.bin"
        preallocate(path, dtype.itemsize * int(np.prod(shape)))
        return np.memmap(path, dtype=dtype, mode="r+", shape=shape)

    def _fallback_scratch(self, name: str, shape: tuple, dtype) -> np.memmap:
        """A whole float plane for a streamed plane that cannot be coded (truth_stream's lossless fallback)."""
        plane = self._scratch(f"{name}.fallback", shape, dtype)
        self._fallbacks.append(plane)                 # released with the others
        return plane

    def _remove_legacy_partials(self) -> None:
        """Remove ``.<ID>.partial-<pid>`` folders of this product (the naming before the marker file) whose
        process is gone."""
        for folder in self.out_dir.glob(f".{self.desc.product_id}.partial-*"):
            pid = folder.name.rsplit("-", 1)[1]
            if folder.is_dir() and pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    def _check_final(self) -> None:
        check_product_folder(self.final, self.overwrite)

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop_thread()
        self._release()
        if exc_type is not None and self.partial.exists():
            shutil.rmtree(self.partial, ignore_errors=True)

    def _stop_thread(self) -> None:
        """Let the writer threads finish what they are doing (queued framelets are dropped) and end them."""
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)
            self._thread = None
        if self._side is not None:
            self._side.shutdown(wait=True)
            self._side = None
        self._pending.clear()

    def _drain(self, keep: int = 0) -> None:
        """Wait until at most ``keep`` framelets are queued; a failure in the writer thread is raised here."""
        while len(self._pending) > keep or (self._pending and self._pending[0].done()):
            self._pending.popleft().result()

    def _release(self) -> None:
        for plane in (*self._planes.values(), *self._fallbacks):
            if isinstance(plane, np.memmap):
                plane._mmap.close()  # release the file so the scratch folder can be removed
        self._planes, self._fallbacks = {}, []
        if self._stream is not None:
            for plane in self._stream.planes.values():
                plane.fallback = None

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
        planes = {}
        if self.with_truth:
            streamed = self._stream.planes if self._stream is not None else {}
            for name in dict.fromkeys((*self._planes, *truth.QUICKLOOK_PLANES, *streamed)):
                if name not in result.truth:
                    raise ProductError(f"framelet (frame {frame}, {filt}) lacks the truth backplane {name!r}")
                planes[name] = result.truth[name]
        calibration = getattr(result, "truth", None) or {}
        truth_all = result.truth if self.with_truth else None
        self._framelets.append({"frame": frame, "filter": filt, "first_line": first,
                                "start_et": float(result.start_et), "mid_et": float(result.mid_et)})
        self._next += 1
        if self._thread is None:
            self._place(first, filt, dn8, planes, truth_all, calibration)
            return
        self._drain(keep=self.pending - 1)   # bounded: the renderer waits when the writer falls behind
        self._pending.append(self._thread.submit(self._place, first, filt, dn8, planes, truth_all, calibration))

    def _place(self, first: int, filt: str, dn8: np.ndarray, planes: dict, truth_all, calibration: dict) -> None:
        """Copy one framelet into the image and the truth planes, hand it to the quicklook; deflate the PNG
        blocks it completes."""
        lines = self.desc.framelet_lines
        self._image[first:first + lines] = dn8
        if self._stream is not None and self._stream.planes:
            self._stream.add(first // lines, planes)
        for name in self._planes:
            self._planes[name][first:first + lines] = np.asarray(planes[name]).reshape(lines, self.shape[1])
        if self._quicklook is not None:
            self._quicklook.add(first, dn8, {name: np.asarray(planes[name]).reshape(lines, self.shape[1])
                                             for name in truth.QUICKLOOK_PLANES})
        if truth_all is not None:
            self._others = self._others or quicklook.other_bodies(truth_all["BODY"])
            if self.summary is not None:
                self.summary.add(truth_all)
        self.calibration.add(filt, calibration)
        if self._side is not None and self._calibration_job is None \
                and len(self.calibration.planes) == len(self.desc.filters):
            # Every filter's frames are in (the first frame's framelets): write calibration/ now, beside the
            # render, rather than after it. Same files; finish() waits for them before the truth FITS.
            self._calibration_job = self._side.submit(self.calibration.write, self.partial / calibration_out.FOLDER,
                                                      self.desc.summing, self.calibration_cache)
        for k in self._png.ready(first + lines)[self._png_next:]:
            self._png.deflate(k)
            self._png_next = k + 1

    # --- the files ----------------------------------------------------------------------------------
    def finish(self) -> Path:
        """Write every file, rename the folder into place, and return its final path.

        A failure while writing (a full disk, a permission, a copy error) raises one :class:`OutputError`
        sentence naming the product; the ``with`` block then removes the partial folder.
        """
        if self._next != len(self.order):
            raise ProductError(f"only {self._next} of the product's {len(self.order)} framelets were added")
        try:
            self._drain()
            self._write_files()
            self._release()
            shutil.rmtree(self.partial / _SCRATCH)
            return self._move_into_place()
        except SimulatorError:
            raise
        except OSError as exc:
            raise OutputError(os_error_sentence(exc, f"writing product {str(self.final)!r}")) from None
        except ValueError as exc:   # astropy/numpy/Pillow on a damaged write (a short file, a full disk)
            text = " ".join(str(exc).split())[:200]
            raise OutputError(f"writing product {str(self.final)!r} failed: {type(exc).__name__}: {text}") from None

    def _write_files(self) -> None:
        paths = product_paths(self.partial, self.desc.product_id)
        for p in paths.values():
            p.parent.mkdir(parents=True, exist_ok=True)
        n = len(self.order)
        pixels = self.shape[0] * self.shape[1]
        truth_cost = TRUTH_BYTES_PER_PIXEL * pixels if self.with_truth else 0
        total_cost = 3 * pixels + truth_cost + 1
        done = [0.0]

        def step(cost: float) -> None:   # the writes advance the bar over a second n, by their share of bytes
            done[0] += cost
            if self.progress is not None:
                self.progress(n + n * min(done[0] / total_cost, 1.0), 2 * n)

        meta = md.build_metadata(self.desc)
        fits = self.with_truth and self.truth_storage.level != "none"

        def astropy_files() -> None:
            # The calibration/ frames (unless written beside the render), then the truth FITS (the longest
            # write), one after the other: both go through astropy's codecs, which truth.py adjusts while it writes.
            if self._calibration_job is None:
                self.calibration.write(self.partial / calibration_out.FOLDER, self.desc.summing,
                                       self.calibration_cache)
            else:
                self._calibration_job.result()
            if fits:
                planes = {**self._planes, **(self._stream.planes if self._stream is not None else {})}
                truth.write_truth_fits(paths["truth_fits"], planes, product_id=self.desc.product_id,
                                       scenario=self.context.scenario, seed=self.context.seed,
                                       abcorr=self.context.abcorr, software_version=__version__,
                                       tile_lines=self.desc.framelet_lines, storage=self.truth_storage)

        # With the writer thread, those go there while this thread writes the other files.
        job = self._thread.submit(astropy_files) if self._thread is not None else None
        try:
            if job is None:
                astropy_files()
                step(truth_cost if fits else 0)
            self._png.write(paths["raw_png"])
            paths["metadata"].write_bytes(md.metadata_to_bytes(meta))
            step(pixels)
            paths["img"].write_bytes(pds3.image_bytes(self._image))
            paths["lbl"].write_bytes(pds3.build_label(meta, paths["img"].name).encode("ascii"))
            step(pixels)
            kernels_entry = self._write_kernels(paths["kernels"])
            quicklook.write_quicklook(paths["quicklook"], self._image, self.desc, self._quicklook,
                                      others=self._others)
        except BaseException:
            if job is not None:        # let it end before the partial folder is removed
                wait([job])
            raise
        if job is not None:
            job.result()
            step(truth_cost if fits else 0)
        record = truth.truth_record(
            scenario=self.context.scenario, seed=self.context.seed, kernels=kernels_entry,
            abcorr=self.context.abcorr, framelets=self._framelets,
            injected_errors=self.context.injected_errors, software_version=__version__,
            product_id=self.desc.product_id)
        paths["truth_json"].write_bytes(truth.truth_to_bytes(record))
        step(total_cost)

    def _write_kernels(self, folder: Path) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        mk = Path(self.kernels.metakernel)
        if self.kernels.copy_folder is not None:
            src = Path(self.kernels.copy_folder).resolve()
            shutil.copytree(src, folder, dirs_exist_ok=True)
            normalise_modes(folder)      # the cache's folders may be private (0700); the product's are not
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
        self._check_final()          # a folder that appeared while rendering is replaced only if it may be
        swap_into_place(self.partial, self.final)
        return self.final
