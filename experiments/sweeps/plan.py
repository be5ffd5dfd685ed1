"""Planning a sweep: from ``experiment=<name>`` and overrides to every run it will execute.

An experiment (``configs/experiment/<name>.yaml``) names its factors the way any Hydra
multirun does, as ``hydra.sweeper.params`` (``regime: baseline,building,...``); values given
on the command line in Hydra's sweep syntax (``funding.exit_year=null,3``) add factors or
replace the experiment's values, and single values fix a key, exactly as Hydra's basic sweeper
combines them (experiment first, command line wins). The planner expands the product of the
factors, resolves and validates every configuration before anything runs (bad input ends
in one line, exit code 2), and crosses the configurations with ``sweep.replicates`` paired
replicates: replicate ``i`` uses seed ``replicate_seeds(seed, replicates)[i]`` in every
configuration (common random numbers). Runs are ordered replicate by replicate, so an
interrupted sweep holds whole replicates, and cut into batches of ``sweep.runs_per_job``
runs (null: see :func:`auto_runs_per_job`): one launcher job executes one batch.

Every run is identified by :func:`sim.results.run_id`, a hash of its resolved parameters
(seed included): the same run in a resumed, extended or differently batched sweep has the
same id, which is what lets a sweep skip runs that are already complete.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import os
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments.config import CONFIG_DIR, CONTROL_KEYS, UsageError, params_from_cfg, register_schema
from experiments.config import _explain_override
from experiments.cli.data import country_params, load_country, resolve_data_dir
from sim.outcomes import OUTCOMES
from sim.params import ConfigError, Params
from sim.store import run_id
from sim.rng import replicate_seeds

__all__ = ["Configuration", "PlannedRun", "SweepPlan", "plan_sweep", "experiment_names", "DEFAULT_ROOT"]

DEFAULT_ROOT = Path("outputs") / "sweeps"
DEFAULT_LAUNCHER = "capsim"  # hydra_plugins/capsim_launcher/capsim_launcher.py: the one runner's workers
# Overrides that change how many runs there are or how they are batched, not what a run is:
# they leave the default sweep directory unchanged, so adding replicates reuses earlier runs.
_SIZE_KEYS = ("sweep.replicates", "sweep.runs_per_job")


@dataclass(frozen=True)
class Configuration:
    """One combination of factor values: its overrides, factor values and resolved parameters."""

    index: int
    overrides: list[str]
    factors: dict
    params: dict  # Params.to_dict() with the base seed


@dataclass(frozen=True)
class PlannedRun:
    """One simulation of the sweep."""

    run_id: str
    configuration: int
    replicate: int
    seed: int
    batch: int


@dataclass
class SweepPlan:
    """Everything a sweep will run, and everything its directory records about it."""

    experiment: str
    sweep_dir: Path
    overrides: list[str]  # the user's overrides (task and hydra), as given
    base_overrides: list[str]  # experiment=..., then every fixed (single-valued) override
    hydra_overrides: list[str]
    factors: list[str]
    factor_values: dict
    factor_kinds: dict  # factor -> "parameter" (column holds the value) or "group" (the option's name)
    configurations: list[Configuration]
    runs: list[PlannedRun]
    replicates: int
    base_seed: int
    runs_per_job: int
    settings: dict  # the resolved `sweep` section
    reference: dict | None
    base_config: dict
    launcher: dict
    notes: list[str] = field(default_factory=list)

    @property
    def n_batches(self) -> int:
        return (len(self.runs) + self.runs_per_job - 1) // self.runs_per_job

    def batch_runs(self, batch: int) -> list[PlannedRun]:
        return [r for r in self.runs if r.batch == batch]

    def run_overrides(self, run: PlannedRun) -> list[str]:
        """Overrides that reproduce one run with ``capsim run``."""
        conf = self.configurations[run.configuration]
        model = [o for o in self.base_overrides if not o.lstrip("+~").startswith("sweep.")]
        return [*model, *conf.overrides, f"seed={run.seed}"]

    def run_params(self, run: PlannedRun) -> Params:
        conf = self.configurations[run.configuration]
        return Params.from_dict({**conf.params, "seed": run.seed})

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("configurations", "runs")}
        d["sweep_dir"] = str(self.sweep_dir)
        d["configurations"] = [asdict(c) for c in self.configurations]
        # Runs as rows of a small table: compact for sweeps of many thousand runs.
        d["run_columns"] = ["run_id", "configuration", "replicate", "seed", "batch"]
        d["runs"] = [[r.run_id, r.configuration, r.replicate, r.seed, r.batch] for r in self.runs]
        return d

    @classmethod
    def from_json(cls, d: dict) -> "SweepPlan":
        d = dict(d)
        cols = d.pop("run_columns")
        runs = [PlannedRun(**dict(zip(cols, row))) for row in d.pop("runs")]
        confs = [Configuration(**c) for c in d.pop("configurations")]
        d["sweep_dir"] = Path(d["sweep_dir"])
        return cls(configurations=confs, runs=runs, **d)


def experiment_names() -> list[str]:
    """The sweep experiments: the files under configs/experiment/ (studies are in configs/study/,
    docking settings in configs/docking/)."""
    return sorted(p.stem for p in (Path(CONFIG_DIR) / "experiment").glob("*.yaml"))


def _is_group(key: str) -> bool:
    """Whether an override key selects a config group (regime=..., crisis=...)."""
    return "/" in key or (Path(CONFIG_DIR) / key.replace(".", "/")).is_dir()


def _lookup(d: dict, dotted: str):
    for part in dotted.split("."):
        d = d[part]
    return d


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _parse(parser: OverridesParser, lines: list[str]) -> list[Override]:
    try:
        return parser.parse_overrides(lines)
    except HydraException as e:
        raise UsageError(_first_line(e)) from None


def _normalise(overrides: list[str]) -> list[str]:
    """``replicates=N`` is short for ``sweep.replicates=N``."""
    out = []
    for o in overrides:
        if o.startswith("replicates="):
            o = "sweep." + o
        out.append(o)
    return out


def _experiment(task: list[Override]) -> str:
    names = experiment_names()
    given = [o for o in task if o.get_key_element() == "experiment"]
    if not given:
        raise UsageError(f"experiment is missing; allowed: experiment=<name> with <name> one of {', '.join(names)}")
    o = given[-1]
    if o.is_sweep_override():
        raise UsageError(f"{o.input_line}: one experiment per sweep; allowed: one of {', '.join(names)}")
    name = o.get_value_element_as_str()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        for group, command in (("study", "capsim calibrate, capsim sensitivity or capsim discover"),
                               ("docking", "capsim dock")):
            if (Path(CONFIG_DIR) / group / f"{name}.yaml").is_file():
                raise UsageError(f"experiment={name} is not a sweep (it is configs/{group}/{name}.yaml, run by "
                                 f"{command}); allowed: {', '.join(names)}")
        raise UsageError(f"experiment={name}: no such experiment{hint}; allowed: {', '.join(names)}")
    return name


def _sweep_dir(experiment: str, task_lines: list[str], hydra_cfg: DictConfig, hydra_lines: list[str]) -> Path:
    if any(h.split("=", 1)[0] == "hydra.sweep.dir" for h in hydra_lines):
        return Path(str(hydra_cfg.sweep.dir)).resolve()
    key = sorted(t for t in task_lines if t.split("=", 1)[0] not in ("experiment", *_SIZE_KEYS))
    name = experiment
    if key:
        name += "-" + hashlib.sha1(json.dumps(key).encode()).hexdigest()[:8]
    return (DEFAULT_ROOT / name).resolve()


def _factor_table(parser: OverridesParser, experiment_params: dict, task: list[Override]) -> "OrderedDict[str, list[str]]":
    """Key -> override lines, combined as Hydra's basic sweeper does (later keys replace)."""
    lines = [f"{k}={v}" for k, v in experiment_params.items()]
    table: OrderedDict[str, list[str]] = OrderedDict()
    for o in _parse(parser, lines) + [t for t in task if t.get_key_element() != "experiment"]:
        key = o.get_key_element()
        if o.is_sweep_override():
            if not o.is_discrete_sweep():
                raise UsageError(f"{o.input_line}: only lists of values can be swept (a,b,c or range(...)); "
                                 "intervals cannot")
            table[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
        else:
            table[key] = [o.input_line]
    for key, vals in table.items():
        if len(vals) < 2:
            continue
        bare = key.lstrip("+~")
        if bare == "seed":
            raise UsageError("seed cannot be swept: replicates give each configuration its seeds; "
                             "allowed: seed=<base seed> with sweep.replicates=<n>")
        if bare.split(".")[0] in CONTROL_KEYS or bare.startswith("hydra"):
            raise UsageError(f"{bare} cannot be swept; allowed: model parameters (see `capsim params`) "
                             "and config groups (regime, scenario, funding, ...)")
        if len(set(vals)) < len(vals):
            raise UsageError(f"{key} lists a value twice ({', '.join(v.split('=', 1)[1] for v in vals)}); "
                             "allowed: distinct values")
    return table


def _check_group_options(table: "OrderedDict[str, list[str]]") -> None:
    for key, vals in table.items():
        bare = key.lstrip("+~")
        if "/" in bare or not _is_group(bare):
            continue
        options = sorted(p.stem for p in (Path(CONFIG_DIR) / bare).glob("*.yaml"))
        for v in vals:
            opt = v.split("=", 1)[1]
            if opt != "null" and opt not in options:
                close = difflib.get_close_matches(opt, options, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise UsageError(f"{bare}={opt}: no such option{hint}; allowed: {', '.join(options)}")


def _positive_int(value, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{key} = {value!r} is not allowed; allowed: a whole number >= 1")
    return int(value)


def _settings(cfg: DictConfig) -> dict:
    s = OmegaConf.to_container(cfg.sweep, resolve=True)
    s["secondary_outcomes"] = list(s.get("secondary_outcomes") or [])
    for name in (s["primary_outcome"], *s["secondary_outcomes"]):
        if name not in OUTCOMES:
            close = difflib.get_close_matches(str(name), list(OUTCOMES), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(f"sweep outcome {name!r} is not a registered outcome{hint}; see sim/outcomes.py")
    try:
        s["window_years"] = float(s["window_years"])
    except (TypeError, ValueError):
        raise UsageError(f"sweep.window_years = {s['window_years']!r} is not a number; allowed: years > 0") from None
    if not s["window_years"] > 0:
        raise UsageError(f"sweep.window_years = {s['window_years']} is out of range; allowed: years > 0")
    return s


def plan_sweep(overrides: list[str]) -> SweepPlan:
    """Resolve and validate every configuration and run of a sweep; nothing is run or written.

    Args:
        overrides: the command line after ``capsim sweep``: ``experiment=<name>``, Hydra
            overrides of model parameters or groups (single values or ``a,b,c`` sweeps),
            ``sweep.*`` settings and ``hydra.*`` / ``hydra/launcher=...`` overrides.

    Raises:
        UsageError: one line naming the first bad override or value and what is allowed.
    """
    overrides = _normalise(list(overrides))
    for o in overrides:
        if "=" not in o and not o.startswith("~"):
            raise UsageError(f"{o!r} is not an override; allowed: key=value (e.g. sweep.replicates=10)")
    hydra_lines = [o for o in overrides if o.lstrip("+~").startswith("hydra")]
    task_lines = [o for o in overrides if o not in hydra_lines]
    if not any(h.split("=", 1)[0] == "hydra/launcher" for h in hydra_lines):
        hydra_lines = [f"hydra/launcher={DEFAULT_LAUNCHER}", *hydra_lines]
    parser = OverridesParser.create()
    task = _parse(parser, task_lines)
    for h in _parse(parser, hydra_lines):
        if h.is_sweep_override():
            raise UsageError(f"{h.input_line}: launcher settings take one value")
    experiment = _experiment(task)

    register_schema()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3", job_name="capsim-sweep"):
            head = _compose([f"experiment={experiment}", *hydra_lines], with_hydra=True)
            exp_params = OmegaConf.to_container(head.hydra.sweeper.params or {}, resolve=True)
            table = _factor_table(parser, exp_params, task)
            _check_group_options(table)
            fixed = [vals[0] for vals in table.values() if len(vals) == 1]
            base_overrides = [f"experiment={experiment}", *fixed]
            factor_keys = [k for k, vals in table.items() if len(vals) > 1]
            base_cfg = _compose(base_overrides)
            if any(k.lstrip("+~").split("=")[0] in ("data", "data.dir") for k in factor_keys):
                raise UsageError("data / data.dir take one value per sweep (one country); allowed: data.dir=<folder>")
            country = load_country(base_cfg)  # the country every run starts from (None: synthetic)
            configurations = _configurations(parser, base_overrides, table, factor_keys, base_cfg, country)
    finally:
        GlobalHydra.instance().clear()

    settings = _settings(base_cfg)
    replicates = _positive_int(settings["replicates"], "sweep.replicates")
    launcher_name = head.hydra.runtime.choices.get("hydra/launcher")
    n_runs = len(configurations) * replicates
    if settings["runs_per_job"] is None:
        runs_per_job = auto_runs_per_job(n_runs, launcher_name, head.hydra.launcher.get("n_jobs"))
    else:
        runs_per_job = _positive_int(settings["runs_per_job"], "sweep.runs_per_job")
    try:
        base = params_from_cfg(base_cfg)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    seeds = replicate_seeds(base.seed, replicates)
    runs, seen = [], {}
    for rep, seed in enumerate(seeds):
        for conf in configurations:
            rid = run_id(Params.from_dict({**conf.params, "seed": seed}), country)
            if rid in seen:
                other = configurations[seen[rid]]
                raise UsageError(f"configurations {' '.join(other.overrides)} and {' '.join(conf.overrides)} "
                                 "resolve to identical parameters; allowed: factor values that differ")
            seen[rid] = conf.index
            runs.append(PlannedRun(rid, conf.index, rep, seed, len(runs) // runs_per_job))
        seen = {}

    bare_keys = [k.lstrip("+~") for k in factor_keys]
    factor_values = {k: list(dict.fromkeys(c.factors[k] for c in configurations)) for k in bare_keys}
    factor_kinds = {k: "group" if _is_group(k) else "parameter" for k in bare_keys}
    reference, notes = _reference(settings.get("reference"), factor_values)
    base_dict = OmegaConf.to_container(base_cfg, resolve=True)
    if country is not None:  # launcher jobs may start elsewhere: record the folder absolutely
        base_dict["data"]["dir"] = str(resolve_data_dir(base_dict["data"]["dir"]))
    launcher = OmegaConf.to_container(head.hydra.launcher, resolve=False)
    launcher["name"] = launcher_name
    return SweepPlan(
        experiment=experiment,
        sweep_dir=_sweep_dir(experiment, task_lines, head.hydra, hydra_lines),
        overrides=overrides,
        base_overrides=base_overrides,
        hydra_overrides=hydra_lines,
        factors=bare_keys,
        factor_values=factor_values,
        factor_kinds=factor_kinds,
        configurations=configurations,
        runs=runs,
        replicates=replicates,
        base_seed=base.seed,
        runs_per_job=runs_per_job,
        settings=settings,
        reference=reference,
        base_config=base_dict,
        launcher=launcher,
        notes=notes,
    )


def _compose(overrides: list[str], with_hydra: bool = False) -> DictConfig:
    """Compose inside the planner's Hydra context; any failure becomes a one-line UsageError."""
    try:
        return compose("config", overrides=overrides, return_hydra_config=with_hydra)
    except (HydraException, OmegaConfBaseException, ValueError) as e:
        for o in overrides:
            msg = _explain_override(o)
            if msg:
                raise UsageError(msg) from None
        raise UsageError(_first_line(e)) from None


def _configurations(parser: OverridesParser, base_overrides: list[str], table, factor_keys: list[str],
                    base_cfg: DictConfig, country=None) -> list[Configuration]:
    """Resolve every combination of factor values (the last factor varies fastest, as in Hydra).

    Group choices (``crisis=protracted``) need Hydra to compose the defaults list, so each
    distinct combination of group choices is composed once; plain parameter values are then
    applied to a copy with ``OmegaConf.update``, as Hydra applies them after composition.
    """
    groups = [k for k in factor_keys if _is_group(k.lstrip("+~")) or parser.parse_override(table[k][0]).type
              != OverrideType.CHANGE]
    composed: dict[tuple, dict] = {}
    configurations = []
    for combo in itertools.product(*(table[k] for k in factor_keys)):
        by_key = dict(zip(factor_keys, combo))
        group_part = tuple(by_key[k] for k in groups)
        if group_part not in composed:
            composed[group_part] = OmegaConf.to_container(_compose([*base_overrides, *group_part]), resolve=True)
        data = copy.deepcopy(composed[group_part])
        for k in factor_keys:
            if k not in groups:
                _apply(data, parser.parse_override(by_key[k]))
        try:
            params = params_from_cfg(data)
        except ConfigError as e:
            try:  # the same error without the factors: a fixed override is at fault
                params_from_cfg(base_cfg)
            except ConfigError as base_error:
                if str(base_error) == str(e):
                    raise UsageError(str(e)) from None
            raise UsageError(f"{e} (in the configuration {' '.join(combo)})") from None
        if country is not None:  # world size, populations and budget from the data (docs/data.md)
            try:
                params, _ = country_params(params, country)
            except UsageError as e:
                raise UsageError(f"{e} (in the configuration {' '.join(combo)})") from None
        pdict = params.to_dict()
        factors = {}
        for k in factor_keys:
            bare = k.lstrip("+~")
            value = by_key[k].split("=", 1)[1]
            factors[bare] = value if k in groups else _lookup(pdict, bare)
        configurations.append(Configuration(len(configurations), list(combo), factors, pdict))
    return configurations


def _apply(data: dict, override: Override) -> None:
    """Set one plain ``key=value`` override in a resolved config, as Hydra would after composing."""
    key, value = override.get_key_element(), override.value()
    if isinstance(value, (dict, list)) or (isinstance(value, str) and "${" in value):
        cfg = OmegaConf.create(data)
        try:
            OmegaConf.update(cfg, key, value, merge=True)
        except OmegaConfBaseException as e:
            raise UsageError(_explain_override(override.input_line) or f"{override.input_line}: {_first_line(e)}") from None
        data.clear()
        data.update(OmegaConf.to_container(cfg, resolve=True))
        return
    node, parts = data, key.split(".")
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or parts[-1] not in node:
        raise UsageError(_explain_override(override.input_line)
                         or f"{key} is not a known key; see `capsim params` for the allowed keys")
    node[parts[-1]] = value


def _reference(reference, factor_values: dict) -> tuple[dict | None, list[str]]:
    """Keep the reference levels that are factor values of this sweep; note the others."""
    if not reference:
        return None, []
    if not isinstance(reference, dict):
        raise UsageError(f"sweep.reference = {reference!r} is not a mapping; allowed: {{factor: value}} or null")
    kept, notes = {}, []
    for k, v in reference.items():
        if k not in factor_values:
            notes.append(f"reference {k}={v} dropped: {k} does not vary in this sweep")
        elif v not in factor_values[k]:
            notes.append(f"reference {k}={v} dropped: not among its values {factor_values[k]}")
        else:
            kept[k] = v
    return (kept or None), notes


MAX_AUTO_RUNS_PER_JOB = 50


def auto_runs_per_job(n_runs: int, launcher: str | None, n_jobs) -> int:
    """Runs per launcher job when ``sweep.runs_per_job`` is null.

    With a local pool (capsim's launcher, or Hydra's joblib): about two jobs per worker, so that a worker that finishes early can take
    another job (runs differ in cost by regime) while the fixed cost of each job stays small
    (measured when each job went through Hydra, which composed its config in the worker, about 0.1-0.2 s;
    capsim's launcher now hands the jobs to the pool directly, ``experiments/sweeps/sweep.py``
    ``runs_on_the_pool``); at most 50 runs a job. Measured on 2 idle cores, 40 runs of
    10 years with 2 workers: 24.7 s with four jobs per worker, 22.5 s with two, 22.8 s with
    one (one worker: 43.0 s). Other launchers (submitit, SLURM, the in-process basic
    launcher): 50 runs a job, so that a cluster task lasts about a minute.

    Args:
        n_runs: runs in the sweep.
        launcher: the ``hydra/launcher`` choice.
        n_jobs: the local launcher's ``n_jobs`` (-1 or null: every core).
    """
    if launcher not in ("capsim", "joblib"):
        return MAX_AUTO_RUNS_PER_JOB
    workers = (os.cpu_count() or 1) if n_jobs in (None, -1) else max(1, int(n_jobs))
    return max(1, min(MAX_AUTO_RUNS_PER_JOB, -(-n_runs // (2 * workers))))


def default_workers(plan: SweepPlan) -> int | None:
    """Worker processes of a local launcher (capsim's or joblib's; -1 or null = every core)."""
    if plan.launcher.get("name") not in ("capsim", "joblib"):
        return None
    n = plan.launcher.get("n_jobs")
    return os.cpu_count() if n in (None, -1) else int(n)
