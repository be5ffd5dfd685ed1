"""The edge between Hydra and the model: config directory, schema, validation, errors.

Only ``experiments/`` sees Hydra's ``DictConfig``. The model's parameter registry
(``sim/params.py``) is registered with Hydra's ConfigStore as ``capsim_schema`` so that every
parameter can be overridden by its dotted name (``funding.multi_year_share=0.6``) and
``--cfg job`` shows them all. :func:`params_from_cfg` turns a composed config into validated
:class:`~sim.params.Params`; :func:`precheck` composes the user's overrides before Hydra
runs anything, so bad input ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from pathlib import Path
from typing import NoReturn

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException
from yaml import YAMLError

from experiments.errors import RuntimeFailure, UsageError
from experiments.logs import quiet_mesa
from sim.params import ConfigError, Params, lookup_spec

__all__ = ["CONFIG_DIR", "CONTROL_KEYS", "params_from_cfg", "precheck", "UsageError", "RuntimeFailure",
           "register_schema", "quiet_mesa", "split_hydra_args", "job_errors", "check_writable"]

CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "configs")
# Top-level config keys that steer commands rather than the model.
CONTROL_KEYS = ("compare", "sweep", "experiment", "study", "data", "bench", "report")
# Hydra flags that take a value (their value is not an override).
_FLAGS_WITH_VALUE = {"--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
                     "--config-dir", "-cd", "--experimental-rerun", "--info", "-i"}




def check_writable(path: str | Path) -> None:
    """Make sure results can be written under ``path`` (creating it); RuntimeFailure if not."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / f".capsim-write-probe-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as e:
        raise RuntimeFailure(f"cannot write results to {p}: {e.strerror or e}; allowed: a writable directory") from None


