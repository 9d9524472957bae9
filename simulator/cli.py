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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except KeyboardInterrupt:
        print("junocam-sim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _user_error_types() as exc:
        print(f"junocam-sim: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"junocam-sim: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
