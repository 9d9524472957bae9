"""``junocam-sim instrument``: summarise the JunoCam model, write its IK, or report from kernels."""

from __future__ import annotations

import argparse

from instrument_models.junocam import FILTERS, JunoCam
from instrument_models.junocam.report import instrument_report


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "instrument", help="summary of the JunoCam model (FOV, strips, distortion, timing, companding)",
        description="Print the JunoCam model: FOV, IFOV, strip geometry, distortion at the edges, the kernel's "
                    "undistortion shortfall, TDI and spin timing, companding steps, detector assumptions. "
                    "--write-ik writes an instrument kernel from the model; --kernels reads the model from "
                    "kernels (the flight IK plus the ISIS addendum, or one written by --write-ik).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--kernels", nargs="+", metavar="IK", help="read parameters from these text kernels")
    parser.add_argument("--write-ik", metavar="PATH", help="write the model's instrument kernel to PATH")
    parser.add_argument("--filter", dest="filters", action="append", metavar="NAME",
                        help=f"detail only these filters (repeatable; one of {', '.join(FILTERS)})")
    parser.add_argument("--tdi", type=int, default=1, help="TDI stages for the exposure line (1..100)")
    parser.add_argument("--summing", type=int, default=1, help="pixel summing for the framelet shape (1 or 2)")
    parser.add_argument("--spin-rpm", type=float, default=2.0, help="spin rate for image motion and frame advance")
    parser.add_argument("--interframe-delay", type=float, default=0.370,
                        help="INTERFRAME_DELAY in s for the frame advance (facts.md: ~0.37-0.40 s)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing file at --write-ik PATH")
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.write_ik:
        from simulator.outputs import prepare_output

        prepare_output(args.write_ik, overwrite=args.overwrite, kind="file")   # refuse before any work
    if args.kernels:
        cam = JunoCam.from_kernels(args.kernels)
        source = "kernels " + ", ".join(args.kernels)
    else:
        cam = JunoCam.default()
        source = "built-in flight values (juno_junocam_v03.ti + junoAddendum005.ti)"
    text = instrument_report(cam, source=source, filters=args.filters or FILTERS, tdi_stages=args.tdi,
                             summing=args.summing, spin_rpm=args.spin_rpm,
                             interframe_delay_s=args.interframe_delay)
    if args.write_ik:
        path = cam.write_ik(args.write_ik)
        text += f"\nwrote instrument kernel {path}\n"
    print(text, end="")
    return 0
