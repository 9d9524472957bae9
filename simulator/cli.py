"""The thin command-line front end ``junocam-sim``.

Each sub-command lives in ``simulator/commands/<name>.py`` and exposes ``register(subparsers)``, which adds
its parser and sets ``func`` (a callable taking the parsed arguments and returning an exit code). This
module only builds the parser, dispatches, and turns user-facing errors into one line on stderr with a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys

from simulator import __version__

# One module per sub-command, in the order `junocam-sim --help` lists them, with its one-line help. A
# command's module is imported only when that command runs (the modules pull in SPICE, numba, astropy...),
# so `--help` and every command start fast; tests/test_cli.py checks each line equals the module's own help.
COMMANDS: dict[str, str] = {
    "instrument": "summary of the JunoCam model (FOV, strips, distortion, timing, companding)",
    "scenarios": "list the built-in scenarios",
    "scenario": "show a resolved scenario",
    "kernels": "write a synthetic SPICE kernel set for a scenario",
    "scene": "write the scene's truth maps (normal albedo per filter) and quicklooks",
    "budget": "downlink time of a data volume, or measured volume of a product in each compression mode",
    "plan": "plan images of a target during a perijove pass (opportunities, TDI, volume, footprints)",
    "render": "render a raw JunoCam product with its truth",
    "dataset": "render many products from a dataset spec (local processes or a Dask cluster) with a manifest",
    "demo": "render the embedded default image (synthetic kernels, default scenario)",
    "colour": "colour view of a product from its raw framelets (decompand, flat, white balance, projection)",
    "compare": "realism figures of two products or calibration-frame folders side by side",
    "inspect": "check a raw product's PNG against its metadata, summarise it, write a framelet mosaic",
    "validate": "reference reconstruction of a product, scored against its truth",
    "score": "score your reconstruction (a map or per-pixel backplanes) against a product's truth",
}
COMMAND_MODULES: tuple[str, ...] = tuple(COMMANDS)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
# The console script's garbage collector (console_main): a full collection only after 100 younger ones instead
# of 10 (a command builds ~1M long-lived objects while importing numpy, scipy, numba and its own modules, and
# each full collection walks them all: 2-3 of them cost ~0.25 CPU-s of a 26-frame render; the young
# generations still collect short-lived cycles as before).
CONSOLE_GC_THRESHOLDS = (700, 10, 100)


def build_parser(command: str | None = None, *, lazy: bool = False) -> argparse.ArgumentParser:
    """Return the top-level parser.

    Parameters
    ----------
    command : the sub-command about to run: only its module is imported and registered in full when
        ``lazy``; the others get a one-line entry (:data:`COMMANDS`) so ``--help`` still lists them.
    lazy : False registers every command module in full.
    """
    parser = argparse.ArgumentParser(
        prog="junocam-sim",
        description="Simulate NASA Juno's JunoCam: raw framelets of Jupiter with per-pixel ground truth.",
    )
    parser.add_argument("--version", action="version", version=f"junocam-sim {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name, help_line in COMMANDS.items():
        if lazy and name != command:
            subparsers.add_parser(name, help=help_line, add_help=False)
        else:
            importlib.import_module(f"simulator.commands.{name}").register(subparsers)
    return parser


def command_in(argv: list[str]) -> str | None:
    """The sub-command named in ``argv`` (the first word not starting with '-'), or None."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def _user_error_types() -> tuple[type[BaseException], ...]:
    from instrument_models.errors import InstrumentError
    from scenes.errors import SceneError
    from simulator.errors import SimulatorError

    return (InstrumentError, SceneError, SimulatorError)


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``junocam-sim`` console script; returns the process exit code."""
    from simulator.outputs import os_error_sentence
    from simulator.signals import exit_status_of, handle_termination

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_in(argv), lazy=True)
    args = parser.parse_args(argv)
    # SIGTERM/SIGHUP clean up like Ctrl-C (simulator.signals): exit 128 + signal, partial outputs removed.
    with handle_termination():
        try:
            status = args.func(args)
        except KeyboardInterrupt as exc:
            print(f"junocam-sim: interrupted ({exc.args[0] if exc.args else 'SIGINT'}); partial outputs "
                  "were removed", file=sys.stderr)
            return exit_status_of(exc)
        except _user_error_types() as exc:
            print(f"junocam-sim: error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_USER_ERROR
        except OSError as exc:
            print(f"junocam-sim: error: {_one_line(os_error_sentence(exc, args.command))}", file=sys.stderr)
            return EXIT_USER_ERROR
        except MemoryError:
            print(f"junocam-sim: error: {args.command} ran out of memory; ask for a smaller product",
                  file=sys.stderr)
            return EXIT_USER_ERROR
    return int(status or 0)


def console_main() -> None:
    """The ``junocam-sim`` console script and ``python -m simulator.cli``: :func:`main` on the process's
    command line, then exit.

    A whole process runs only this, so it tunes the garbage collector for it: full collections rarer
    (:data:`CONSOLE_GC_THRESHOLDS`), and every object frozen before the interpreter exits, so its final
    collection no longer walks the ~1M objects the imports and the render left (~0.7 CPU-s of every render
    command); their memory goes back to the system with the process as before. Library callers of
    :func:`main` (tests, notebooks) keep the collector's defaults.
    """
    gc.set_threshold(*CONSOLE_GC_THRESHOLDS)
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    console_main()
