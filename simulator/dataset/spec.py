"""A dataset spec (TOML) and the items it expands to.

A spec names one or more base scenarios, how many products to make, what every product shares
(``[overrides]``) and what varies between them (``[vary]``), either as a grid (every combination of the
listed values) or as seeded random draws::

    [dataset]
    name = "jitter-tdi"
    seed = 2026                 # every item's draws and its scenario seed come from this and its index
    count = 24                  # random mode; grid mode makes one item per combination (count must match or be absent)
    mode = "random"             # or "grid"
    base = ["default", "pj10"]  # scenario names or TOML paths (relative to the spec); item i uses base[i % n]
    truth = "minimal"           # none | minimal | full (simulator.products.truth.TruthStorage)

    [overrides]                 # scenario tables applied to every item
    imaging = { frames = 2, filters = ["BLUE", "GREEN", "RED"] }

    [vary]                      # "table.key" (or "table.key.sub") -> a list or one distribution
    "errors.start_time_jitter_ms" = { normal = [0.0, 5.0] }
    "imaging.tdi" = [1, 2, 3]
    "imaging.compression" = ["LOSSLESS", "INTEGER COSINE TRANSFORM"]
    "errors.attitude_offset_mrad" = { normal = [0.0, 0.5], size = 3 }
    "imaging.start_offset_s" = { uniform = [-600.0, 600.0] }   # image time along the pass

Distributions: ``{choice = [...]}`` (a list is the same), ``{uniform = [lo, hi]}``, ``{normal = [mean, sigma]}``,
``{integers = [lo, hi]}`` (both ends included), each with an optional ``size`` (a list of that many draws) and
``round`` (decimals). In grid mode only lists (or ``choice``) may be given. ``seed`` in ``[vary]`` sets the
scenario seed itself; otherwise item ``i``'s scenario seed is drawn from the spec seed and ``i``.
``imaging.start_offset_s`` moves the base scenario's image start by that many seconds (UTC arithmetic without
leap seconds; the start is put on a spacecraft-clock tick when rendered).

Every random value of item ``i`` comes from its own generator ``child_generator(spec_seed, "dataset:<key>", i)``
(:mod:`simulator.random`): an item can be regenerated alone, and adding a varied key never changes another's
draws.
"""

from __future__ import annotations

import copy
import datetime as _dt
import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import ScenarioError
from simulator.random import child_generator, child_seed_sequence

MODES = ("random", "grid")
DISTRIBUTIONS = ("choice", "uniform", "normal", "integers")
START_OFFSET_KEY = "imaging.start_offset_s"
_DATASET_KEYS = {"name", "seed", "count", "mode", "base", "truth", "description"}
_TOP_TABLES = {"dataset", "overrides", "vary", "export"}


class DatasetSpecError(ScenarioError):
    """A dataset spec is malformed (the message names the key and what was expected)."""


@dataclass(frozen=True)
class Item:
    """One product of a dataset.

    Attributes
    ----------
    index : 0-based position in the dataset (the product's image number is ``index + 1``).
    seed : the scenario seed of this item.
    base : the base scenario (name or resolved TOML path).
    values : every varied key -> its value for this item (the manifest's parameter columns).
    tables : the scenario tables to apply (overrides merged with the varied values), ``seed`` included.
    """

    index: int
    seed: int
    base: str
    values: dict
    tables: dict = field(repr=False)


@dataclass(frozen=True)
class DatasetSpec:
    """A parsed spec. ``items()`` expands it; ``text`` is the spec as read (kept beside the dataset)."""

    name: str
    seed: int
    mode: str
    count: int
    base: tuple[str, ...]
    truth: str
    overrides: dict
    vary: dict
    export: dict | None
    text: str

    def items(self) -> list[Item]:
        """Every item, in index order (pure: the same spec always gives the same items)."""
        keys = sorted(self.vary)
        if self.mode == "grid":
            axes = [("__base__", list(self.base))] + [(k, _grid_values(k, self.vary[k])) for k in keys]
            combos = list(itertools.product(*(values for _, values in axes)))
            return [self._item(i, combo[0], dict(zip(keys, combo[1:]))) for i, combo in enumerate(combos)]
        return [self._item(i, self.base[i % len(self.base)],
                           {k: _draw(k, self.vary[k], child_generator(self.seed, f"dataset:{k}", i)) for k in keys})
                for i in range(self.count)]

    def _item(self, index: int, base: str, values: dict) -> Item:
        seed = values.get("seed")
        if seed is None:
            seed = int(child_seed_sequence(self.seed, "dataset:item-seed", index).generate_state(1)[0])
        tables = copy.deepcopy(self.overrides)
        for key, value in values.items():
            if key in ("seed", START_OFFSET_KEY):
                continue
            _set_path(tables, key.split("."), value)
        tables["seed"] = int(seed)
        return Item(index=index, seed=int(seed), base=base, values=values, tables=tables)


