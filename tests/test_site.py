"""The documentation site and the citable version.

The site (``mkdocs.yml``, ``capsim docs``) builds in strict mode (a warning or a broken link fails),
loads nothing from outside, and lists every page under ``docs/`` in its navigation; every
``capsim <command>`` that the README and the site's guides name exists; the version is one number
everywhere (``pyproject.toml``, every run's provenance, ``capsim --version``, ``CITATION.cff``,
``CHANGELOG.md``).
"""

from __future__ import annotations

import contextlib
import io
import re
import tomllib

import pytest
import yaml

from conftest import ROOT
from experiments.cli.docs import build_site
from experiments.cli.docs_site import GENERATED, modules
from experiments.cli.main import COMMANDS
from experiments.cli.main import main as capsim

DOCS = ROOT / "docs"
# Pages that must be reachable from the navigation (reference pages under docs/figures/ and
# docs/bench/ are linked from these and listed in mkdocs.yml's not_in_nav).
NAV_GLOBS = ("*.md", "guides/*.md", "tutorials/*.ipynb")


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def _nav_files(entries) -> list[str]:
    out = []
    for e in entries:
        values = e.values() if isinstance(e, dict) else [e]
        for v in values:
            out += _nav_files(v) if isinstance(v, list) else [v]
    return out


@pytest.fixture(scope="module")
def mkdocs_config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built as CI builds it (strict)."""
    return build_site(tmp_path_factory.mktemp("site") / "site")


# ------------------------------------------------------------------ the site


def test_every_docs_page_is_in_the_navigation(mkdocs_config):
    listed = set(_nav_files(mkdocs_config["nav"]))
    for pattern in NAV_GLOBS:
        for path in sorted(DOCS.glob(pattern)):
            rel = path.relative_to(DOCS).as_posix()
            title = path.stem.replace("_", " ").capitalize()
            assert rel in listed, (f"docs/{rel} is not in the site's navigation: add `- {title}: {rel}` to a "
                                   "section of `nav:` in mkdocs.yml")
    for rel in listed:
        assert (DOCS / rel).is_file() or rel in GENERATED, f"mkdocs.yml's nav names {rel}, which does not exist"


def test_site_builds_strict_with_tutorials_api_and_readme(site):
    for page in ("index.html", "getting_started.html", "guides/analysts.html", "ODD.html", "architecture.html",
                 "changelog.html", "citing.html", "api/sim.html", "api/analysis.html", "api/experiments.html",
                 "search/search_index.js"):
        assert (site / page).is_file(), f"the site has no {page}"
    first = (site / "tutorials" / "01_first_run.html").read_text(encoding="utf-8")
    assert "last-year mean" in first and "same shocks under both regimes: True" in first, \
        "the first tutorial is shown without its outputs"
    assert "Two commands" in (site / "getting_started.html").read_text(encoding="utf-8"), "README not in the site"
    api = (site / "api" / "sim.html").read_text(encoding="utf-8")
    assert "CapacityModel" in api and "sim.params" in api, "the API reference lacks the model's modules"


def test_site_loads_nothing_from_outside(site):
    """Opened offline, no page waits for a font, script, style or image from the network."""
    outside = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"'](?:https?:)?//", re.I)
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found = outside.search(text)
        assert not found, f"{page.relative_to(site)} loads {found.group(0)!r} from outside"
    assert "fonts.googleapis" not in "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.css"))


def test_api_reference_covers_every_module():
    names = modules("sim") + modules("analysis") + modules("experiments")
    files = [p for pkg in ("sim", "analysis", "experiments") for p in (ROOT / pkg).rglob("*.py")]
    assert len(names) == len(files), "a module is missing from the API reference"
    assert "sim.model" in names and "experiments.cli.docs" in names and "sim" in names


# ------------------------------------------------------------------ commands named in the docs


def _named_commands() -> dict[str, str]:
    """Every `capsim <command>` in code of the README and the site's own pages -> one file naming it."""
    found: dict[str, str] = {}
    pages = [ROOT / "README.md", DOCS / "index.md", *sorted((DOCS / "guides").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        code = "\n".join(re.findall(r"```.*?```", text, flags=re.S) + re.findall(r"`[^`\n]+`", text))
        for cmd in re.findall(r"(?:^|[\s`(])capsim ([a-z][a-z_-]*)", code, flags=re.M):
            found.setdefault(cmd, page.relative_to(ROOT).as_posix())
    for nb in sorted((DOCS / "tutorials").glob("*.ipynb")):
        for cmd in re.findall(r'capsim\(\\?"([a-z][a-z_-]*)\\?"', nb.read_text(encoding="utf-8")):
            found.setdefault(cmd, nb.relative_to(ROOT).as_posix())
    return found


def _hydra_based(cmd: str) -> bool:
    """Whether the command's options are Hydra's (a Hydra app, or a study that launches one)."""
    _help, target, is_hydra = COMMANDS[cmd]
    return is_hydra or target.startswith("experiments.studies.")


def test_every_command_named_in_the_docs_exists():
    """Each named command runs its entry point: ``--help`` for plain commands; for Hydra-based ones
    ``--cfg job`` (composes the command's config and prints it without running: Hydra's own
    ``--help`` lists every config group, about 4 s of CPU per command)."""
    named = _named_commands()
    assert {"run", "compare", "sweep", "docs"} <= set(named), f"commands not found in the docs: {sorted(named)}"
    for cmd, where in sorted(named.items()):
        assert cmd in COMMANDS, f"{where} names `capsim {cmd}`, which is not a command; commands: {', '.join(COMMANDS)}"
        args = [cmd, "--cfg", "job"] if _hydra_based(cmd) else [cmd, "--help"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            try:
                code = capsim(args)
            except SystemExit as e:
                code = e.code
        assert code in (0, None), f"`capsim {' '.join(args)}` (named in {where}) exited with {code}"
        assert out.getvalue().strip(), f"`capsim {' '.join(args)}` printed nothing"


# ------------------------------------------------------------------ the version


def test_version_is_one_number_everywhere(capsys):
    from sim.store import provenance, version

    v = _pyproject_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", v), f"pyproject.toml version {v!r} is not MAJOR.MINOR.PATCH"
    assert version() == v and provenance()["code"]["capsim"] == v, "provenance records another version"
    assert capsim(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"capsim {v}"
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == v, f"CITATION.cff says version {cff['version']}, pyproject.toml {v}"
    assert f"## [{v}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), f"CHANGELOG.md has no section for {v}"


def test_a_run_records_the_version(tmp_path):
    from sim.params import Params
    from sim.results import run
    from sim.store import read_run, write_run

    world = dict(n_areas=6, n_local_ngos=6, n_community_orgs=2, n_national_authorities=1, n_ingos=2,
                 n_un_agencies=1, n_staff=120)
    result = run(Params.from_dict({"world": world, "years": 0.1, "seed": 1}))
    meta = read_run(write_run(result, tmp_path / "run")).metadata
    assert meta["provenance"]["code"]["capsim"] == _pyproject_version()


def test_citation_file_is_cff_1_2_0():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "date-released", "license"):
        assert cff.get(key), f"CITATION.cff lacks {key}"
    assert all(a.get("name") or a.get("family-names") for a in cff["authors"]), "an author has no name"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cff["date-released"]))
