"""``junocam-sim scenario show NAME|FILE``: print a scenario resolved (every key, with its default)."""

from __future__ import annotations

import argparse

from simulator.scenario import load_scenario, scenario_to_toml


def register(subparsers) -> None:
    parser = subparsers.add_parser("scenario", help="show a resolved scenario",
                                   description="Work with one scenario.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    show = actions.add_parser("show", help="print the resolved TOML (every key) for editing",
                              description="Print the scenario with every key resolved, as TOML, with one "
                                          "comment per key. Save it, edit it, pass the file to --scenario.")
    show.add_argument("scenario", metavar="NAME|FILE", help="a built-in scenario name or a TOML file")
    show.add_argument("--no-comments", action="store_true", help="omit the per-key documentation comments")
    show.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    print(scenario_to_toml(load_scenario(args.scenario), comments=not args.no_comments), end="")
    return 0
