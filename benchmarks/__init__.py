"""Benchmarks: each ``bench_*.py`` has a ``main()`` printing times as ratios to a reference measured in the same run."""
