"""`capsim dashboard`: serve the donor page (``experiments/advocacy/dashboard.py``) until Ctrl+C.

The command binds the page's address first and answers on it at once with the first page
(``experiments/advocacy/first_page.py``: the measured lever table, within a second), then imports
Solara and the model, warms the worker pool and hands the same listening socket to Solara's
server: the address never changes, and the first page reloads itself into the interactive one.
Nothing heavy is imported before the first page answers.

Run ``capsim dashboard [--host 127.0.0.1] [--port 8765] [--years 5] [--replicates 3]
[--seed 0] [--jobs N] [overrides]``; the server listens on 127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import warnings

from experiments.advocacy.first_page import FirstPage, first_page_html, lever_sentences
from experiments.config import UsageError, fail
from experiments.cli.plain_args import OptionParser, port_number, positive_float, positive_int, seed_number

__all__ = ["main", "configure_solara"]


def _parser() -> OptionParser:
    p = OptionParser(prog="capsim dashboard",
                     description="Serve the donor-incentives page (levers a donor controls vs the status quo).")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)")
    p.add_argument("--port", type=port_number, default=8765, help="port (default 8765; 0 = any free port)")
    p.add_argument("--years", type=positive_float("--years", 100.0), default=5.0,
                   help="horizon of each live run in years (default 5)")
    p.add_argument("--replicates", type=positive_int("--replicates", 50), default=3,
                   help="paired runs per side in the live view (default 3)")
    p.add_argument("--seed", type=seed_number, default=0, help="base seed of the paired runs (default 0)")
    p.add_argument("--jobs", type=positive_int("--jobs", 64), default=None,
                   help="worker processes for runs (default: one per replicate, up to twice the number of cores)")
    p.add_argument("overrides", nargs="*", help="Hydra overrides for every run, e.g. world.n_areas=20")
    return p


def listen(host: str, port: int) -> socket.socket:
    """The page's listening socket on ``host:port``; a busy port or a bad address ends here in one line."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        fail(f"--host = {host!r} is not an address of this machine ({e.strerror}); allowed: e.g. 127.0.0.1 or 0.0.0.0")
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
        sock.listen(128)
    except OSError as e:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {e.strerror}; allowed: a free port (--port) on an address of "
             "this machine (--host)", 1)
    return sock


def main(args: list[str]) -> int:
    """``capsim dashboard``: check the options, answer with the first page, warm the status quo, serve the page
    until Ctrl+C."""
    opts = _parser().parse_args(args)
    bad = [o for o in opts.overrides if "=" not in o]
    if bad:
        raise UsageError(f"{bad[0]!r} is not an override; allowed: key=value (e.g. world.n_areas=20)")
    sock = listen(opts.host, opts.port)
    port = sock.getsockname()[1]
    first = FirstPage(sock, first_page_html(lever_sentences(), opts.years, opts.replicates)).start()
    print(f"capsim dashboard: serving on http://{opts.host}:{port} (Ctrl+C to stop); the page with the levers is "
          "starting ...", flush=True)

    try:
        return _serve_page(first, opts, port)
    finally:
        first.close()  # when the command ends before Solara's server took the socket (a bad override)


def _serve_page(first: FirstPage, opts, port: int) -> int:
    """Check the settings, warm the status quo and serve the interactive page on the first page's socket."""
    from experiments.advocacy.levers import STATUS_QUO, package_params
    from experiments.advocacy.live import ENV_SETTINGS, LiveSettings, page_workers, engine
    from experiments.config import quiet_mesa
    from sim.params import ConfigError

    jobs = opts.jobs or page_workers(opts.replicates)
    settings = LiveSettings(years=opts.years, replicates=opts.replicates, seed=opts.seed, jobs=jobs,
                            overrides=tuple(opts.overrides))
    try:  # the status quo now (a bad override ends here in one line); the other packages while the page warms
        package_params(STATUS_QUO, settings.package_overrides)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    os.environ[ENV_SETTINGS] = settings.to_env()
    quiet_mesa()
    eng = engine()
    _use_standin(eng)
    print(f"capsim dashboard: live view runs {settings.replicates} paired runs x {settings.years:g} years "
          f"({jobs} worker process{'es' if jobs > 1 else ''}); the status quo is being prepared ...", flush=True)
    # The page answers as soon as Solara's server takes the socket (levers, the measured lever table); the
    # status quo is prepared meanwhile and the first visitor's update waits for it instead of running it twice.
    warming = eng.warm_in_background(lambda secs: print(f"capsim dashboard: status quo ready in {secs:.1f}s",
                                                        flush=True))
    # uvicorn stops gracefully on SIGTERM and then re-raises it: end with exit code 0 through the
    # `finally` below, so the worker pool is shut down instead of the process dying mid-way.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        _serve(first, opts.host, port)
    finally:
        warming.join(timeout=60)
        eng.shutdown()
    return 0


def _use_standin(eng) -> None:
    """Give the page the committed stand-in (``capsim standin``), or say in its details why there is none."""
    from experiments.advocacy import standin

    try:
        stand = standin.load()
    except (ValueError, KeyError) as e:  # fitted on other levers: the page runs without estimates
        eng.use_standin(None, str(e))
        return
    eng.use_standin(stand, "" if stand is not None else "the stand-in has not been fitted (`capsim standin`)")


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


def configure_solara() -> None:
    """Solara's settings for this page: production mode, no telemetry, and no fetch from a public CDN.

    Solara serves its front-end files under ``/_solara/cdn`` from a local folder (filled by
    ``solara-assets``); for a file that folder lacks, its server fetches the file from
    ``solara.settings.assets.cdn``, a public CDN by default (a DNS lookup, and no timeout on a slow
    network). Pointing that setting at the local folder itself (a ``file:`` address, which the
    server's HTTP client refuses at once) turns a missing file into a 404 with no outside request.
    The page asks for no such file: it renders its words as HTML, not with ``solara.Markdown``.
    """
    import solara.settings
    from solara.server import settings as server_settings

    server_settings.main.mode = "production"
    server_settings.telemetry.mixpanel_enable = False
    solara.settings.assets.cdn = server_settings.assets.proxy_cache_dir.resolve().as_uri() + "/"


def _serve(first: FirstPage, host: str, port: int) -> None:
    """Run Solara's server in this process (production mode, no telemetry, no version check) on the first page's
    socket, once its app is loaded."""
    os.environ["SOLARA_APP"] = "experiments.advocacy.dashboard"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    import uvicorn

    # Solara warns on every page load that a plain-http server cannot set samesite=none cookies;
    # the page is served over http on purpose (loopback by default) and falls back to samesite=lax.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    configure_solara()
    config = uvicorn.Config("solara.server.starlette:app", host=host, port=port, log_level="warning",
                            access_log=False)
    config.load()  # Solara and the page imported while the first page still answers
    server = uvicorn.Server(config)
    server.run(sockets=[first.handover()])
    if not server.started:
        fail(f"the web server could not start on {host}:{port}", 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
