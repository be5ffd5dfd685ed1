"""The documentation site's pages that are made from the repository, as MkDocs hooks (``mkdocs.yml``).

The site (``capsim docs``, :mod:`experiments.cli.docs`) is built from ``docs/`` as it is, plus
pages that must not be copied by hand, so they cannot drift:

* ``getting_started.md``: ``README.md``, with its links into ``docs/`` made relative to the site;
* ``changelog.md``: ``CHANGELOG.md``; ``citing.md``: how to cite, with ``CITATION.cff`` verbatim;
* ``api/<package>.md``: the API reference of ``sim``, ``analysis`` and ``experiments``, one
  mkdocstrings block per module found on disk (a new module appears without editing anything).

It also keeps the site free of outside requests (:func:`on_config`).

:data:`GENERATED` names them for the navigation check in ``tests/test_site.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

REPO = Path(__file__).resolve().parents[2]
API_PACKAGES = ("sim", "analysis", "experiments")
API_TITLES = {"sim": "The model (sim)", "analysis": "Analysis (analysis)", "experiments": "Commands and runs (experiments)"}
GENERATED = ("getting_started.md", "changelog.md", "citing.md", *(f"api/{p}.md" for p in API_PACKAGES))

__all__ = ["REPO", "API_PACKAGES", "GENERATED", "modules", "readme_page", "api_page", "citing_page", "on_config", "on_files"]


def modules(package: str) -> list[str]:
    """Dotted names of a package's modules, package first, in file order (``__init__`` as the package)."""
    root = REPO / package
    names = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return sorted(set(names), key=lambda n: (n.count(".") > 0, n))


def readme_page(text: str) -> str:
    """README.md as the site's getting-started page: links into ``docs/`` become site links."""
    return re.sub(r"\]\(docs/", "](", text)


def api_page(package: str) -> str:
    """The API reference of one package: its modules' docstrings, classes and functions."""
    lines = [f"# {API_TITLES[package]}", "",
             f"Generated from the docstrings of every module under `{package}/` "
             "(what each module owns: [Architecture](../architecture.md)).", ""]
    for name in modules(package):
        lines += [f"## `{name}`", "", f"::: {name}", "    options:", "      show_root_heading: false",
                  "      heading_level: 3", ""]
    return "\n".join(lines)


def citing_page(citation: str) -> str:
    """How to cite capsim: the version, and CITATION.cff as it is in the repository."""
    return "\n".join([
        "# Citing capsim", "",
        "Cite the version your results came from. `capsim --version` prints it; every run's "
        "`metadata.json` and every sweep's `sweep.json` record it under `provenance.code.capsim`, "
        "next to the git commit and whether the working tree was modified. What changed between "
        "versions, and which findings moved, is in the [Changelog](changelog.md).", "",
        "`CITATION.cff` ([Citation File Format](https://citation-file-format.github.io/) 1.2.0):", "",
        "```yaml", citation.rstrip(), "```", ""])


def on_config(config):
    """MkDocs hook: the site loads nothing from outside.

    Material's offline plugin (its search index inlined into ``search/search_index.js``) also adds a
    script from a CDN that lets search run in a page opened from disk; without a network that
    script cannot load (and a page waits for it), so it is left out: pages opened from disk work
    without search, and search works when the site is served (``capsim docs``, no network needed).
    """
    polyfills = config.extra.get("polyfills", [])
    config.extra["polyfills"] = [u for u in polyfills if not re.match(r"(https?:)?//", str(u))]
    return config


def on_files(files, config):
    """MkDocs hook: add the generated pages to the site's files."""
    pages = {
        "getting_started.md": readme_page((REPO / "README.md").read_text(encoding="utf-8")),
        "changelog.md": (REPO / "CHANGELOG.md").read_text(encoding="utf-8"),
        "citing.md": citing_page((REPO / "CITATION.cff").read_text(encoding="utf-8")),
        **{f"api/{p}.md": api_page(p) for p in API_PACKAGES},
    }
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files
