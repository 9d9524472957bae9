"""numba's on-disk cache of the renderer's compiled geometry follows edits in any module of the family.

The loops of ``simulator/render/compiled.py`` and ``compiled_window.py`` inline per-ray functions from
``compiled_ray.py`` and ``compiled_trig.py``; numba's cache alone tracks only a function's own file (a loop would
keep running the old inlined code after an edit of a sibling). ``compiled_jit`` keys every cached function of the
family also on a digest of all the family's sources.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.render import compiled, compiled_jit, compiled_ray, compiled_trig, compiled_window

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE or compiled_jit._FamilyCache is None,
                                reason="numba not installed or JIT disabled: nothing is cached")

FAMILY = (compiled, compiled_jit, compiled_trig, compiled_ray, compiled_window)


def _dispatchers(module):
    import numba.core.registry

    return {name: obj for name, obj in vars(module).items()
            if isinstance(obj, numba.core.registry.CPUDispatcher) and inspect.getmodule(obj.py_func) is module}


def test_every_cached_function_of_the_family_keys_on_all_the_family_sources():
    here = Path(compiled_jit.__file__).resolve().parent
    assert sorted(compiled_jit.FAMILY_SOURCES) == sorted(Path(m.__file__).name for m in FAMILY), \
        "FAMILY_SOURCES does not list exactly the compiled*.py modules"
    digest = hashlib.sha256(b"".join((here / name).read_bytes() for name in compiled_jit.FAMILY_SOURCES)).hexdigest()
    assert compiled_jit.FAMILY_DIGEST == digest, "the family digest is not that of the current sources"
    count = 0
    for module in FAMILY:
        for name, dispatcher in _dispatchers(module).items():
            assert isinstance(dispatcher._cache, compiled_jit._FamilyCache), \
                f"{module.__name__}.{name} is cached without the family key (decorate it with compiled_jit's)"
            count += 1
    assert count >= 20, f"only {count} compiled functions found in the family"


_JIT = "from fam.compiled_jit import _jit, _jit_inline\n"
_LOOP = (_JIT + "from fam.compiled_trig import value\n\n\n@_jit\ndef loop(x):\n    return value(x) * 2.0\n")
_RUN = ("from fam.compiled import loop\nloop(1.0)\n"
        "print(loop(1.0), loop.stats.cache_hits.get(loop.signatures[0], 0) > 0)")


def _trig(result: str) -> str:
    return _JIT + f"\n\n@_jit_inline\ndef value(x):\n    return x * {result}\n"


@pytest.mark.slow
def test_editing_an_inlined_function_in_a_sibling_module_recompiles_the_loop(tmp_path):
    """A copy of ``compiled_jit`` in a scratch package: the loop's module is untouched while the inlined
    function's module changes; the next process must run the new code (numba alone would load the old)."""
    fam = tmp_path / "fam"
    fam.mkdir()
    shutil.copy(compiled_jit.__file__, fam / "compiled_jit.py")
    (fam / "__init__.py").write_text("")
    (fam / "compiled.py").write_text(_LOOP)
    for name in ("compiled_ray.py", "compiled_window.py"):
        (fam / name).write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "NUMBA_DISABLE_JIT")}
    env["PYTHONPATH"] = str(tmp_path)

    def run() -> tuple[str, str]:
        out = subprocess.run([sys.executable, "-c", _RUN], env=env, capture_output=True, text=True, check=True)
        return tuple(out.stdout.split())

    (fam / "compiled_trig.py").write_text(_trig("1.5"))
    assert run() == ("3.0", "False"), "first run: compiled, not loaded"
    assert run() == ("3.0", "True"), "second run: the cache should have been loaded"
    (fam / "compiled_trig.py").write_text(_trig("2.5"))
    got = run()
    assert got == ("5.0", "False"), f"after editing the inlined function the loop returned {got[0]} (cache hit: " \
                                     f"{got[1]}); expected 5.0, recompiled"
