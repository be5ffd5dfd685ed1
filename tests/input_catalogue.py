"""The catalogue of malformed inputs: each is refused with one line and exit code 2 or 1.

Used by ``tests/test_input_catalogue.py`` (which runs every case) and by
``python tests/input_catalogue.py --write docs/input_catalogue.md`` (which runs every case
and writes the table of input, exit code and message the users see).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Case:
    name: str
    argv: list[str]
    code: int
    expect: str  # a substring of the one-line message
    files: dict[str, bytes | str] = field(default_factory=dict)  # written under {dir} before running
    kind: str = "override"  # cli | override | config file | data
    env: dict[str, str] = field(default_factory=dict)  # environment variables while it runs ({dir} allowed)
    # what the case needs: "" (nothing), "slurm" (a SLURM scheduler that answers) or "private-dir"
    # (also root with unshare: {dir}/<private> is a tmpfs only the command sees, not the SLURM node)
    needs: str = ""
    private: str = ""


# A two-district country for the data cases (docs/data.md): needs file and 3W rows added per case.
_NEEDS2 = ("District,Province,Population,Cluster,People in need\n#adm2+name,#adm1+name,#population,#sector,#inneed\n"
           "North Hill,Uplands,1000,Health,100\nSouth Vale,Lowlands,2000,Health,200\n")
_W3_HEAD = ("Partner,Type,Cluster,District,Province,Donor,Programme partner\n"
            "#org+impl+name,#org+impl+type,#sector,#adm2+name,#adm1+name,#org+funder+name,#org+prog+name\n")


def _data(w3_rows: str, needs: str = _NEEDS2) -> dict:
    return {"c/needs.csv": needs, "c/3w.csv": _W3_HEAD + w3_rows}


def _xlsx_bytes() -> bytes:
    """A small workbook with one sheet named 'Needs' (written with openpyxl, a dev dependency)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Needs"
    for line in _NEEDS2.splitlines():
        wb.active.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _scenario(body: str) -> dict:
    return {"scenario/mine.yaml": "# @package _global_\nscenario: mine\n" + body}


