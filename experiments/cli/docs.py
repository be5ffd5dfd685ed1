"""`capsim docs`: the documentation site (``mkdocs.yml``), served locally or written to a folder.

``capsim docs`` serves the site on http://127.0.0.1:8000 and rebuilds it when a page changes;
``capsim docs --build DIR`` writes it into ``DIR`` (open ``DIR/index.html`` from disk: the site
needs no network and no server). Both build with MkDocs' strict mode, as CI does
(``tests/test_site.py``): a warning or a broken link stops the build. The site needs the ``docs``
extra (``pip install -e ".[docs]"``; the ``dev`` extra that ``bash bootstrap.sh`` installs includes
it). Pages made from the repository are added by :mod:`experiments.cli.docs_site`.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from experiments.cli.plain_args import OptionParser, port_number
from experiments.config import RuntimeFailure, UsageError, check_writable

__all__ = ["CONFIG_FILE", "build_site", "main"]

REPO = Path(__file__).resolve().parents[2]
CONFIG_FILE = REPO / "mkdocs.yml"


def _require_mkdocs() -> None:
    missing = [m for m in ("mkdocs", "material", "mkdocstrings", "mkdocs_jupyter") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"the documentation site needs {', '.join(missing)}, which is not installed; "
                         "allowed: install the docs extra (pip install -e \".[docs]\", or bash bootstrap.sh)")
    if not CONFIG_FILE.is_file():
        raise UsageError(f"{CONFIG_FILE} is missing; allowed: run capsim docs from a capsim source checkout")


def _quiet() -> None:
    # Material 9.7+ prints an end-of-life notice on every build; it is not about this site.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def build_site(site_dir: str | os.PathLike, strict: bool = True) -> Path:
    """Build the site into ``site_dir`` (strict: any warning or broken link fails); returns it.

    Args:
        site_dir: the folder to write (replaced if it holds an earlier build).
        strict: treat warnings as errors, as CI does.

    Raises:
        RuntimeFailure: the build stopped (the message names the first warning).
    """
    _require_mkdocs()
    _quiet()
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    site = Path(site_dir).resolve()
    warnings: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    handler = _Collect()
    logging.getLogger("mkdocs").addHandler(handler)
    try:
        build(load_config(str(CONFIG_FILE), site_dir=str(site), strict=strict))
    except (Abort, ConfigurationError) as e:
        first = warnings[0] if warnings else str(e)
        raise RuntimeFailure(f"the documentation site did not build ({len(warnings)} warnings): {first}") from None
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
    return site


def _parser() -> OptionParser:
    p = OptionParser(prog="capsim docs",
                     description="Serve the documentation site on 127.0.0.1 (rebuilt when a page changes), "
                                 "or write it to a folder with --build.")
    p.add_argument("--build", metavar="DIR", default=None,
                   help="write the site into DIR and exit (open DIR/index.html; no network or server needed)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default 8000)")
    return p


def main(argv: list[str]) -> int:
    """``capsim docs [--build DIR] [--host H] [--port P]``."""
    args = _parser().parse_args(argv)
    if args.build is not None:
        check_writable(args.build)
        site = build_site(args.build)
        print(f"capsim docs: site written to {site} (open {site / 'index.html'})")
        return 0
    _require_mkdocs()
    _quiet()
    from mkdocs.commands.serve import serve

    print(f"capsim docs: serving on http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
    serve(config_file=str(CONFIG_FILE), dev_addr=f"{args.host}:{args.port}", strict=True, livereload=True)
    return 0