def job_errors(func):
    """Wrap a Hydra task function: known failures end in one line on stderr, not a traceback.

    ConfigError -> exit 2; OSError (disk full, permissions) and RuntimeFailure -> exit 1; any
    other exception -> exit 1 with its type and message. ``CAPSIM_DEBUG=1`` re-raises instead.
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - reported, not swallowed
            if os.environ.get("CAPSIM_DEBUG"):
                raise
            if isinstance(e, (ConfigError, UsageError)):
                fail(str(e), 2)
            if isinstance(e, RuntimeFailure):
                fail(str(e), 1)
            if isinstance(e, OSError):
                where = f" ({e.filename})" if getattr(e, "filename", None) else ""
                fail(f"{e.strerror or e}{where}; completed results are kept, re-run to resume", 1)
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            fail(f"internal error: {type(e).__name__}: {first} (set CAPSIM_DEBUG=1 for the traceback)", 1)

    return wrapper


def register_schema() -> None:
    """Register the parameter registry's defaults as the config node ``capsim_schema``, the SLURM
    launcher's options (``hydra/launcher/capsim_slurm_schema``, experiments/cluster.py) and capsim's
    local launcher (``hydra/launcher/capsim``, hydra_plugins/capsim_launcher/config.py)."""
    from experiments.cluster import register_launcher_schema
    from hydra_plugins.capsim_launcher.config import register as register_local_launcher

    cs = ConfigStore.instance()
    cs.store(name="capsim_schema", node=Params().to_dict())
    register_launcher_schema()
    register_local_launcher()


def params_from_cfg(cfg: DictConfig | dict) -> Params:
    """Validated model parameters from a composed config (control sections removed)."""
    data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    data.pop("hydra", None)
    for key in CONTROL_KEYS:
        data.pop(key, None)
    return Params.from_dict(data)


def split_hydra_args(args: list[str]) -> tuple[list[str], list[str]]:
    """Split command-line arguments into (overrides, Hydra flags with their values)."""
    overrides, flags = [], []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-"):
            flags.append(a)
            if a in _FLAGS_WITH_VALUE and i + 1 < len(args) and not args[i + 1].startswith("-"):
                flags.append(args[i + 1])
                i += 1
        else:
            overrides.append(a)
        i += 1
    return overrides, flags


def _compose(overrides: list[str], config_name: str = "config") -> DictConfig:
    register_schema()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3", job_name="capsim_check"):
            return compose(config_name=config_name, overrides=overrides)
    finally:
        GlobalHydra.instance().clear()


def _flag_value(flags: list[str], *names: str) -> str | None:
    for i, f in enumerate(flags):
        if f in names and i + 1 < len(flags):
            return flags[i + 1]
        for n in names:
            if f.startswith(n + "="):
                return f.split("=", 1)[1]
    return None


def _yaml_problem(e: BaseException) -> str | None:
    """One line for a YAML file that cannot be read or parsed, naming the file and line."""
    import re

    text = str(e)
    if isinstance(e, UnicodeDecodeError) or "codec can't decode" in text:
        return f"a config file is not readable text (UTF-8): {text.splitlines()[0]}"
    m = re.search(r'in "([^"]+\.yaml)", line (\d+), column (\d+)', text)
    if m and ("while parsing" in text or "while scanning" in text or "expected" in text):
        first = text.strip().splitlines()
        what = next((ln.strip() for ln in first if ln.strip().startswith(("expected", "found", "mapping values"))), first[0])
        return f"{m.group(1)} line {m.group(2)}: malformed YAML ({what})"
    return None


def _explain_override(override: str) -> str | None:
    """Our own one-line message for an override that names an unknown parameter."""
    key = override.lstrip("+~").split("=", 1)[0]
    if key.startswith("hydra.") or "/" in key:
        return None
    top = key.split(".")[0]
    if top in CONTROL_KEYS:
        return None
    if "." not in key and key not in {f.name for f in dataclasses.fields(Params)}:
        return f"{key} is not a known parameter; see `capsim params` for the allowed keys"
    if "." in key and lookup_spec(key) is None:
        parent, _, leaf = key.rpartition(".")
        from sim.params import spec_rows

        known = [r["key"] for r in spec_rows()]
        hint = difflib.get_close_matches(key, known, n=1)
        did = f" (did you mean {hint[0]}?)" if hint else ""
        return f"{key} is not a known parameter{did}; see `capsim params` for the allowed keys"
    return None


def _explain_setting(override: str, others: list[str], config_name: str) -> str | None:
    """Our own one-line message for an override of a command's settings (``study.samplez=5``) that
    names a key its section does not have: the keys it has, read from the config composed without it."""
    key = override.lstrip("+~").split("=", 1)[0]
    parent, _, leaf = key.rpartition(".")
    if not parent or parent.split(".")[0] not in CONTROL_KEYS:
        return None
    try:
        node = OmegaConf.select(_compose(others, config_name), parent)
    except Exception:  # noqa: BLE001 - the original error is reported instead
        return None
    if not isinstance(node, DictConfig) or leaf in node:
        return None
    keys = [k for k in node.keys() if k != "name"]
    hint = difflib.get_close_matches(leaf, keys, n=1)
    did = f" (did you mean {parent}.{hint[0]}?)" if hint else ""
    return f"{key} is not a known setting{did}; allowed keys in {parent}: {', '.join(map(str, keys))}"


def precheck(overrides: list[str], sweep: bool = False, flags: list[str] | None = None) -> DictConfig:
    """Compose the config with these overrides and validate the model parameters.

    Args:
        overrides: Hydra overrides as typed by the user.
        sweep: the overrides may contain sweeps (``a=1,2``); every combination is checked.
        flags: Hydra flags; ``--config-dir/-cd`` adds a config directory to the search path and
            ``--config-name/-cn`` names the primary config, as they do for the real run.

    Raises:
        UsageError: a one-line explanation of the first problem found.
    """
    flags = flags or []
    plain = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    plain += [o for o in overrides if o.startswith("hydra.searchpath")]
    extra_dir = _flag_value(flags, "--config-dir", "-cd")
    if extra_dir:
        if not Path(extra_dir).is_dir():
            raise UsageError(f"--config-dir {extra_dir}: no such directory; allowed: an existing directory of configs")
        plain.append(f"hydra.searchpath=[file://{Path(extra_dir).resolve()}]")
    config_name = _flag_value(flags, "--config-name", "-cn") or "config"
    for o in overrides:
        if o.startswith(("hydra.run.dir=", "hydra.sweep.dir=")):
            check_writable(o.split("=", 1)[1])
    if sweep:
        return _precheck_sweep(plain, config_name)
    return _precheck_one(plain, config_name)


def _precheck_one(plain: list[str], config_name: str) -> DictConfig:
    for o in plain:
        if "=" not in o:
            raise UsageError(f"{o!r} is not an override; allowed: key=value (e.g. funding.multi_year_share=0.6)")
    try:
        cfg = _compose(plain, config_name)
    except MissingConfigException as e:
        bad = [o for o in plain if "=" in o and "." not in o.split("=", 1)[0]]
        options = ", ".join(sorted(e.options)) if e.options else "see configs/"
        which = next((o for o in bad if e.missing_cfg_file and o.split("=", 1)[1] in e.missing_cfg_file), None)
        what = which or (e.missing_cfg_file or "config")
        hint = ""
        if which and e.options:
            close = difflib.get_close_matches(which.split("=", 1)[1], list(e.options), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"{what}: no such option{hint}; allowed: {options}") from None
    except (HydraException, OmegaConfBaseException, ValueError, OSError, YAMLError) as e:
        yaml_msg = _yaml_problem(e) or (_yaml_problem(e.__cause__) if e.__cause__ else None)
        if yaml_msg:
            raise UsageError(yaml_msg) from None
        for o in plain:
            msg = _explain_override(o) or _explain_setting(o, [p for p in plain if p != o], config_name)
            if msg:
                raise UsageError(msg) from None
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UsageError(first) from None
    try:
        params_from_cfg(cfg)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    return cfg


def _precheck_sweep(overrides: list[str], config_name: str = "config") -> DictConfig:
    """Check every combination of a sweep's values (``a=1,2 b=x,y``) before launching it."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    try:
        parsed = parser.parse_overrides(overrides)
    except HydraException as e:
        raise UsageError(str(e).strip().splitlines()[0]) from None
    import itertools

    choices = []
    for o in parsed:
        if o.is_sweep_override():
            vals = [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()]
        else:
            vals = [o.input_line]
        choices.append(vals)
    cfg = None
    for combo in itertools.islice(itertools.product(*choices), 2000):
        cfg = _precheck_one(list(combo), config_name)
    return cfg if cfg is not None else _precheck_one([], config_name)


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"capsim: error: {message}", file=sys.stderr)
    raise SystemExit(code)