CASES: list[Case] = [
    # --- the command line
    Case("unknown command", ["frobnicate"], 2, "unknown command 'frobnicate'", kind="cli"),
    Case("misspelt command", ["rnu"], 2, "did you mean run?", kind="cli"),
    Case("argument that is not an override", ["run", "regime"], 2, "is not an override", kind="cli"),
    Case("bench repetitions not positive", ["bench", "--repetitions", "0"], 2, "must be positive", kind="cli"),
    Case("unknown bench option", ["bench", "--frob"], 2, "unknown bench option", kind="cli"),
    Case("config dir that does not exist", ["run", "-cd", "/nonexistent/capsim", "years=1"], 2,
         "no such directory", kind="cli"),
    Case("results directory not writable", ["run", "years=0.1", "hydra.run.dir={dir}/afile/out"], 1,
         "cannot write results to", files={"afile": "not a directory"}, kind="cli"),
    # --- sweeps, collecting and reports
    Case("misspelt sweep experiment", ["sweep", "experiment=regime_comparisn", "hydra.sweep.dir={dir}/s"], 2,
         "did you mean regime_comparison?", kind="cli"),
    Case("experiment that is not a sweep", ["sweep", "experiment=calibration", "hydra.sweep.dir={dir}/s"], 2,
         "is not a sweep", kind="cli"),
    Case("misspelt factor value in a sweep", ["sweep", "experiment=regime_comparison", "regime=sharing,sharng",
                                              "hydra.sweep.dir={dir}/s"], 2, "did you mean sharing?", kind="cli"),
    Case("sweep directory not writable", ["sweep", "experiment=regime_comparison", "years=0.05", "replicates=1",
                                          "hydra/launcher=basic", "hydra.sweep.dir={dir}/afile/s"], 1,
         "cannot write results to", files={"afile": "not a directory"}, kind="cli"),
    Case("sweep from a data folder that does not exist", ["sweep", "experiment=regime_comparison",
                                                          "data.dir={dir}/nope", "hydra.sweep.dir={dir}/s"], 2,
         "no such folder", kind="cli"),
    Case("collect a directory that is not a sweep", ["collect", "{dir}"], 2, "is not a sweep directory", kind="cli"),
    Case("report on a directory that is not a sweep", ["report", "{dir}"], 2, "holds neither sweep.json",
         kind="cli"),
    # --- country data (docs/data.md)
    Case("role loop in the 3W (A funds B funds A)", ["data", "check", "{dir}/c"], 2,
         "3w.csv row 4: role loop Hill Aid -> Aid Intl -> Hill Aid",
         files=_data("Hill Aid,NNGO,Health,North Hill,Uplands,Donor A,Aid Intl\n"
                     "Aid Intl,INGO,Health,South Vale,Lowlands,Hill Aid,Aid Intl\n"), kind="data"),
    Case("3W area missing from the needs file at the chosen level", ["data", "check", "{dir}/c"], 2,
         "3w.csv row 3 column #adm2+name: area 'East Fen' is not in needs.csv at admin level 2",
         files=_data("Hill Aid,NNGO,Health,East Fen,Uplands,Donor A,Aid Intl\n"), kind="data"),
    Case("mixed admin levels in one 3W", ["data", "check", "{dir}/c"], 2,
         "3w.csv rows 4: area given at admin level 1 only (#adm1) while other rows give admin level 2",
         files=_data("Hill Aid,NNGO,Health,North Hill,Uplands,Donor A,Aid Intl\n"
                     "Aid Intl,INGO,Health,,Lowlands,Donor A,Aid Intl\n"), kind="data"),
    Case("pooled fund funding itself in the 3W", ["data", "check", "{dir}/c"], 2,
         "3w.csv row 3 column #org+prog+name: the pooled fund 'Hill Humanitarian Fund' funds itself",
         files=_data("Hill Aid,NNGO,Health,North Hill,Uplands,Hill Humanitarian Fund,Hill Humanitarian Fund\n"),
         kind="data"),
    Case("UN agency passing its whole programme to international NGOs (share above range)",
         ["data", "check", "{dir}/c"], 2,
         "data: 3w.csv: UN agencies pass 100% of their programme to international NGOs (1 of the 1 rows they take "
         "part in, by rows), so funding.un_to_ingo_share = 1 is above its range 0..0.9",
         files={"c/needs.csv": _NEEDS2,
                "c/3w.csv": "Partner,Type,Cluster,District,Donor,Programme partner,Partner type\n"
                            "#org+impl+name,#org+impl+type,#sector,#adm2+name,#org+funder+name,#org+prog+name,"
                            "#org+prog+type\nAid Intl,INGO,Health,North Hill,Donor A,UN Health Agency,UN agency\n"},
         kind="data"),
    Case("Excel sheet that does not exist", ["data", "check", "{dir}/c", "data.sheet=3W"], 2,
         "needs.xlsx: no sheet named '3W'", files={"c/needs.xlsx": _xlsx_bytes(), "c/3w.csv": _W3_HEAD},
         kind="data"),
    # --- the documentation site
    Case("unknown docs option", ["docs", "--serve"], 2, "unrecognized arguments: --serve", kind="cli"),
    Case("docs port that is not a number", ["docs", "--port", "http"], 2, "--port = 'http' is not a whole number",
         kind="cli"),
    Case("docs site folder not writable", ["docs", "--build", "{dir}/afile/site"], 1, "cannot write results to",
         files={"afile": "not a directory"}, kind="cli"),
    # --- overrides: unknown names and options
    Case("unknown regime", ["run", "regime=sharng"], 2, "no such option (did you mean sharing?)"),
    Case("unknown scenario preset", ["run", "scenario=atlantis"], 2, "scenario=atlantis: no such option"),
    Case("unknown crisis preset", ["run", "crisis=flood"], 2, "crisis=flood: no such option"),
    Case("unknown funding preset", ["run", "funding=generous"], 2, "funding=generous: no such option"),
    Case("misspelt parameter", ["run", "funding.multi_yr_share=0.5"], 2, "did you mean funding.multi_year_share"),
    Case("misspelt study setting", ["calibrate", "study.samplez=5"], 2, "did you mean study.samples?", kind="cli"),
    Case("misspelt compare setting", ["compare", "compare.replicatez=3"], 2, "did you mean compare.replicates?",
         kind="cli"),
    Case("unknown lever move", ["levers", "--moves", "flexible_99"], 2, "flexible_99 unknown; allowed: direct_25",
         kind="cli"),
    Case("lever table horizon not a number", ["levers", "--years", "ten"], 2, "--years = 'ten' is not a number",
         kind="cli"),
    Case("lever table override out of range", ["levers", "--moves", "flexible_50", "world.n_areas=0"], 2,
         "world.n_areas = 0 is out of range", kind="cli"),
    Case("stand-in design too small", ["standin", "--points", "10"], 2,
         "--points = 10 is too few to fit and cross-validate; allowed: 30 to 2000", kind="cli"),
    Case("stand-in design not a number", ["standin", "--points", "many"], 2, "--points = 'many' is not a whole number",
         kind="cli"),
    Case("misspelt section", ["run", "fundng.direct_local_share=0.5"], 2, "is not a known parameter"),
    Case("new key appended", ["run", "+funding.bonus=1"], 2, "funding.bonus is not a known parameter"),
    Case("code instead of data", ["run", "+_target_=os.system"], 2, "_target_ is not a known parameter"),
    Case("unknown choice", ["run", "governance.priority_setting=donors"], 2, "is unknown; allowed: international"),
    Case("unknown gap identification", ["run", "regimes.sharing.gaps_identified_by=donor"], 2, "is unknown"),
    Case("unknown regime in compare", ["compare", "compare.regimes=[building,foo]", "compare.replicates=2",
                                       "years=0.1", "hydra.run.dir={dir}/cmp"], 2, "compare.regimes contains 'foo'"),
    # --- overrides: types
    Case("text for an integer", ["run", "seed=abc"], 2, "seed = 'abc' is not a number"),
    Case("fraction for an integer", ["run", "world.n_staff=2.5"], 2, "is not a whole number"),
    Case("boolean for a number", ["run", "turnover.poaching_pressure=true"], 2, "is not a number"),
    Case("text for a boolean", ["run", "regimes.sharing.two_way=maybe"], 2, "is not true/false"),
    Case("text for a year", ["run", "funding.exit_year=soon"], 2, "funding.exit_year = 'soon' is not a number"),
    Case("value for a section", ["run", "world=5"], 2, "world = 5 is not a section"),
    Case("NaN", ["run", "years=nan"], 2, "is not a finite number"),
    Case("infinity", ["run", "years=inf"], 2, "is not a finite number"),
    Case("minus infinity", ["run", "funding.annual_budget=-inf"], 2, "is not a finite number"),
    # --- overrides: ranges and consistency
    Case("share above 1", ["run", "funding.multi_year_share=1.5"], 2, "funding.multi_year_share = 1.5 is out of range"),
    Case("negative share", ["run", "funding.multi_year_share=-0.1"], 2, "is out of range"),
    Case("negative seed", ["run", "seed=-1"], 2, "seed = -1 is out of range"),
    Case("horizon of zero", ["run", "years=0"], 2, "years = 0.0 is out of range"),
    Case("negative staff", ["run", "world.n_staff=-5"], 2, "world.n_staff = -5 is out of range"),
    Case("no areas", ["run", "world.n_areas=0"], 2, "world.n_areas = 0 is out of range"),
    Case("partnership of zero weeks", ["run", "regimes.building.partnership_weeks=0"], 2, "is out of range"),
    Case("response share above 1", ["run", "crisis.response_share=2"], 2, "is out of range"),
    Case("response cap of zero weeks", ["run", "crisis.response_cap_weeks=0"], 2, "is out of range"),
    Case("preparedness share above its range", ["run", "community.preparedness_share=0.9"], 2, "is out of range"),
    Case("feedback channels above 1", ["run", "priorities.feedback_channels=1.5"], 2, "is out of range"),
    Case("partner preference above 1", ["run", "inclusion.partner_preference=1.5"], 2,
         "inclusion.partner_preference = 1.5 is out of range"),
    Case("marginalised group above its range", ["run", "inclusion.group_population_share=0.8"], 2, "is out of range"),
    Case("misspelt inclusion key", ["run", "inclusion.women_led=0.3"], 2, "inclusion.women_led"),
    Case("negative convening rate", ["run", "partnership.convening_rate=-1"], 2, "is out of range"),
    Case("negative national adoption rate", ["run", "community.national_adoption_rate=-0.5"], 2, "is out of range"),
    Case("coordination seats from adoption above 1", ["run", "community.adoption_coordination_seats=1.5"], 2,
         "is out of range"),
    Case("community capacity above 1", ["run", "community.initial_capacity=1.5"], 2, "is out of range"),
    Case("joint programme above 1", ["run", "funding.joint_programme_share=1.5"], 2,
         "funding.joint_programme_share = 1.5 is out of range"),
    Case("trust above 1", ["run", "partnership.trust_start=2"], 2, "partnership.trust_start = 2.0 is out of range"),
    Case("unknown pathway reference", ["run", "pathways.reference=charity"], 2, "is unknown; allowed: baseline"),
    Case("text for a pathway switch", ["run", "pathways.decisions=half"], 2, "is not true/false"),
    Case("risk tolerance above 1", ["run", "governance.intl_risk_tolerance=1.2"], 2, "is out of range"),
    Case("shares summing above 1", ["run", "funding.direct_local_share=0.6", "funding.sharing_earmark=0.5"], 2,
         "exceeds 1"),
    Case("emergency and direct above 1", ["run", "funding.direct_local_share=0.5", "funding.emergency_share=0.6"], 2,
         "exceeds 1"),
    Case("budget shares with the pooled fund above 1", ["run", "funding.direct_local_share=0.5",
                                                         "pooled_fund.share=0.5", "funding.emergency_share=0.1"], 2,
         "pooled_fund.share = 1.1 exceeds 1"),
    Case("pooled fund share out of range", ["run", "pooled_fund.share=1.5"], 2, "pooled_fund.share"),
    Case("misspelt pooled fund setting", ["run", "pooled_fund.shar=0.2"], 2, "did you mean pooled_fund.share?"),
    Case("incident victim rate above 1", ["run", "risk.victim_rate=2"], 2, "risk.victim_rate = 2.0 is out of range"),
    Case("fewer than one victim per incident", ["run", "risk.victims_per_incident=0.5"], 2,
         "risk.victims_per_incident = 0.5 is out of range"),
    Case("audits never due", ["run", "risk.audit_interval_weeks=0"], 2, "risk.audit_interval_weeks = 0 is out of range"),
    Case("misspelt risk setting", ["run", "risk.victim_rat=0.1"], 2, "did you mean risk.victim_rate?"),
    Case("text for a risk channel switch", ["run", "pathways.risk_security=half"], 2, "is not true/false"),
    Case("risk sharing above 1", ["run", "funding.risk_sharing=1.5"], 2, "funding.risk_sharing = 1.5 is out of range"),
    Case("fewer staff than organisations", ["run", "world.n_staff=10"], 2, "is below the number of organisations"),
    Case("presence above the maximum", ["run", "world.local_presence_areas=20"], 2, "must not exceed"),
    Case("absurd size", ["run", "world.n_staff=100000000"], 2, "GiB of memory"),
    Case("too few replicates", ["compare", "compare.replicates=1", "years=0.1", "hydra.run.dir={dir}/cmp1"], 2,
         "compare.replicates = 1 is too small"),
    # --- config files
    Case("malformed YAML", ["run", "-cd", "{dir}", "scenario=mine"], 2, "malformed YAML",
         files=_scenario("funding: [unclosed\n"), kind="config file"),
    Case("config file that is not text", ["run", "-cd", "{dir}", "scenario=mine"], 2, "not readable text",
         files={"scenario/mine.yaml": b"\xff\xfe\x00garbage"}, kind="config file"),
    Case("unknown key in a config file", ["run", "-cd", "{dir}", "scenario=mine"], 2,
         "funding.bonus is not a known parameter", files=_scenario("funding:\n  bonus: 1\n"), kind="config file"),
    Case("wrong type in a config file", ["run", "-cd", "{dir}", "scenario=mine"], 2, "years = 'ten' is not a number",
         files=_scenario("years: ten\n"), kind="config file"),
    Case("code in a config file", ["run", "-cd", "{dir}", "scenario=mine"], 2, "_target_ is not a known parameter",
         files=_scenario("_target_: os.system\n"), kind="config file"),
    # --- SLURM (docs/cluster.md)
    Case("no SLURM scheduler reachable", ["sweep", "experiment=regime_comparison", "replicates=1", "years=0.1",
                                          "hydra/launcher=slurm", "hydra.sweep.dir={dir}/s"], 1,
         "no SLURM scheduler is reachable from here", env={"PATH": "{dir}/no-slurm-commands-here"}, kind="cli"),
    Case("SLURM partition that does not exist", ["sweep", "experiment=regime_comparison", "replicates=1", "years=0.1",
                                                 "hydra/launcher=slurm", "hydra.launcher.partition=gpu",
                                                 "hydra.sweep.dir={dir}/s"], 2,
         "hydra.launcher.partition=gpu: no such partition on this cluster", kind="cli", needs="slurm"),
    Case("sweep directory not visible to the SLURM nodes", ["sweep", "experiment=regime_comparison", "replicates=1",
                                                            "years=0.1", "hydra/launcher=slurm",
                                                            "hydra.sweep.dir={dir}/private/s"], 1,
         "is not visible on the compute nodes", kind="cli", needs="private-dir", private="private"),
]


