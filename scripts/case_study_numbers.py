"""The numbers of docs/case_studies.md: each case-study preset, its key mechanism switched off, and the status quo.

    .venv/bin/python scripts/case_study_numbers.py [--years 8] [--seeds 5] [--jobs 2]

Runs the synthetic country at its default size on paired seeds 1..N and prints, per configuration
and outcome, the mean over seeds of the outcome's mean over the first and the last year of the run,
with each seed's last-year value. Face validity only: the cases are self-reported.
"""

from __future__ import annotations

import argparse
import logging
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.config import params_from_cfg, precheck  # noqa: E402
from sim.results import run  # noqa: E402

CASES = {
    "ALIMA": (["local_funds_decided_share", "local_decision_share", "appropriateness"], {
        "status quo": ["scenario=status_quo"],
        "alima_hybrid": ["scenario=alima_hybrid"],
        "without board seats and joint governance": ["scenario=alima_hybrid", "governance.local_board_seats=0",
                                                     "regimes.sharing.joint_governance=false"],
        "alima_hybrid, priorities.voice=0": ["scenario=alima_hybrid", "priorities.voice=0"],
        "without board seats and joint governance, priorities.voice=0": [
            "scenario=alima_hybrid", "governance.local_board_seats=0", "regimes.sharing.joint_governance=false",
            "priorities.voice=0"],
    }),
    "Trocaire": (["n_peer_links", "preparedness", "national_adoption_share", "national_coordination_seats"], {
        "status quo": ["scenario=status_quo"],
        "trocaire_convenor": ["scenario=trocaire_convenor"],
        "without convening": ["scenario=trocaire_convenor", "partnership.convening_rate=0"],
        "without national adoption": ["scenario=trocaire_convenor", "community.national_adoption_rate=0"],
    }),
    "EMPOWER": (["direct_local_funding_share", "total_local_funding_share", "n_peer_links",
                 "local_capacity_institutional"], {
        "status quo": ["scenario=status_quo"],
        "crs_empower": ["scenario=crs_empower"],
        "without graduation (funding.min_direct_grant=1e9)": ["scenario=crs_empower", "funding.min_direct_grant=1e9"],
        "without convening": ["scenario=crs_empower", "partnership.convening_rate=0"],
        "without secondments": ["scenario=crs_empower", "regimes.sharing.secondments=0"],
    }),
}


def one(job):
    overrides, keys, years, seed = job
    logging.getLogger("MESA").setLevel(logging.WARNING)
    s = run(params_from_cfg(precheck(overrides + [f"years={years}", f"seed={seed}"]))).steps
    first, last = s[s.year <= 1], s[s.year > s.year.max() - 1]
    return [(float(first[k].mean()), float(last[k].mean())) for k in keys]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=float, default=8.0)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    seeds = range(1, a.seeds + 1)
    jobs = [(ov, keys, a.years, s) for keys, configs in CASES.values() for ov in configs.values() for s in seeds]
    with ProcessPoolExecutor(a.jobs) as pool:
        results = iter(pool.map(one, jobs))
    for case, (keys, configs) in CASES.items():
        print(f"\n{case} ({a.years:g} years, seeds 1-{a.seeds}; first year -> last year, mean over seeds [each seed's last year])")
        print("| configuration | " + " | ".join(keys) + " |")
        print("|---" * (len(keys) + 1) + "|")
        for name in configs:
            vals = [next(results) for _ in seeds]
            cells = []
            for i in range(len(keys)):
                f = sum(v[i][0] for v in vals) / len(vals)
                last = [v[i][1] for v in vals]
                cells.append(f"{f:.3g} -> {sum(last) / len(last):.3g} [{', '.join(f'{x:.3g}' for x in last)}]")
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
