"""Derive the compact Juno SCLK model in ``simulator/kernelset/data/juno_sclk_model.csv`` (run by hand).

Input: NAIF's public Juno clock kernel ``jno_sclkscet_00090.tsc`` (PDS data set JNO-J/E/SS-SPICE-6-V1.0,
naif.jpl.nasa.gov/pub/naif/JUNO/kernels/sclk/; a copy for comparison is in ``../shared/reference/kernels``)
and two public JunoCam products' (SPACECRAFT_CLOCK_START_COUNT, START_TIME) pairs that lie after that
kernel's last correlation record (2019-07):

* JNCE_2020154_27C00047_V01 (mission site, ../shared/reference/products): 644368345:244 = 2020-06-02T11:07:00.793
* the PJ32 product quoted in issue #14: 667204540:183 = 2021-02-21T18:29:46.903

Method: the flight kernel maps encoded ticks to TDT piecewise linearly through its coefficient records
(continuous); records are dropped greedily while the chord from the last kept record to the next candidate
stays within ``TOLERANCE_S`` of every dropped record (the error of a chord is largest at a vertex). The
partition table is kept as it is (it is the clock's reset history). The product pairs become records after
the last one: START_TIME is the UTC of its count to the millisecond, so each pair fixes TDT to 0.5 ms.

Usage: python docs/sclk_model_fit.py ../shared/reference/kernels/jno_sclkscet_00090.tsc > simulator/kernelset/data/juno_sclk_model.csv
"""

from __future__ import annotations

import re
import sys

import spiceypy

TOLERANCE_S = 2.0e-4          # 0.2 ms: well under half a tick (1.95 ms), so counts agree to the tick
PRODUCT_PAIRS = (("644368345:244", "2020-06-02T11:07:00.793", "JNCE_2020154_27C00047_V01"),
                 ("667204540:183", "2021-02-21T18:29:46.903", "PJ32 product quoted in issue #14"))


def _values(text: str, name: str) -> list[float]:
    block = re.search(name + r"\s*=\s*\(([^)]*)\)", text).group(1)
    return [float(v) for v in block.replace("D", "E").split()]


def main(path: str) -> None:
    text = open(path).read().split("Kernel DATA for ``High Precision''")[0]
    starts, ends = _values(text, "SCLK_PARTITION_START_61"), _values(text, "SCLK_PARTITION_END_61")
    coeffs = _values(text, "SCLK01_COEFFICIENTS_61")
    rows = [tuple(coeffs[i:i + 3]) for i in range(0, len(coeffs), 3)]
    kept = [rows[0]]
    i = 0
    while i < len(rows) - 1:
        j = i + 1
        while j + 1 < len(rows):
            t0, p0, _ = rows[i]
            t1, p1, _ = rows[j + 1]
            rate = (p1 - p0) / ((t1 - t0) / 256.0)
            if max(abs(p0 + rate * (rows[k][0] - t0) / 256.0 - rows[k][1]) for k in range(i + 1, j + 1)) > TOLERANCE_S:
                break
            j += 1
        kept.append(rows[j])
        i = j
    # rates of the kept records: chords to the next kept record (the last keeps its own rate)
    spiceypy.furnsh(path)
    spiceypy.furnsh(str(__import__("pathlib").Path(path).with_name("naif0012.tls")))
    extra = []
    for count, utc, _source in PRODUCT_PAIRS:
        ticks = spiceypy.scencd(-61, count)
        tdt = spiceypy.unitim(spiceypy.str2et(utc), "TDB", "TDT")
        extra.append((ticks, tdt))
    out = []
    points = [(t, p) for t, p, _ in kept] + extra
    for k, (t, p) in enumerate(points):
        if k + 1 < len(points):
            rate = (points[k + 1][1] - p) / ((points[k + 1][0] - t) / 256.0)
        else:
            rate = kept[-1][2]
        out.append((t, p, rate))
    out[-1] = (out[-1][0], out[-1][1], out[-2][2])    # after the last pair: the rate between the two pairs
    print("# Juno SCLK (ID -61) model for junocam-sim: derived by docs/sclk_model_fit.py from NAIF's public")
    print("# jno_sclkscet_00090.tsc (PDS JNO-J/E/SS-SPICE-6-V1.0; partitions as there, coefficient records thinned")
    print(f"# to {TOLERANCE_S * 1e3:.1f} ms) and, after 2019-07, two public products' count/START_TIME pairs:")
    for count, utc, source in PRODUCT_PAIRS:
        print(f"#   {count} = {utc} UTC ({source})")
    print("# kind,value1,value2,value3  (partition: start_ticks,end_ticks; record: encoded_ticks,tdt_s,rate)")
    for a, b in zip(starts, ends):
        print(f"partition,{a:.13E},{b:.13E},")
    for t, p, r in out:
        print(f"record,{t:.13E},{p:.13E},{r:.14E}")


if __name__ == "__main__":
    main(sys.argv[1])
