"""Complete synthetic SPICE kernel sets written from a scenario (no downloads, no copied flight kernels).

Layout under the output folder, with NAIF's Juno archive file names (``names.py`` says where each
convention comes from) so tools that look kernels up by name or glob find ours::

    lsk/naif0012.tls  pck/pck00010.tpc  fk/juno_v12.tf  ik/juno_junocam_v03.ti
    sclk/jno_sclkscet_00090.tsc  sclk/JNO_SCLKSCET.00090.tsc          (same bytes: archive / server spelling)
    spk/juno_rec_<start>_<stop>_<stop>.bsp  spk/spk_rec_<start>_<stop>_<stop>.bsp   (same bytes)
    spk/de440s.bsp (Sun, planets, Moon)  spk/jup365.bsp (Jupiter about its barycentre, the moons)
    ck/juno_sc_rec_<sunday>_<saturday>_v01.bc   (one per week of the window, as NAIF cuts them)
    juno_sim.tm (metakernel)  README.txt  scenario.toml  .digest

Every file says in its comment area that it is synthetic and which module wrote it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import spiceypy

from simulator.errors import KernelError
from simulator.kernelset import ck, fk, lsk, metakernel, moons, names, pck, readme, sclk, spk
from simulator.kernelset.attitude import SpinModel, spin_model
from simulator.kernelset.orbit import OrbitModel, perijove_state
from simulator.outputs import umask_mode
from simulator.scenario import Scenario, load_scenario, scenario_to_toml
from simulator.spice import KernelPool, spice_errors

KERNELSET_VERSION = "4"   # bump when the writers change so cached sets are rewritten (3: NAIF names; 4: flight-like SCLK)
KERNEL_TABLES = ("orbit", "spin", "geometry")   # the scenario tables kernels depend on
IK_FILE_NAME = "juno_junocam_v03.ti"
DIGEST_FILE = ".digest"

__all__ = ["write_kernel_set", "kernel_set_for", "resolve_kernels", "models_for", "scenario_window_et", "OrbitModel", "SpinModel"]


def kernel_digest(scenario: Scenario) -> str:
    """Hash of everything a kernel set depends on."""
    return f"v{KERNELSET_VERSION}-" + scenario.digest(KERNEL_TABLES)[:32]


def scenario_window_et(scenario: Scenario) -> tuple[float, float, float]:
    """(perijove ET, coverage start ET, coverage stop ET); an LSK must be loaded."""
    with spice_errors(f"orbit.perijove_utc = {scenario.orbit.perijove_utc!r}"):
        et_p = spiceypy.str2et(scenario.orbit.perijove_utc)
    g = scenario.geometry
    return et_p, et_p - g.coverage_before_h * 3600.0, et_p + g.coverage_after_h * 3600.0


def models_for(scenario: Scenario) -> tuple[OrbitModel, SpinModel]:
    """The scenario's trajectory and attitude models; LSK, PCK and planets SPK must be loaded."""
    o, s = scenario.orbit, scenario.spin
    et_p, _, _ = scenario_window_et(scenario)
    with spice_errors("the scenario's orbit and spin axis", et_p):
        xform = spiceypy.pxform("J2000", "IAU_JUPITER", et_p)
        pole = np.asarray(xform)[2]
        sun = np.asarray(spiceypy.spkpos("SUN", et_p, "J2000", "NONE", "JUPITER")[0])
        state = perijove_state(et_p, pole, sun / np.linalg.norm(sun), np.asarray(xform),
                               o.perijove_altitude_km, o.perijove_latitude_deg, o.perijove_local_time_h,
                               o.period_days, o.gm_km3_s2)
        orbit = OrbitModel(perijove_et=et_p, perijove_state=tuple(state), gm_km3_s2=o.gm_km3_s2,
                           pole_j2000=tuple(pole), j2=o.j2_value if o.j2 else 0.0)
        juno = state[:3]
        if s.axis == "earth":
            earth = np.asarray(spiceypy.spkpos("EARTH", et_p, "J2000", "NONE", "JUPITER")[0])
            axis = earth - juno
        elif s.axis == "sun":
            axis = sun - juno
        else:
            axis = spiceypy.radrec(1.0, np.radians(s.axis_ra_deg), np.radians(s.axis_dec_deg))
    spin = spin_model(et_p, s.rate_rpm, np.asarray(axis), -juno / np.linalg.norm(juno), s.phase_deg,
                      s.nutation_amplitude_deg, s.nutation_period_s)
    return orbit, spin


def _write_ik(path: Path) -> None:
    try:
        from instrument_models.junocam import JunoCam
    except ImportError as exc:
        raise KernelError(f"the JunoCam instrument model is not available to write the IK ({exc})") from None
    JunoCam.default().write_ik(path)
    head, _, rest = path.read_text().partition("\n")        # "KPL/IK" first, then say what the file is
    path.write_text(f"{head}\n\n{SYNTHETIC_TEXT_NOTE}\n{rest}")


SYNTHETIC_TEXT_NOTE = ("SYNTHETIC KERNEL -- NOT FLIGHT DATA: written by junocam-sim from its camera model; named as "
                       "NAIF's Juno archive names its file so tools find it.")


def write_kernel_set(scenario: Scenario | str | Path, out_dir: str | Path) -> Path:
    """Write a complete kernel set for ``scenario`` into ``out_dir`` and return the metakernel path.

    The folder is written beside ``out_dir`` and renamed into place; an existing ``out_dir`` is replaced.
    """
    scenario = load_scenario(scenario)
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    os.chmod(tmp, umask_mode(True))   # mkdtemp makes it 0700; a kernel set is not private
    try:
        _write_into(scenario, tmp)
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir / metakernel.FILE_NAME