def apply_item(item: Item):
    """The item's scenario: its base with the overrides and varied values applied (validated)."""
    from simulator.scenario import load_scenario

    scenario = load_scenario(item.base)
    data = scenario.to_dict()
    tables = {k: (_merge(dict(data.get(k) or {}), v) if isinstance(v, dict) else v) for k, v in item.tables.items()}
    offset = item.values.get(START_OFFSET_KEY)
    if offset is not None:
        imaging = dict(tables.get("imaging", {}))
        start = imaging.get("start_utc") or data["imaging"]["start_utc"] or data["orbit"]["perijove_utc"]
        imaging["start_utc"] = shift_utc(str(start), float(offset))
        tables["imaging"] = imaging
    return scenario.replace(**tables)


def shift_utc(utc: str, seconds: float) -> str:
    """``utc`` (ISO, ``YYYY-MM-DDThh:mm:ss[.fff]``) moved by ``seconds``, to the millisecond (no leap seconds)."""
    try:
        t = _dt.datetime.fromisoformat(utc.rstrip("Z"))
    except ValueError:
        raise DatasetSpecError(f"start time {utc!r} is not an ISO UTC time; expected YYYY-MM-DDThh:mm:ss") from None
    moved = t + _dt.timedelta(milliseconds=round(seconds * 1000.0))
    return moved.isoformat(timespec="milliseconds")


