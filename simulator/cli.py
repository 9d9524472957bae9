"""The thin command-line front end ``junocam-sim``.

Each sub-command lives in ``simulator/commands/<name>.py`` and exposes ``register(subparsers)``, which adds
its parser and sets ``func`` (a callable taking the parsed arguments and returning an exit code). This
module only builds the parser, dispatches, and turns user-facing errors into one line on stderr with a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from simulator import __version__

# One module per sub-command, in the order `junocam-sim --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "instrument",
    "scenarios",
    "scenario",
    "kernels",
    "scene",
    "budget",
    "plan",
    "render",
    "demo",
    "colour",
    "compare",
    "inspect",
    "validate",
    "score",
)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="junocam-sim",
        description="Simulate NASA Juno's JunoCam: raw framelets of Jupiter with per-pixel ground truth.",
    )
    parser.add_argument("--version", action="version", version=f"junocam-sim {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"simulator.commands.{name}")
        module.register(subparsers)
    return parser


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

    parser = build_parser()
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
