"""`capsim findings [--update] [--jobs N]`: recompute the headline conclusions and hold them against the baseline.

Runs the reduced design of ``analysis/findings.py`` (every comparison on the same paired seeds),
prints each conclusion, and compares with ``docs/findings_baseline.json``: exit 0 when nothing
flipped, 1 with one line per flipped conclusion otherwise. ``--update`` writes the new baseline
(with its id) instead; then add a line to ``docs/findings.md`` that names the id and says why
the conclusion changed (``tests/test_findings.py`` checks both).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from experiments.config import UsageError

__all__ = ["main", "compute", "BASELINE_PATH"]

BASELINE_PATH = Path(__file__).resolve().parents[2] / "docs" / "findings_baseline.json"


def compute(n_jobs: int = 1):
    """The conclusions table of the reduced design (``analysis/findings.py``)."""
    from analysis.findings import COMPARISONS, DESIGN, conclusions, window_means
    from experiments.advocacy.paired import run_paired
    from sim.params import Params
    from sim.rng import replicate_seeds

    configs = {}
    for name, over in COMPARISONS.items():
        funding = {**DESIGN["funding"], **over.get("funding", {})}
        data = {"years": DESIGN["years"], "world": DESIGN["world"], "seed": DESIGN["seed"], **over, "funding": funding}
        configs[name] = Params.from_dict(data)
    seeds = replicate_seeds(DESIGN["seed"], DESIGN["replicates"])
    tables = run_paired(configs, seeds, "baseline", n_jobs=n_jobs)
    return conclusions(window_means(tables.steps, DESIGN["window_years"]))


def main(argv: list[str]) -> int:
    from analysis.findings import DESIGN, baseline_id, compare_to_baseline

    if argv[:1] in (["--help"], ["-h"]):
        print("usage: capsim findings [--update] [--jobs N]\n\n"
              "Recompute the headline conclusions at reduced size and compare them with docs/findings_baseline.json\n"
              "(exit 1 if one differs). --update rewrites the baseline; --jobs N runs N worker processes.")
        return 0
    update = "--update" in argv
    jobs = 1
    rest = [a for a in argv if a != "--update"]
    if rest[:1] == ["--jobs"] and len(rest) == 2 and rest[1].isdigit():
        jobs = int(rest[1])
    elif rest:
        raise UsageError(f"unknown arguments {' '.join(rest)!r}; allowed: --update, --jobs N")
    t0 = time.perf_counter()
    table = compute(jobs)
    for _, r in table.iterrows():
        print(f"{r['comparison']:>20} vs baseline  {r['outcome']:<28} {r['diff']:+.4g} "
              f"[{r['ci_low']:+.4g}, {r['ci_high']:+.4g}]  {r['conclusion']}")
    new_id = baseline_id(table)
    if update:
        BASELINE_PATH.write_text(json.dumps({"id": new_id, "design": DESIGN,
                                             "conclusions": table.to_dict(orient="records")}, indent=2))
        print(f"written {BASELINE_PATH} (id {new_id}) in {time.perf_counter() - t0:.1f}s; add a line naming "
              f"'findings baseline {new_id}' and the reason to docs/findings.md")
        return 0
    base = json.loads(BASELINE_PATH.read_text())
    flips = compare_to_baseline(table, base)
    if flips:
        print(f"{len(flips)} conclusion(s) differ from the baseline {base['id']}:", file=sys.stderr)
        for line in flips:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"no conclusion flipped (baseline {base['id']}; {time.perf_counter() - t0:.1f}s)")
    return 0