def load_spec(path: str | Path) -> DatasetSpec:
    """Read and check a dataset spec; one :class:`DatasetSpecError` naming the first bad key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetSpecError(f"dataset spec {str(path)!r} does not exist") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DatasetSpecError(f"dataset spec {str(path)!r} is not valid TOML ({exc})") from None
    return parse_spec(raw, text=text, folder=path.parent)


def parse_spec(raw: dict, *, text: str = "", folder: Path | None = None) -> DatasetSpec:
    """Check a spec given as a dict (what :func:`load_spec` read)."""
    from simulator.products.truth import TRUTH_LEVELS

    unknown = sorted(set(raw) - _TOP_TABLES)
    if unknown:
        raise DatasetSpecError(f"dataset spec table {unknown[0]!r} is unknown; expected {', '.join(sorted(_TOP_TABLES))}")
    ds = _table(raw, "dataset")
    bad = sorted(set(ds) - _DATASET_KEYS)
    if bad:
        raise DatasetSpecError(f"dataset.{bad[0]} is unknown; expected one of {', '.join(sorted(_DATASET_KEYS))}")
    seed = ds.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DatasetSpecError(f"dataset.seed = {seed!r} must be a non-negative integer")
    mode = ds.get("mode", "random")
    if mode not in MODES:
        raise DatasetSpecError(f"dataset.mode = {mode!r} must be one of {', '.join(MODES)}")
    base = ds.get("base", ["default"])
    base = [base] if isinstance(base, str) else base
    if not isinstance(base, list) or not base or not all(isinstance(b, str) and b for b in base):
        raise DatasetSpecError(f"dataset.base = {base!r} must be a scenario name or path, or a non-empty list of them")
    base = tuple(_resolve_base(b, folder) for b in base)
    truth = ds.get("truth", "minimal")
    if truth not in TRUTH_LEVELS:
        raise DatasetSpecError(f"dataset.truth = {truth!r} must be one of {', '.join(TRUTH_LEVELS)}")
    overrides = _table(raw, "overrides")
    vary = _table(raw, "vary")
    for key, rule in vary.items():
        _check_rule(key, rule, mode)
    count = ds.get("count")
    if mode == "grid":
        combos = len(base)
        for key in vary:
            combos *= len(_grid_values(key, vary[key]))
        if count is not None and count != combos:
            raise DatasetSpecError(f"dataset.count = {count!r} but the grid has {combos} combinations; "
                                   "remove count or make it match")
        count = combos
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 99999:
        raise DatasetSpecError(f"dataset.count = {count!r} must be an integer in 1..99999 (the PRODUCT_ID's "
                               "five-digit image number)")
    export = raw.get("export")
    if export is not None and not isinstance(export, dict):
        raise DatasetSpecError(f"[export] = {export!r} must be a table")
    if export is not None:
        from simulator.dataset.export import export_options

        export_options(export, truth)      # before any work (run_dataset checks again with --truth)
    spec = DatasetSpec(name=str(ds.get("name", "dataset")), seed=seed, mode=mode, count=count, base=base,
                       truth=truth, overrides=overrides, vary=vary, export=export, text=text)
    # Fail before any work: every item's scenario must load (values out of range, unknown keys...).
    summing = {}
    for item in spec.items():
        try:
            summing.setdefault(int(apply_item(item).imaging.summing), item.index)
        except ScenarioError as exc:
            raise DatasetSpecError(f"item {item.index} of the dataset spec: {exc}") from None
    if export is not None and len(summing) > 1:
        raise DatasetSpecError(f"items {summing[1]} and {summing[2]} have pixel summing 1 and 2, but the ML export "
                               "stacks crops one framelet tall (128 or 64 lines); export datasets of one summing")
    return spec


# ----------------------------------------------------------------------------------------------- helpers
def _table(raw: dict, name: str) -> dict:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise DatasetSpecError(f"[{name}] = {value!r} must be a table")
    return value


def _resolve_base(name: str, folder: Path | None) -> str:
    if name.endswith(".toml") and folder is not None and not Path(name).is_absolute():
        return str((folder / name).resolve())
    return name


def _check_rule(key: str, rule: Any, mode: str) -> None:
    parts = key.split(".")
    if key != "seed" and (len(parts) < 2 or not all(parts)):
        raise DatasetSpecError(f"vary key {key!r} must be 'seed' or 'table.key' (e.g. 'imaging.tdi')")
    if isinstance(rule, list):
        if not rule:
            raise DatasetSpecError(f"vary.{key} is an empty list; expected at least one value")
        return
    if not isinstance(rule, dict):
        raise DatasetSpecError(f"vary.{key} = {rule!r} must be a list of values or a distribution table")
    kinds = [k for k in rule if k in DISTRIBUTIONS]
    extra = sorted(set(rule) - set(DISTRIBUTIONS) - {"size", "round"})
    if len(kinds) != 1 or extra:
        raise DatasetSpecError(f"vary.{key} = {rule!r} must hold exactly one of {', '.join(DISTRIBUTIONS)} "
                               "(plus optional size and round)")
    kind = kinds[0]
    if mode == "grid" and kind != "choice":
        raise DatasetSpecError(f"vary.{key} draws from {kind!r}, but dataset.mode is 'grid'; give a list of values")
    args = rule[kind]
    if kind == "choice":
        if not isinstance(args, list) or not args:
            raise DatasetSpecError(f"vary.{key}.choice = {args!r} must be a non-empty list")
    elif not (isinstance(args, list) and len(args) == 2
              and all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args)):
        raise DatasetSpecError(f"vary.{key}.{kind} = {args!r} must be two numbers")
    elif kind in ("uniform", "integers") and args[0] > args[1]:
        raise DatasetSpecError(f"vary.{key}.{kind} = {args!r}: the lower end is above the upper")
    elif kind == "normal" and args[1] < 0:
        raise DatasetSpecError(f"vary.{key}.normal = {args!r}: sigma must be >= 0")
    size = rule.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise DatasetSpecError(f"vary.{key}.size = {size!r} must be a positive integer")


def _grid_values(key: str, rule: Any) -> list:
    return list(rule) if isinstance(rule, list) else list(rule["choice"])


def _draw(key: str, rule: Any, rng) -> Any:
    """One value of ``rule`` drawn with ``rng`` (plain Python types, so it goes into TOML/JSON/Parquet)."""
    if isinstance(rule, list):
        rule = {"choice": rule}
    size = rule.get("size")
    n = 1 if size is None else int(size)
    kind = next(k for k in DISTRIBUTIONS if k in rule)
    args = rule[kind]
    if kind == "choice":
        values = [args[int(i)] for i in rng.integers(0, len(args), size=n)]
    elif kind == "uniform":
        values = [float(v) for v in rng.uniform(args[0], args[1], size=n)]
    elif kind == "normal":
        values = [float(v) for v in rng.normal(args[0], args[1], size=n)]
    else:
        values = [int(v) for v in rng.integers(int(args[0]), int(args[1]), size=n, endpoint=True)]
    if "round" in rule:
        values = [round(v, int(rule["round"])) if isinstance(v, float) else v for v in values]
    return values[0] if size is None else values


def _set_path(tables: dict, parts: list[str], value: Any) -> None:
    node = tables
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise DatasetSpecError(f"vary key {'.'.join(parts)!r} goes inside {part!r}, which is not a table")
    node[parts[-1]] = value


def _merge(base: dict, extra: dict) -> dict:
    """``base`` updated with ``extra``, nested tables merged key by key (not replaced)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
