"""``junocam-sim scenarios``: list the built-in scenarios with one-line descriptions."""

from __future__ import annotations

import argparse

from simulator.scenario import list_scenarios


def register(subparsers) -> None:
    parser = subparsers.add_parser("scenarios", help="list the built-in scenarios",
                                   description="List the built-in scenarios with one-line descriptions.")
    parser.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    items = list_scenarios()
    width = max(len(n) for n in items)
    for name, description in items.items():
        print(f"{name:<{width}}  {description}")
    return 0
