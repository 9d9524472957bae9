"""calibration/'s cache (issue #16): files copied from earlier renders are the bytes astropy writes, and a
cache entry is trusted only when it is whole and made of the same inputs.

The frames are small random stand-ins (one GREEN strip in the B/G/R stack): what is tested is the cache's
bookkeeping, not the camera.
"""

from __future__ import annotations

import numpy as np
import pytest

from instrument_models.junocam import calibration_files as cf
from simulator.products import calibration_out
from simulator.products.calibration_out import CalibrationCollector

FILES = ("flat.fits", "dark.fits", "mask.fits")


def _collector(seed: int = 5) -> CalibrationCollector:
    rng = np.random.default_rng(seed)
    collector = CalibrationCollector()
    collector.add("GREEN", {"FLAT": rng.uniform(0.9, 1.1, (cf.LINES, cf.SAMPLES)).astype(np.float32),
                            "DARK": np.round(rng.uniform(0, 40, (cf.LINES, cf.SAMPLES)) * 64).astype(np.float32) / 64,
                            "DEFECT": (rng.uniform(size=(cf.LINES, cf.SAMPLES)) < 0.01).astype(np.uint8)})
    return collector


def _bytes(folder) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def _entries(cache) -> list:
    return sorted(p for p in cache.iterdir() if p.suffix == ".fits")


def _no_encoding(monkeypatch) -> list:
    """Count astropy encodings (calls of calibration_out._write_fits) from here on."""
    calls = []
    original = calibration_out._write_fits
    monkeypatch.setattr(calibration_out, "_write_fits", lambda *a: (calls.append(a[0].name), original(*a)))
    return calls


def test_a_cached_write_is_the_encoded_files_byte_for_byte(tmp_path, monkeypatch):
    collector = _collector()
    collector.write(tmp_path / "plain", 1)                        # no cache: astropy, as before
    cache = tmp_path / "cache"
    collector.write(tmp_path / "first", 1, cache)                 # a miss: encoded, kept in the cache
    assert len(_entries(cache)) == 3, f"expected one entry per file, found {_entries(cache)}"
    calls = _no_encoding(monkeypatch)
    collector.write(tmp_path / "second", 1, cache)                # a hit: copied
    assert calls == [], f"a warm cache still encoded {calls}"
    plain = _bytes(tmp_path / "plain")
    for run in ("first", "second"):
        got = _bytes(tmp_path / run)
        differ = [name for name in FILES if got[name] != plain[name]]
        assert not differ, f"{run} write: {differ} differ from the uncached files"
    assert not [p for p in (tmp_path / "second").iterdir() if p.name not in FILES], "temporary files left behind"


@pytest.mark.parametrize("damage", ["flip a byte", "truncate"])
def test_a_corrupt_entry_is_encoded_again_and_repaired(tmp_path, monkeypatch, damage):
    collector, cache = _collector(), tmp_path / "cache"
    collector.write(tmp_path / "plain", 1)
    collector.write(tmp_path / "warm", 1, cache)
    entry = max(_entries(cache), key=lambda p: p.stat().st_size)   # flat.fits's entry
    raw = entry.read_bytes()
    broken = {"flip a byte": raw[:-100] + bytes([raw[-100] ^ 1]) + raw[-99:], "truncate": raw[:len(raw) // 2]}[damage]
    entry.write_bytes(broken)
    calls = _no_encoding(monkeypatch)
    collector.write(tmp_path / "again", 1, cache)
    assert calls == ["flat.fits"], f"expected only the damaged flat.fits encoded again, got {calls}"
    assert _bytes(tmp_path / "again") == _bytes(tmp_path / "plain"), "a damaged entry's bytes reached the product"
    assert entry.read_bytes() == raw, "the damaged entry was not written again whole"


def test_the_key_changes_with_every_input():
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    header = {"FILTERS": "GREEN", "SUMMING": 1}
    key = calibration_out.cache_key("dark.fits", data, header)
    one_more = data.copy()
    one_more[2, 3] = np.nextafter(one_more[2, 3], np.float32(99))
    others = {"a pixel one ulp off": calibration_out.cache_key("dark.fits", one_more, header),
              "another dtype": calibration_out.cache_key("dark.fits", data.astype(np.float64), header),
              "another shape": calibration_out.cache_key("dark.fits", data.reshape(4, 3), header),
              "another header value": calibration_out.cache_key("dark.fits", data, {**header, "SUMMING": 2}),
              "another file": calibration_out.cache_key("flat.fits", data, header)}
    same = [what for what, k in others.items() if k == key]
    assert not same, f"the cache key ignores: {same}"
    assert calibration_out.cache_key("dark.fits", data.copy(), dict(header)) == key, "equal inputs, other key"


def test_an_entry_is_written_atomically_and_a_failing_cache_costs_only_the_encoding(tmp_path, monkeypatch):
    collector, cache = _collector(), tmp_path / "cache"
    collector.write(tmp_path / "plain", 1)

    from simulator import outputs

    def full_disk(path, mode="w"):   # every entry's partial fills the disk half-way through its bytes
        class Half:
            def __init__(self):
                self.fh = open(path, mode)

            def write(self, data):
                self.fh.write(bytes(data)[:len(data) // 2])
                raise OSError(28, "No space left on device")

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

        return Half()

    monkeypatch.setattr(outputs, "open_new", full_disk)
    collector.write(tmp_path / "failed", 1, cache)
    assert _bytes(tmp_path / "failed") == _bytes(tmp_path / "plain"), "a failing cache changed the product"
    assert list(cache.iterdir()) == [], f"a failed entry write left {list(cache.iterdir())}"
    monkeypatch.undo()
    (tmp_path / "blocked").write_text("a file where the cache folder would be")
    collector.write(tmp_path / "unwritable", 1, tmp_path / "blocked")
    assert _bytes(tmp_path / "unwritable") == _bytes(tmp_path / "plain")


def test_the_cache_keeps_only_its_most_recently_used_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(calibration_out, "CACHE_ENTRIES", 4)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "notes.fits").write_text("not an entry: never removed")
    _collector(1).write(tmp_path / "a", 1, cache)
    first = _entries(cache)
    _collector(2).write(tmp_path / "b", 1, cache)
    kept = [p for p in _entries(cache) if p.name != "notes.fits"]
    assert len(kept) == 4 and (cache / "notes.fits").exists(), f"kept {[p.name for p in _entries(cache)]}"
    assert len(set(first) & set(kept)) <= 1, "the older render's entries should have gone first"
