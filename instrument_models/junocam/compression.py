"""Onboard compression of 8-bit framelets: none, lossless predictive, lossy integer cosine transform.

JunoCam compresses each 8-bit (companded) image fragment before downlink in one of three modes
(facts.md "Detector and electronics": none, predictive lossless ~1.5-2:1, integer cosine transform
lossy JPEG-like 5-20:1; transform-compressed images are processed a fragment at a time). The mode
names are the product's ``COMPRESSION_TYPE`` strings. Only ``"INTEGER COSINE TRANSFORM"`` was found in
real JunoCam labels (``../shared/reference/products``, public mission labels); no JunoCam label with
another value was found, so ``"NONE"`` and ``"LOSSLESS"`` are this project's names (the PDS4 imaging
dictionary calls MSSS's lossless coder "MSSS Lossless", accepted here as an alias).

The flight coders are not published; these are coders of our own that behave like them:

``"NONE"``
    The raw bytes, 8 bits per pixel.
``"LOSSLESS"``
    A predictive coder: each pixel is predicted from already-coded neighbours by one of three linear
    predictors (left, above, planar ``left + above - upper_left``; the cheapest for the framelet is
    chosen and recorded in the stream), the residual modulo 256 is folded to a non-negative integer
    (zig-zag) and Rice coded with a parameter ``k`` chosen per block of :data:`RICE_BLOCK_PIXELS`
    pixels (a block whose residuals are all zero costs no bits at all; a block Rice coding would
    expand is stored verbatim, so pure noise costs 8 bits per pixel plus side information). Unary
    parts and remainder bits go to two separate bit streams so encoding and decoding are whole-array
    numpy operations (with numba, compiled loops write and read the same bytes in one pass, ~8x faster).
    Because the predictors are linear, decoding is a cumulative sum modulo 256 and round-trips exactly.
``"INTEGER COSINE TRANSFORM"``
    8x8-block transform coding by libjpeg's baseline encoder (through Pillow): quantisation tables
    scaled by ``quality`` (1..100), standard (Annex K) Huffman tables, no restart markers. Output is
    deterministic. **Byte count:** a transform coder on a spacecraft does not send its tables with
    every fragment (they are fixed in flight software), so the encoded stream is one quality byte plus
    the JPEG entropy-coded scan only; the JPEG headers (JFIF, quantisation and Huffman tables, frame and
    scan headers, ~330 bytes) are *not* counted: they are regenerated from ``(shape, quality)`` when
    decoding. Per-fragment packet/header overhead is counted separately, once, by
    ``DownlinkParams.framelet_overhead_bytes`` (``instrument_models.junocam.downlink``).

The fast size estimator for planning (calibrated against these coders) is
:func:`simulator.budget.estimate_framelet_bytes`.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image

from instrument_models.errors import InstrumentError

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; numpy is the fallback
    numba = None

#: True when the lossless coder's bit loops run compiled (numba); the numpy path writes the same bytes.
AVAILABLE = numba is not None and not numba.config.DISABLE_JIT   # NUMBA_DISABLE_JIT=1: the numpy path

COMPRESSION_MODES: tuple[str, ...] = ("NONE", "LOSSLESS", "INTEGER COSINE TRANSFORM")
MODE_ALIASES = {"ICT": "INTEGER COSINE TRANSFORM", "PREDICTIVE": "LOSSLESS", "MSSS LOSSLESS": "LOSSLESS",
                "UNCOMPRESSED": "NONE", "RAW": "NONE"}

# Assumption (no published flight value): the default ICT quality. At 90 the procedural Jupiter
# framelets of simulator.budget compress 4.7-17:1 (10th-90th percentile, median 13:1), matching the
# 5-20:1 of facts.md "Detector and electronics" for JunoCam's transform coder.
DEFAULT_ICT_QUALITY = 90
QUALITY_RANGE = (1, 100)  # Pillow/libjpeg quality scale

# Design choices of our lossless coder (not flight values).
RICE_BLOCK_PIXELS = 64  # pixels sharing one Rice parameter; 4 bits of side information per block
RICE_MAX_K = 7  # a zig-zagged residual has 8 bits, so k = 7 bounds every code at 9 bits
_ZERO_BLOCK = 0  # block code 0: every residual is zero, no bits; codes 1..8 mean k = code - 1
_RAW_BLOCK = RICE_MAX_K + 2  # block code 9: residuals stored verbatim, 8 bits each (noise never expands)
_PREDICTORS = ("left", "above", "planar")
_HEADER_BYTES = 5  # predictor id (1) + unary stream length (4, little-endian)


def normalize_mode(mode: str) -> str:
    """Return the canonical ``COMPRESSION_TYPE`` string for ``mode`` (case-insensitive, aliases allowed)."""
    key = " ".join(str(mode).upper().replace("_", " ").split())
    key = MODE_ALIASES.get(key, key)
    if key not in COMPRESSION_MODES:
        raise InstrumentError(f"unknown compression mode {mode!r}; expected one of {', '.join(COMPRESSION_MODES)}")
    return key


def check_quality(quality) -> int:
    """Return ``quality`` as an int in 1..100, or raise naming it."""
    lo, hi = QUALITY_RANGE
    try:
        whole = not isinstance(quality, bool) and float(quality).is_integer()
    except (TypeError, ValueError):
        whole = False
    if not whole or not lo <= quality <= hi:
        raise InstrumentError(f"compression quality {quality!r} is not an integer in {lo}..{hi}")
    return int(quality)


def _check_framelet(dn8) -> np.ndarray:
    array = np.asarray(dn8)
    if array.ndim != 2 or array.size == 0:
        raise InstrumentError(f"a framelet must be a non-empty 2-D (lines, samples) array, got shape {array.shape}")
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.integer) or array.min() < 0 or array.max() > 255:
            raise InstrumentError(f"a framelet must hold 8-bit values 0..255 (uint8), got dtype {array.dtype}")
        array = array.astype(np.uint8)
    return np.ascontiguousarray(array)


def _check_shape(shape) -> tuple[int, int]:
    try:
        lines, samples = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise InstrumentError(f"framelet shape {shape!r} is not (lines, samples)") from None
    if lines <= 0 or samples <= 0:
        raise InstrumentError(f"framelet shape {shape!r} must have positive lines and samples")
    return lines, samples


# ---------------------------------------------------------------- lossless: prediction
def _residuals(x: np.ndarray, predictor: int) -> np.ndarray:
    """Prediction residuals modulo 256 (uint8) of framelet ``x`` for predictor index ``predictor``."""
    x16 = x.astype(np.int16)
    r = x16.copy()
    if predictor == 0:  # left; first column predicted from above
        r[:, 1:] -= x16[:, :-1]
        r[1:, 0] -= x16[:-1, 0]
    elif predictor == 1:  # above; first row predicted from the left
        r[1:, :] -= x16[:-1, :]
        r[0, 1:] -= x16[0, :-1]
    else:  # planar a + b - c, zero outside the framelet
        r[:, 1:] -= x16[:, :-1]
        r[1:, :] -= x16[:-1, :]
        r[1:, 1:] += x16[:-1, :-1]
    return (r & 0xFF).astype(np.uint8)


def _reconstruct(r: np.ndarray, predictor: int) -> np.ndarray:
    """Invert :func:`_residuals`: cumulative sums modulo 256."""
    r = r.astype(np.int64)
    if predictor == 0:
        r[:, 0] = np.cumsum(r[:, 0])
        x = np.cumsum(r, axis=1)
    elif predictor == 1:
        r[0, :] = np.cumsum(r[0, :])
        x = np.cumsum(r, axis=0)
    else:
        x = np.cumsum(np.cumsum(r, axis=0), axis=1)
    return (x & 0xFF).astype(np.uint8)


def _zigzag(r: np.ndarray) -> np.ndarray:
    """Fold residuals mod 256 (read as signed -128..127) to 0, 1, 2, ... for 0, -1, 1, -2, ... (uint8)."""
    sign = (r >> 7) * np.uint8(0xFF)
    return (r << 1) ^ sign


def _unzigzag(z: np.ndarray) -> np.ndarray:
    """Invert :func:`_zigzag`."""
    sign = (z & 1) * np.uint8(0xFF)
    return (z >> 1) ^ sign


# ---------------------------------------------------------------- lossless: Rice coding
def _blocks(z: np.ndarray) -> np.ndarray:
    """Flatten ``z`` in raster order into (n_blocks, RICE_BLOCK_PIXELS), zero-padding the last block."""
    flat = z.reshape(-1)
    pad = (-flat.size) % RICE_BLOCK_PIXELS
    if pad:
        flat = np.concatenate([flat, np.zeros(pad, np.uint8)])
    return flat.reshape(-1, RICE_BLOCK_PIXELS)


def _block_codes(blocks: np.ndarray) -> tuple[np.ndarray, int]:
    """Best block code (0 zero block, 1 + k Rice, 9 verbatim) per block and the total bits it costs."""
    n = blocks.shape[1]
    flat = blocks.reshape(-1)
    if AVAILABLE:
        shifted_sums = _shifted_sums(np.ascontiguousarray(flat), n, RICE_MAX_K + 1)
    else:
        starts = np.arange(0, flat.size, n)
        shifted_sums = np.stack([np.add.reduceat(flat >> np.uint8(k), starts, dtype=np.int64)
                                 for k in range(RICE_MAX_K + 1)], axis=1)  # (n_blocks, k): sum(z >> k)
    cost = shifted_sums + n * (1 + np.arange(RICE_MAX_K + 1))
    best_k = cost.argmin(axis=1)
    bits = cost[np.arange(len(blocks)), best_k]
    raw = bits > 8 * n
    zero = shifted_sums[:, 0] == 0
    codes = np.where(zero, _ZERO_BLOCK, np.where(raw, _RAW_BLOCK, best_k + 1))
    bits = np.where(zero, 0, np.minimum(bits, 8 * n))
    return codes.astype(np.uint8), int(bits.sum())


def _pack_codes(codes: np.ndarray) -> bytes:
    """Two 4-bit block codes per byte."""
    c = codes if codes.size % 2 == 0 else np.concatenate([codes, [0]])
    return ((c[0::2] << 4) | c[1::2]).astype(np.uint8).tobytes()


def _unpack_codes(data: bytes, n_blocks: int) -> np.ndarray:
    b = np.frombuffer(data, np.uint8)
    return np.stack([b >> 4, b & 0x0F], axis=1).reshape(-1)[:n_blocks]


def _rice_encode(blocks: np.ndarray, codes: np.ndarray) -> tuple[bytes, bytes]:
    """Unary stream and remainder stream of the coded blocks.

    The unary stream holds, per value of a Rice-coded block in raster order, ``value >> k`` zeros then
    a one. The remainder stream holds the low ``k`` bits (MSB first) of the values grouped by ``k`` =
    1..7, then the 8 bits of every value of a verbatim block, each group in raster order; the decoder
    knows every value's ``k`` from the block codes.
    """
    if AVAILABLE:
        unary, remainder = _rice_encode_bits(np.ascontiguousarray(blocks).reshape(-1), codes, blocks.shape[1])
        return unary.tobytes(), remainder.tobytes()
    coded = codes != _ZERO_BLOCK
    values = blocks[coded].reshape(-1)
    k = np.repeat(codes[coded] - np.uint8(1), blocks.shape[1])
    rice = k <= RICE_MAX_K
    q = (values[rice] >> k[rice]).astype(np.int64)
    ones = np.cumsum(q + 1) - 1
    unary = np.zeros(int(ones[-1]) + 1 if ones.size else 0, np.uint8)
    unary[ones] = 1
    groups = []
    for width in range(1, RICE_MAX_K + 2):
        chosen = values[k == width]
        if chosen.size:
            groups.append(np.unpackbits(chosen[:, None], axis=1)[:, 8 - width:].reshape(-1))
    rem_bits = np.concatenate(groups) if groups else np.zeros(0, np.uint8)
    return np.packbits(unary).tobytes(), np.packbits(rem_bits).tobytes()


def _rice_decode(unary: bytes, remainder: bytes, codes: np.ndarray, n: int) -> np.ndarray:
    """Invert :func:`_rice_encode`; returns the (n_blocks, n) block values (uint8)."""
    if AVAILABLE:
        out = np.zeros(codes.size * n, np.uint8)
        if _rice_decode_bits(np.frombuffer(unary, np.uint8), np.frombuffer(remainder, np.uint8), codes, n, out):
            return out.reshape(codes.size, n)
        # A truncated or corrupt stream: the numpy decoder below says which.
    coded = codes != _ZERO_BLOCK
    k = np.repeat(codes[coded].astype(np.int64) - 1, n)
    rice = k <= RICE_MAX_K
    count = int(rice.sum())
    ones = np.flatnonzero(np.unpackbits(np.frombuffer(unary, np.uint8)))[:count]
    if ones.size != count:
        raise InstrumentError(f"lossless stream is truncated: {ones.size} of {count} values present")
    values = np.zeros(k.size, np.int64)
    values[rice] = (np.diff(np.concatenate([[-1], ones])) - 1) << k[rice]
    bits = np.unpackbits(np.frombuffer(remainder, np.uint8))
    start = 0
    for width in range(1, RICE_MAX_K + 2):
        chosen = np.flatnonzero(k == width)
        stop = start + chosen.size * width
        if stop > bits.size:
            raise InstrumentError(f"lossless stream is truncated: {bits.size} remainder bits, need {stop}")
        group = bits[start:stop].reshape(-1, width).astype(np.int64)
        values[chosen] += group @ (1 << np.arange(width - 1, -1, -1))
        start = stop
    if values.size and values.max() > 255:
        raise InstrumentError("lossless stream is corrupt: a decoded residual exceeds 255")
    blocks = np.zeros((codes.size, n), np.uint8)
    blocks[coded] = values.reshape(-1, n).astype(np.uint8)
    return blocks


def _lossless_encode(x: np.ndarray) -> bytes:
    best = None
    for predictor in range(len(_PREDICTORS)):
        blocks = _blocks(_zigzag(_residuals(x, predictor)))
        codes, bits = _block_codes(blocks)
        if best is None or bits < best[0]:
            best = (bits, predictor, blocks, codes)
    _, predictor, blocks, codes = best
    unary, remainder = _rice_encode(blocks, codes)
    header = bytes([predictor]) + len(unary).to_bytes(4, "little")
    return header + _pack_codes(codes) + unary + remainder


def _lossless_decode(data: bytes, shape: tuple[int, int]) -> np.ndarray:
    n_pixels = shape[0] * shape[1]
    n_blocks = -(-n_pixels // RICE_BLOCK_PIXELS)
    code_bytes = -(-n_blocks // 2)
    if len(data) < _HEADER_BYTES + code_bytes or data[0] >= len(_PREDICTORS):
        raise InstrumentError(f"{len(data)} bytes are not a LOSSLESS stream for a framelet of shape {shape}")
    predictor = data[0]
    n_unary = int.from_bytes(data[1:5], "little")
    codes = _unpack_codes(data[5:5 + code_bytes], n_blocks)
    start = 5 + code_bytes
    blocks = _rice_decode(data[start:start + n_unary], data[start + n_unary:], codes, RICE_BLOCK_PIXELS)
    z = blocks.reshape(-1)[:n_pixels].reshape(shape)
    return _reconstruct(_unzigzag(z), predictor)


# ---------------------------------------------------------------- lossless: compiled bit loops
# The same stream as the numpy code above, written and read bit by bit in one pass instead of whole-array
# passes per Rice parameter (tests/test_compression.py compares the two paths byte for byte).

def _jit(fn):
    return numba.njit(cache=True, nogil=True)(fn) if numba is not None else fn


# Leading zeros of a byte (8 for 0): finds the next one of the unary stream a byte at a time.
_LEADING_ZEROS = np.array([8] + [7 - int(np.log2(v)) for v in range(1, 256)], np.int64)


@_jit
def _shifted_sums(flat, n, n_k):
    """(n_blocks, 8) int64: per block of ``n`` values, ``sum(z >> k)`` for k = 0 .. 7 (``n_k`` must be 8)."""
    n_blocks = flat.size // n
    out = np.zeros((n_blocks, n_k), np.int64)
    for b in range(n_blocks):
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0
        for i in range(b * n, (b + 1) * n):
            z = np.int64(flat[i])
            s0 += z
            s1 += z >> 1
            s2 += z >> 2
            s3 += z >> 3
            s4 += z >> 4
            s5 += z >> 5
            s6 += z >> 6
            s7 += z >> 7
        out[b, 0], out[b, 1], out[b, 2], out[b, 3] = s0, s1, s2, s3
        out[b, 4], out[b, 5], out[b, 6], out[b, 7] = s4, s5, s6, s7
    return out


@_jit
def _coded_blocks(codes, n):
    """The coded (non-zero) blocks in order, their k (code - 1; 8 = verbatim), each remainder width's
    starting bit (index = width 0..8) and the total remainder bits."""
    blocks = np.flatnonzero(codes != _ZERO_BLOCK)
    ks = codes[blocks].astype(np.int64) - 1
    start = np.zeros(RICE_MAX_K + 2, np.int64)
    total = 0
    for w in range(1, RICE_MAX_K + 2):
        start[w] = total
        total += np.count_nonzero(ks == w) * n * w
    return blocks, ks, start, total


@_jit
def _rice_encode_bits(flat, codes, n):
    """:func:`_rice_encode`'s two streams as packed uint8 arrays (MSB first, zero-padded)."""
    blocks, ks, start, rem_bits = _coded_blocks(codes, n)
    unary_bits = 0
    for j in range(blocks.size):
        if ks[j] <= RICE_MAX_K:
            for i in range(blocks[j] * n, (blocks[j] + 1) * n):
                unary_bits += (np.int64(flat[i]) >> ks[j]) + 1
    unary = np.zeros((unary_bits + 7) // 8, np.uint8)
    remainder = np.zeros((rem_bits + 7) // 8, np.uint8)
    pos = 0
    for j in range(blocks.size):
        k, at = ks[j], start[ks[j]]
        for i in range(blocks[j] * n, (blocks[j] + 1) * n):
            v = np.int64(flat[i])
            if k <= RICE_MAX_K:
                pos += v >> k                            # that many zeros, then a one
                unary[pos >> 3] |= np.uint8(0x80 >> (pos & 7))
                pos += 1
            if k > 0:                                    # low k bits, most significant first
                window = (v & ((np.int64(1) << k) - 1)) << (16 - k - (at & 7))
                remainder[at >> 3] |= np.uint8(window >> 8)
                if window & 0xFF:
                    remainder[(at >> 3) + 1] |= np.uint8(window & 0xFF)
                at += k
        start[k] = at
    return unary, remainder


@_jit
def _rice_decode_bits(unary, remainder, codes, n, out):
    """Invert :func:`_rice_encode_bits` into ``out`` (n_blocks * n, uint8); False if the stream is truncated
    or corrupt (the caller then lets the numpy decoder raise the error that says which)."""
    blocks, ks, start, rem_bits = _coded_blocks(codes, n)
    if rem_bits > remainder.size * 8:
        return False
    n_unary = unary.size * 8
    pos = 0
    for j in range(blocks.size):
        k, at = ks[j], start[ks[j]]
        for i in range(blocks[j] * n, (blocks[j] + 1) * n):
            v = np.int64(0)
            if k <= RICE_MAX_K:
                q = 0
                while True:                              # zeros up to the next one, a byte at a time
                    if pos >= n_unary:
                        return False
                    zeros = _LEADING_ZEROS[(np.int64(unary[pos >> 3]) << (pos & 7)) & 0xFF]
                    room = 8 - (pos & 7)
                    if zeros < room:
                        q += zeros
                        pos += zeros + 1
                        break
                    q += room
                    pos += room
                v = np.int64(q) << k
            if k > 0:
                byte = at >> 3
                window = np.int64(remainder[byte]) << 8
                if byte + 1 < remainder.size:
                    window |= np.int64(remainder[byte + 1])
                v += ((window << (at & 7)) & 0xFFFF) >> (16 - k)
                at += k
            if v > 255:
                return False
            out[i] = np.uint8(v)
        start[k] = at
    return True


# ---------------------------------------------------------------- lossy: 8x8 transform coding
def _jpeg_bytes(x: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(x).save(buffer, format="JPEG", quality=quality, optimize=False, progressive=False)
    return buffer.getvalue()


def _scan_start(jpeg: bytes) -> int:
    """Offset of the first entropy-coded byte: just after the start-of-scan segment."""
    pos = 2  # after SOI
    while pos + 4 <= len(jpeg):
        if jpeg[pos] != 0xFF:
            break
        marker, length = jpeg[pos + 1], int.from_bytes(jpeg[pos + 2:pos + 4], "big")
        pos += 2 + length
        if marker == 0xDA:
            return pos
    raise InstrumentError("the JPEG encoder produced no start-of-scan segment")


@lru_cache(maxsize=64)
def jpeg_header(shape: tuple[int, int], quality: int) -> bytes:
    """The JPEG headers (SOI..SOS) libjpeg writes for any framelet of ``shape`` at ``quality``.

    With fixed Huffman tables they depend on the shape and quality only, never on the pixels
    (``tests/test_compression.py`` checks this), so they need not be sent.
    """
    jpeg = _jpeg_bytes(np.zeros(shape, np.uint8), quality)
    return jpeg[:_scan_start(jpeg)]


def quantization_table(quality: int) -> np.ndarray:
    """The 8x8 luminance quantisation steps (DN) used at ``quality``, row-major (64,) int."""
    quality = check_quality(quality)
    image = Image.open(io.BytesIO(jpeg_header((8, 8), quality) + b"\xff\xd9"))
    return np.asarray(image.quantization[0], dtype=np.int64)


def _ict_encode(x: np.ndarray, quality: int) -> bytes:
    jpeg = _jpeg_bytes(x, quality)
    return bytes([quality]) + jpeg[_scan_start(jpeg):-2]  # drop headers and the EOI marker


def _ict_decode(data: bytes, shape: tuple[int, int]) -> np.ndarray:
    if len(data) < 2 or not QUALITY_RANGE[0] <= data[0] <= QUALITY_RANGE[1]:
        raise InstrumentError(f"{len(data)} bytes are not an INTEGER COSINE TRANSFORM stream")
    jpeg = jpeg_header(shape, data[0]) + data[1:] + b"\xff\xd9"
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            out = np.asarray(image, dtype=np.uint8)
    except (OSError, SyntaxError) as exc:
        raise InstrumentError(f"INTEGER COSINE TRANSFORM stream does not decode for shape {shape}: {exc}") from None
    if out.shape != shape:
        raise InstrumentError(f"INTEGER COSINE TRANSFORM stream decodes to {out.shape}, expected {shape}")
    return out


# ---------------------------------------------------------------- public API
def compress(dn8, mode: str, quality: int = DEFAULT_ICT_QUALITY) -> bytes:
    """Encode one framelet as the bytes the camera would send (headers as described in the module doc).

    Parameters
    ----------
    dn8 : (lines, samples) uint8 array
        Companded framelet (any size; JunoCam's are 128 x 1648, or 64 x 824 summed).
    mode : str
        One of :data:`COMPRESSION_MODES` (case-insensitive; aliases in :data:`MODE_ALIASES`).
    quality : int
        1..100, used by ``"INTEGER COSINE TRANSFORM"`` only (checked for every mode).

    Returns
    -------
    bytes
        The encoded stream; ``len()`` of it is the framelet's compressed size in bytes.
    """
    mode = normalize_mode(mode)
    quality = check_quality(quality)
    x = _check_framelet(dn8)
    if mode == "NONE":
        return x.tobytes()
    if mode == "LOSSLESS":
        return _lossless_encode(x)
    return _ict_encode(x, quality)


def decompress(data: bytes, mode: str, shape) -> np.ndarray:
    """Decode bytes from :func:`compress` back to a ``shape`` (lines, samples) uint8 framelet.

    ``"NONE"`` and ``"LOSSLESS"`` return the original exactly; ``"INTEGER COSINE TRANSFORM"`` returns
    the lossy reconstruction (with its 8x8 block artefacts).
    """
    mode = normalize_mode(mode)
    shape = _check_shape(shape)
    data = bytes(data)
    if mode == "NONE":
        if len(data) != shape[0] * shape[1]:
            raise InstrumentError(f"{len(data)} bytes do not hold an uncompressed framelet of shape {shape}")
        return np.frombuffer(data, np.uint8).reshape(shape).copy()
    if mode == "LOSSLESS":
        return _lossless_decode(data, shape)
    return _ict_decode(data, shape)


def compressed_size(dn8, mode: str, quality: int = DEFAULT_ICT_QUALITY) -> int:
    """Bytes of ``compress(dn8, mode, quality)``, measured by actually encoding (no overhead added)."""
    return len(compress(dn8, mode, quality))
