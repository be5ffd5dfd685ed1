"""The live view behind the dashboard: the donor's rules against the status quo, fast enough to follow a slider.

:class:`LiveEngine` runs the status quo and the donor's rules on the same replicate seeds
(``experiments/advocacy/paired.py``), turns them into headline sentences (``analysis/effects.py``)
and figures (``analysis/donor_figures.py``), and keeps what it computed:

- finished runs in a :class:`~experiments.advocacy.paired.RunCache` keyed by full parameters, so
  the status quo runs once per seed and a lever setting seen before needs no new runs;
- finished page contents in a small cache keyed by the rules, so returning to a setting (or
  opening the page in a second tab) is immediate;
- the one runner's pool of worker processes (``experiments/runner.py``, warmed at start) that
  runs the replicates and then draws the figures side by side.

The trade-off is stated on the page: by default 3 paired runs of 5 years in the default
country, where ``capsim brief`` runs 10 replicates of 10 years.

Those runs take seconds; to answer a lever change at once, :meth:`LiveEngine.estimate` gives an
*estimate* of every headline from the stand-in (``experiments/advocacy/standin.py``, fitted on these
very settings) in about a millisecond, marked ``estimated`` and worded with its measured error; the
page shows it until :meth:`LiveEngine.updates` brings the simulation's own results. An estimate is
never cached as a result, and there is none when the stand-in was fitted for other settings
(horizon, seeds, overrides).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from experiments.advocacy.levers import PACKAGES, STATUS_QUO, apply_levers, lever_values, package_params, world_text
from experiments.advocacy.paired import run_paired
from experiments.runner import Cancelled, RunCache, Runner
from sim.outcomes import PEOPLE_OUTCOMES
from sim.params import ConfigError, Params
from sim.rng import replicate_seeds

__all__ = ["LiveSettings", "LiveResult", "LiveEngine", "engine", "page_workers", "rules_key", "ENV_SETTINGS", "DONOR", "NAMES",
           "PEOPLE_HEADLINES", "SYSTEM_HEADLINES"]

ENV_SETTINGS = "CAPSIM_DASHBOARD_SETTINGS"  # JSON of LiveSettings, set by `capsim dashboard` for the page
DONOR = "donor"
NAMES = {STATUS_QUO: "Status quo", DONOR: "Your rules"}
PEOPLE_HEADLINES = ("people_weeks_met", "hard_to_reach_coverage", "response_time")
SYSTEM_HEADLINES = ("total_local_funding_share", "local_capacity", "brain_drain")


@dataclass(frozen=True)
class LiveSettings:
    """What the live view runs.

    Args:
        years: horizon of each run.
        replicates: paired runs (seeds) per side.
        seed: base seed; replicate seeds are ``sim.rng.replicate_seeds(seed, replicates)``.
        jobs: worker processes (1: everything in the page's thread).
        overrides: Hydra overrides applied to every package (e.g. ``world.n_areas=20``).
    """

    years: float = 5.0
    replicates: int = 3
    seed: int = 0
    jobs: int = 1
    overrides: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> "LiveSettings":
        """The settings ``capsim dashboard`` passed to the page (defaults if none)."""
        text = os.environ.get(ENV_SETTINGS)
        if not text:
            return cls()
        d = json.loads(text)
        d["overrides"] = tuple(d.get("overrides", ()))
        return cls(**d)

    def to_env(self) -> str:
        return json.dumps({**dataclasses.asdict(self), "overrides": list(self.overrides)})

    @property
    def seeds(self) -> list[int]:
        return replicate_seeds(self.seed, self.replicates)

    @property
    def package_overrides(self) -> tuple[str, ...]:
        return (f"years={self.years:g}", *self.overrides)


def page_workers(replicates: int, cores: int | None = None) -> int:
    """The page's worker processes: one per replicate while that is at most twice the cores, else one per core.

    A lever change waits for its slowest replicate. With 3 replicates on 2 cores, 2 workers run them in two
    rounds (the second with a core idle: 2 run-times), 3 workers share the cores and finish together (1.5
    run-times): measured in the page's engine on this 2-core machine, the final headlines of a lever change
    after 1.54-1.98 s against 2.03-3.08 s with 2 workers (five changes each; docs/dashboard.md). Past twice the
    cores, the extra processes' memory buys little.
    """
    cores = cores or os.cpu_count() or 1
    return max(1, replicates if replicates <= 2 * cores else cores)


def rules_key(package: str, levers: dict) -> tuple:
    """A hashable identity of a set of rules: the starting package and the lever values."""
    return (package, tuple(sorted(levers.items())))


@dataclass
class LiveResult:
    """What one update of the page shows.

    Attributes:
        key: :func:`rules_key` of the rules these results are for.
        is_status_quo: the rules are exactly the status quo (no difference to show).
        people, system: :class:`analysis.brief.Said` lists (people in need; the system behind).
        figures: name -> PNG bytes (empty until drawn).
        seconds_runs: time to run (or fetch) the paired runs and compute the headlines.
        seconds_figures: time to draw the figures.
        runs_from_cache, runs_total: how many of the runs came from the cache.
        world: the country in words.
        changed: lever keys that differ from the status quo.
        reused: the whole page came from earlier results for the same rules (nothing run or drawn).
        runs_done: paired runs (replicates) the headlines rest on so far (fewer than the settings' while the
            rest still run).
        localisation: the localisation measures in the field's own terms (Grand Bargain, NEAR), one dict each
            (``analysis.effects.field_levels``: measure, label, unit, description, the status quo's and the
            donor's mean over the runs).
        people_measures: the same for affected people and communities (``sim.outcomes.PEOPLE_OUTCOMES``:
            priorities and feedback, communities, inclusion).
        estimated: the headlines are the stand-in's estimates (no simulation yet; ``runs_done`` is 0).
    """

    key: tuple
    is_status_quo: bool
    people: list
    system: list
    figures: dict[str, bytes]
    seconds_runs: float
    seconds_figures: float
    runs_from_cache: int
    runs_total: int
    world: str
    changed: list[str] = field(default_factory=list)
    reused: bool = False
    runs_done: int = 0
    localisation: list[dict] = field(default_factory=list)
    people_measures: list[dict] = field(default_factory=list)
    estimated: bool = False


WORKER_NICENESS = 5  # how much lower the page's worker processes run than the page itself (os.nice)


def _worker_setup() -> None:
    """A worker's set-up: a lower CPU priority than the page's own process, so the page answers a lever (the
    stand-in's estimates, the status line) while the simulations run; then import plotting, so the first lever
    change does not pay for it."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: the workers keep the page's priority
        pass
    import analysis.donor_figures  # noqa: F401


def _png(fig, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def draw_figure(kind: str, steps, per_run, areas, xy) -> bytes:
    """One of the page's figures as PNG bytes (a top-level function, so a worker process can run it).

    Args:
        kind: ``people``, ``system`` or ``map``.
        steps, per_run, areas: tables of the paired runs (``config`` = status_quo / donor).
        xy: district positions of the first replicate's country (for the map).
    """
    from analysis.donor_figures import area_map, people_figure, system_figure

    if kind == "people":
        return _png(people_figure(steps, per_run, STATUS_QUO, NAMES))
    if kind == "system":
        return _png(system_figure(steps, STATUS_QUO, NAMES))
    if kind == "map":
        return _png(area_map(areas, xy, STATUS_QUO, DONOR, 0, NAMES))
    raise ValueError(f"unknown figure {kind!r}; allowed: people, system, map")


FIGURES = ("people", "system", "map")


class LiveEngine:
    """Runs the live view: the status quo and the donor's rules on the same seeds, cached.

    Args:
        settings: what to run.
        max_results: page contents kept for rules seen before.
    """

    def __init__(self, settings: LiveSettings, max_results: int = 32):
        self.settings = settings
        self.standin = None  # a fitted experiments.advocacy.standin.StandIn, set by use_standin
        self.standin_note = "no estimates: no stand-in given to the page"
        self._sq_levels: dict[str, float] | None = None  # the status quo's headline measures (mean over seeds)
        self.cache = RunCache(max_runs=64 * settings.replicates)
        self.max_results = max_results
        self._results: OrderedDict[tuple, LiveResult] = OrderedDict()
        self._lock = threading.Lock()
        self._runner: Runner | None = None
        self._xy: dict[int, object] = {}
        self._warm_done = threading.Event()
        self._warm_done.set()

    def use_standin(self, stand, note: str = "") -> None:
        """Show this stand-in's estimates first (``experiments/advocacy/standin.py``), if it was fitted for
        these settings.

        Args:
            stand: a :class:`~experiments.advocacy.standin.StandIn`, or None.
            note: why there is none (shown in the page's technical details).
        """
        if stand is not None and not stand.applies_to(self.settings):
            stand, note = None, "the stand-in was fitted for other settings (horizon, seeds or overrides)"
        self.standin = stand
        self.standin_note = "" if stand is not None else f"no estimates: {note or 'no stand-in given to the page'}"

    # -------------------------------------------------------------- parameters
    def base(self, package: str) -> Params:
        """Parameters of a starting package at the live view's horizon and overrides."""
        return package_params(package, self.settings.package_overrides)

    def donor_params(self, package: str, levers: dict) -> Params:
        """The donor's rules: a package with lever values on top.

        Raises:
            ConfigError: the combination is impossible (one line, shown on the page).
        """
        return apply_levers(self.base(package), levers)

    # -------------------------------------------------------------- workers
    def runner(self) -> Runner:
        """The page's runner (created on first use; in the page's thread when ``jobs`` is 1)."""
        with self._lock:
            if self._runner is None:
                self._runner = Runner(self.settings.jobs, initializer=_worker_setup)
            return self._runner

    def warm(self) -> float:
        """Start the workers and compute the status quo page, so the first visitor waits little; returns seconds."""
        t0 = time.perf_counter()
        self.runner().warm()
        for name in PACKAGES:  # compose every starting package once, so a button press is immediate
            try:
                self.base(name)
            except ConfigError:  # shown on the page when the package is chosen
                pass
        sq = lever_values(self.base(STATUS_QUO))
        self.compute(STATUS_QUO, sq)
        return time.perf_counter() - t0

    def warm_in_background(self, on_done=None) -> threading.Thread:
        """:meth:`warm` in a thread; :meth:`updates` waits for it instead of running the status quo twice.

        Args:
            on_done: called with the seconds it took (e.g. to print them).
        """
        self._warm_done.clear()

        def work():
            try:
                secs = self.warm()
                if on_done is not None:
                    on_done(secs)
            finally:
                self._warm_done.set()

        t = threading.Thread(target=work, name="capsim-warm", daemon=True)
        t.start()
        return t

    def shutdown(self) -> None:
        with self._lock:
            if self._runner is not None:
                self._runner.close()
                self._runner = None

    def _map_xy(self, params: Params, seed: int):
        """District positions of a replicate's country.

        Areas are drawn from the ``world`` stream alone (``sim/model.py``), so rebuilding them for
        the same seed and world gives the positions the runs used (checked in tests/test_dashboard.py).
        """
        if seed not in self._xy:
            from sim.areas import Areas
            from sim.rng import Streams

            self._xy[seed] = Areas(params.replace(seed=seed), Streams(seed)["world"]).xy
        return self._xy[seed]

    # -------------------------------------------------------------- computing
    def updates(self, package: str, levers: dict, cancel: threading.Event | None = None) -> Iterator[LiveResult]:
        """Results for these rules: first the headlines (as soon as the runs are done), then with figures.

        Args:
            package: the starting package (a key of ``experiments.advocacy.levers.PACKAGES``).
            levers: lever key -> value on top of the package.
            cancel: set by the page when a newer lever change supersedes this one.

        Raises:
            ConfigError: the rules are impossible.
            Cancelled: ``cancel`` was set.
        """
        from analysis.brief import say
        from analysis.effects import field_levels, paired_effects, per_run_measures
        from sim.store import run_id

        key = rules_key(package, levers)
        if threading.current_thread().name != "capsim-warm":
            self._warm_done.wait()
        t0 = time.perf_counter()
        with self._lock:
            done = self._results.get(key)
            if done is not None:
                self._results.move_to_end(key)
        if done is not None:  # seen before: nothing to run or draw
            yield dataclasses.replace(done, runs_from_cache=done.runs_total, seconds_runs=time.perf_counter() - t0,
                                      seconds_figures=0.0, reused=True)
            return
        s = self.settings
        sq = self.base(STATUS_QUO)
        donor = self.donor_params(package, levers)
        world = world_text(sq)
        sq_values = lever_values(sq)
        changed = [k for k, v in lever_values(donor).items() if v != sq_values[k]]
        is_sq = run_id(sq) == run_id(donor)
        runner = self.runner()
        configs = {STATUS_QUO: sq, DONOR: donor}
        # With more replicates than workers, the first workers-full of paired runs give early headlines
        # (marked as partial on the page) while the rest run; the final headlines use every replicate.
        phases = [s.seeds]
        if 1 < runner.n < len(s.seeds):
            phases = [s.seeds[:runner.n], s.seeds]
        new = 0  # runs this update made (its own count: a shared cache's hit counter mixes users)
        # With worker processes the figures are sent to them as soon as the last phase's runs are in, before the
        # headlines are worded and shown; in the page's own thread (one job) they are drawn after the headlines.
        figures_early = runner.offload is not None
        futures: dict = {}
        for seeds in phases:
            tables = run_paired(configs, seeds, STATUS_QUO, cache=self.cache, runner=runner, cancel=cancel)
            new += 2 * len(seeds) - tables.from_cache  # earlier phases' runs come back from the cache
            per_run = per_run_measures(tables.steps, tables.shocks)
            if figures_early and seeds is phases[-1]:
                # The workers draw the figures while this thread words the headlines and the page shows them
                # (that render runs in this thread, before the generator resumes).
                futures = self._submit_figures(runner, tables, per_run, sq)
            if self._sq_levels is None and len(seeds) == s.replicates:
                ref = per_run[per_run["config"] == STATUS_QUO]
                self._sq_levels = {k: float(ref[k].mean()) for k in PEOPLE_HEADLINES + SYSTEM_HEADLINES}
            effects = paired_effects(per_run, STATUS_QUO, measures=(*PEOPLE_HEADLINES, *SYSTEM_HEADLINES))
            people = say(effects, DONOR, s.years, PEOPLE_HEADLINES, interval="range")
            system = say(effects, DONOR, s.years, SYSTEM_HEADLINES, interval="range")
            t1 = time.perf_counter()
            field_rows = field_levels(tables.steps, order=[STATUS_QUO, DONOR]).to_dict("records")
            people_rows = field_levels(tables.steps, order=[STATUS_QUO, DONOR], outcomes=PEOPLE_OUTCOMES).to_dict("records")
            result = LiveResult(key, is_sq, people, system, {}, t1 - t0, 0.0, 2 * len(seeds) - new,
                                2 * s.replicates, world, changed, runs_done=len(seeds), localisation=field_rows,
                                people_measures=people_rows)
            yield result
            if cancel is not None and cancel.is_set():
                for f in futures.values():  # (figures already being drawn finish in their workers, unused)
                    f.cancel()
                raise Cancelled()
        if not figures_early:
            futures = self._submit_figures(runner, tables, per_run, sq)
        figures = {k: f.result() for k, f in futures.items()}
        result = dataclasses.replace(result, figures=figures, seconds_figures=time.perf_counter() - t1)
        with self._lock:
            self._results[key] = result
            while len(self._results) > self.max_results:
                self._results.popitem(last=False)
        yield result

    def _submit_figures(self, runner: Runner, tables, per_run, sq: Params) -> dict:
        """The page's figures of these paired runs, one :func:`draw_figure` each, handed to the runner."""
        args = (tables.steps, per_run, tables.areas, self._map_xy(sq, self.settings.seeds[0]))
        return {k: runner.submit(draw_figure, k, *args) for k in FIGURES}

    def estimate(self, package: str, levers: dict) -> LiveResult | None:
        """The stand-in's estimate of every headline for these rules, worded with its error (no runs; about a
        millisecond, so the page computes it while it draws the lever's new value).

        None when there is nothing to estimate: no stand-in for these settings, the status quo's own runs not
        yet done, the rules are the status quo, or the simulation's results for them are already at hand
        (an estimate never stands in for a finished result).

        Raises:
            ConfigError: the rules are impossible.
        """
        from sim.store import run_id

        key = rules_key(package, levers)
        if self.standin is None or self._sq_levels is None:
            return None
        with self._lock:
            if key in self._results:
                return None
        t0 = time.perf_counter()
        sq, donor = self.base(STATUS_QUO), self.donor_params(package, levers)
        if run_id(sq) == run_id(donor):
            return None
        values, sq_values = lever_values(donor), lever_values(sq)
        est = self.standin.estimate(values)
        years = self.settings.years
        people = self.standin.say(est, self._sq_levels, package, years, PEOPLE_HEADLINES)
        system = self.standin.say(est, self._sq_levels, package, years, SYSTEM_HEADLINES)
        changed = [k for k, v in values.items() if v != sq_values[k]]
        return LiveResult(key, False, people, system, {}, time.perf_counter() - t0, 0.0, 0,
                          2 * self.settings.replicates, world_text(sq), changed, runs_done=0, estimated=True)

    def compute(self, package: str, levers: dict, cancel: threading.Event | None = None) -> LiveResult:
        """Everything the page shows for these rules (the last of :meth:`updates`)."""
        result = None
        for result in self.updates(package, levers, cancel):
            pass
        return result


_ENGINES: dict[LiveSettings, LiveEngine] = {}
_ENGINES_LOCK = threading.Lock()


def engine() -> LiveEngine:
    """The process's engine for the settings given to ``capsim dashboard`` (one per settings)."""
    settings = LiveSettings.from_env()
    with _ENGINES_LOCK:
        if settings not in _ENGINES:
            _ENGINES[settings] = LiveEngine(settings)
        return _ENGINES[settings]