def missing(case: Case) -> str:
    """Why the case cannot run here ("" if it can)."""
    from slurm_available import private_dirs, slurm_missing

    return {"": lambda: "", "slurm": slurm_missing, "private-dir": private_dirs}[case.needs]()


def run_case(case: Case, workdir: Path) -> tuple[int, str]:
    """Run a case in-process (in a subprocess when it needs a private directory); returns (exit code, stderr)."""
    from experiments.cli.main import main

    for rel, content in case.files.items():
        p = workdir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode())
    argv = [a.replace("{dir}", str(workdir)) for a in case.argv]
    env = {k: v.replace("{dir}", str(workdir)) for k, v in case.env.items()}
    if case.private:
        return _run_with_private_dir(argv, workdir / case.private, env)
    err = io.StringIO()
    code = 0
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(argv) or 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return code, err.getvalue().strip()


def _run_with_private_dir(argv: list[str], private: Path, env: dict) -> tuple[int, str]:
    """Run `capsim argv` in a private mount namespace where ``private`` is a tmpfs: the command
    sees it, processes outside (the SLURM node's daemons and jobs) see an empty directory."""
    private.mkdir(parents=True, exist_ok=True)
    cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
           'mount -t tmpfs capsim-private "$0" && exec "$@"', str(private),
           sys.executable, "-m", "experiments.cli.main", *argv]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, **env},
                       cwd=Path(__file__).resolve().parents[1])
    return r.returncode, r.stderr.strip()