def write_kernel_files(scenario: Scenario | str | Path, root: str | Path) -> Path:
    """Write the kernel set of ``scenario`` into the existing, empty folder ``root``; return the metakernel.

    For callers that manage the folder themselves (``junocam-sim kernels`` writes into a partial folder of
    ``simulator.outputs.atomic_dir``).
    """
    _write_into(load_scenario(scenario), Path(root))
    return Path(root) / metakernel.FILE_NAME


def _write_into(scenario: Scenario, root: Path) -> None:
    for sub in ("lsk", "pck", "fk", "ik", "sclk", "spk", "ck"):
        (root / sub).mkdir()
    files = [lsk.write_lsk(root / "lsk" / lsk.FILE_NAME), pck.write_pck(root / "pck" / pck.FILE_NAME),
             fk.write_fk(root / "fk" / fk.FILE_NAME)]
    _write_ik(root / "ik" / IK_FILE_NAME)
    files += [root / "ik" / IK_FILE_NAME, sclk.write_sclk(root / "sclk" / sclk.FILE_NAME)]
    shutil.copyfile(files[-1], root / "sclk" / names.sclk_upper_case_name(sclk.FILE_NAME))
    name = scenario.name
    with KernelPool(files[:2] + files[4:]):
        et_p, et0, et1 = scenario_window_et(scenario)
        with spice_errors("the planets SPK"):
            planets = spk.write_planets_spk(root / "spk" / names.PLANETS_SPK, et0, et1, name)
            satellites = moons.write_moons_spk(root / "spk" / names.SATELLITES_SPK, et0, et1, name)
        with KernelPool(files[:2] + files[4:] + [planets, satellites]):
            orbit, spin = models_for(scenario)
            with spice_errors("the Juno SPK and CK"):
                archive_name, server_name = names.spk_names(et0, et1)
                juno = spk.write_juno_spk(root / "spk" / archive_name, orbit, et0, et1, name)
                shutil.copyfile(juno, root / "spk" / server_name)
                attitude = [ck.write_ck(root / "ck" / piece.name, spin, piece.et_start, piece.et_stop, name)
                            for piece in names.ck_pieces(et0, et1)]
    files += [planets, satellites, juno] + attitude
    rel = [str(f.relative_to(root)) for f in files]
    comment = (f"Synthetic Juno kernel set written by junocam-sim for scenario {scenario.name!r} "
               f"({scenario.description}). Not flight data: the files carry NAIF's Juno archive names only "
               f"so tools find them (see README.txt).")
    metakernel.write_metakernel(root / metakernel.FILE_NAME, rel, comment)
    readme.write_readme(root / names.README, scenario, sorted(p.relative_to(root) for p in root.rglob("*")
                                                                if p.is_file()))
    (root / "scenario.toml").write_text(scenario_to_toml(scenario))
    (root / DIGEST_FILE).write_text(kernel_digest(scenario) + "\n")


def default_cache_dir() -> Path:
    """``$JUNOCAM_SIM_CACHE`` or ``~/.cache/junocam-sim``."""
    env = os.environ.get("JUNOCAM_SIM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "junocam-sim"


def kernel_set_for(scenario: Scenario | str | Path, cache_dir: str | Path | None = None) -> Path:
    """The metakernel of ``scenario``'s kernel set in ``cache_dir``, written only when not already there."""
    scenario = load_scenario(scenario)
    digest = kernel_digest(scenario)
    folder = Path(cache_dir or default_cache_dir()) / "kernels" / digest
    mk = folder / metakernel.FILE_NAME
    marker = folder / DIGEST_FILE
    if mk.is_file() and marker.is_file() and marker.read_text().strip() == digest:
        return mk
    return write_kernel_set(scenario, folder)


def check_kernel_file(path: Path, shown: str) -> None:
    """Raise ``KernelError`` unless ``path`` is, by its content, a SPICE kernel: a binary DAF/DAS file, or
    text with a ``\\begindata`` section (a metakernel or any text kernel)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError as exc:
        raise KernelError(f"{shown} cannot be read ({exc.strerror})") from None
    if head[:4] in (b"DAF/", b"DAS/", b"NAIF"):
        return
    if b"\x00" in head:
        raise KernelError(f"{shown} is neither a SPICE text kernel nor a binary (DAF/DAS) kernel: it holds "
                          "binary bytes; expected a metakernel (.tm)")
    if "\\begindata" not in head.decode("latin-1"):
        raise KernelError(f"{shown} is not a SPICE kernel: it has no \\begindata section; expected a metakernel "
                          "(.tm) listing KERNELS_TO_LOAD")


def resolve_kernels(scenario: Scenario | str | Path, kernels_arg: str | Path | None,
                    cache_dir: str | Path | None = None) -> Path:
    """The metakernel a command should load: the user's ``--kernels`` file, else the scenario's synthetic set.

    Parameters
    ----------
    scenario : the scenario (object, built-in name or TOML path).
    kernels_arg : the value of ``--kernels`` (a metakernel or any single kernel file), or ``None``.
    cache_dir : where synthetic sets are cached (default :func:`default_cache_dir`).
    """
    if kernels_arg:
        path = Path(kernels_arg).expanduser().resolve()
        if not path.is_file():
            raise KernelError(f"--kernels {str(kernels_arg)!r} is not a file; expected a SPICE metakernel (.tm)")
        check_kernel_file(path, f"--kernels {str(kernels_arg)!r}")
        return path
    return kernel_set_for(scenario, cache_dir)