def write_table(path: Path) -> None:
    import tempfile

    rows = ["| # | kind | input | exit | message |", "|---|---|---|---|---|"]
    unmet = [f"{c.name}: {missing(c)}" for c in CASES if missing(c)]
    if unmet:
        raise SystemExit("cannot run every case here (bring the SLURM cluster up first): " + "; ".join(unmet))
    for i, case in enumerate(CASES, 1):
        with tempfile.TemporaryDirectory() as d:
            code, err = run_case(case, Path(d))
        shown = " ".join(case.argv).replace("|", "\\|")
        if case.files:
            shown += " (with " + ", ".join(case.files) + ")"
        shown = "capsim " + shown
        if case.env:
            shown = " ".join(f"{k}={v}" for k, v in case.env.items()) + " " + shown
        if case.private:
            shown += f" ({{dir}}/{case.private} visible to this command only, not to the nodes)"
        msg = err.replace(str(d), "{dir}").replace("|", "\\|")
        rows.append(f"| {i} | {case.kind} | `{shown}` | {code} | {msg} |")
    text = ("# Input catalogue\n\nEvery malformed input below is refused before anything runs (or, for runtime "
            "failures, before anything is written), with one line on stderr and exit code 2 (usage) or 1 "
            "(runtime). Generated by `python tests/input_catalogue.py --write docs/input_catalogue.md`; "
            "`tests/test_input_catalogue.py` runs every case.\n\n" + "\n".join(rows) + "\n")
    path.write_text(text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        write_table(Path(sys.argv[2]))
    else:
        print("usage: python tests/input_catalogue.py --write docs/input_catalogue.md")
