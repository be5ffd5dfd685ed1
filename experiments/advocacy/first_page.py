"""The donor page's first page: something to read within a second of `capsim dashboard` starting.

The interactive page needs Solara, the model and a pool of workers, which take several seconds to
import and start (docs/dashboard.md, "Measured update time"). Meanwhile :class:`FirstPage` answers
every request on the page's own address with one static page: what the page is, that the
interactive page is on its way, and what each lever did in earlier measurements (the committed
lever table, the same sentences the interactive page shows while it simulates the status quo).
When the interactive page is ready, :meth:`FirstPage.handover` stops answering and gives the
listening socket to Solara's server, so the address never changes and no request is refused; the
first page asks the address every quarter of a second and reloads itself once Solara answers.

Only the standard library is imported here: the first page must not wait for the imports it
stands in for. It makes no outside request (no script, style or font from elsewhere).
"""

from __future__ import annotations

import csv
import html
import socket
import threading
from pathlib import Path

__all__ = ["FirstPage", "MARK", "lever_sentences", "first_page_html"]

TABLE = Path(__file__).resolve().parent / "lever_effects.csv"  # the committed lever table (`capsim levers`, explain.py)
MARK = "X-Capsim-First-Page"  # a header on the first page's answers: the page reloads once an answer lacks it
TABLE_HEADLINE = "people_weeks_met"  # the lever table the pages show: each move's effect on people with needs met
_POLL_MS = 250
_READ_TIMEOUT_S = 2.0


def lever_sentences(path: Path | str = TABLE) -> list[str]:
    """Each measured lever move's sentence about people with their needs met, in the table's order
    ([] when the table has not been made: `capsim levers`)."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [row["sentence"] for row in csv.DictReader(f) if row["headline"] == TABLE_HEADLINE]


def first_page_html(sentences: list[str], years: float, replicates: int) -> bytes:
    """The first page: its title, what is being prepared, and the measured lever table."""
    items = "\n".join(f"<li>{html.escape(s)}</li>" for s in sentences) or (
        "<li>No earlier measurements are on this machine (`capsim levers` makes them).</li>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>capsim: what your funding rules do for people in a crisis</title>
<link rel="icon" href="data:,">
<style>
 body {{ font-family: Roboto, Arial, sans-serif; margin: 16px 32px; max-width: 1100px; color: #222; }}
 .capsim-first-note {{ background: #e3f2fd; padding: 10px 14px; border-radius: 4px; margin: 12px 0; }}
 li {{ font-size: 0.9em; margin-bottom: 6px; }}
</style></head>
<body>
<h1>What your funding rules do for people in a crisis</h1>
<p>Your rules against the status quo in a made-up country, in the same simulated crises. Results are
exploratory: no study has yet measured these ways of working against each other.</p>
<div class="capsim-first-note" id="capsim-first-note">The page with the levers is starting (a few seconds);
it will then simulate the status quo ({replicates} crises of {years:g} years). This page switches to it by
itself. Meanwhile, what each lever did in earlier measurements:</div>
<ul class="capsim-first-table">
{items}
</ul>
<script>
(function () {{
  var failures = 0;
  function poll() {{
    fetch(window.location.pathname, {{cache: "no-store"}}).then(function (r) {{
      if (!r.headers.get("{MARK}")) {{ window.location.reload(); return; }}
      failures = 0; setTimeout(poll, {_POLL_MS});
    }}).catch(function () {{
      failures += 1;
      if (failures >= 8) {{
        document.getElementById("capsim-first-note").textContent =
          "The page's server has stopped: see the terminal where it was started.";
        return;
      }}
      setTimeout(poll, {_POLL_MS});
    }});
  }}
  setTimeout(poll, {_POLL_MS});
}})();
</script>
</body></html>
""".encode()


class FirstPage:
    """Answers every request on a listening socket with one static page until :meth:`handover`.

    Args:
        sock: the page's bound, listening socket (the server that takes over listens on it after).
        body: the page (``first_page_html``).
    """

    def __init__(self, sock: socket.socket, body: bytes):
        self.sock = sock
        self.body = body
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="capsim-first-page", daemon=True)

    def start(self) -> "FirstPage":
        self._thread.start()
        return self

    def handover(self) -> socket.socket:
        """Stop answering (connections already accepted are answered) and return the listening socket,
        blocking again, for the server that takes over."""
        self._stop.set()
        self._thread.join()
        self.sock.settimeout(None)
        return self.sock

    def close(self) -> None:
        """Stop answering and close the socket (the command ended before a server took it over)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.sock.close()

    def _accept(self) -> None:
        self.sock.settimeout(0.05)  # wake up to see whether to stop
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:  # the socket was closed: nothing more to answer
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(_READ_TIMEOUT_S)
            request = b""
            try:
                while b"\r\n\r\n" not in request and len(request) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                method, path = (request.split(b"\r\n", 1)[0].split(b" ") + [b"", b""])[:2]
                found = method in (b"GET", b"HEAD") and path.split(b"?", 1)[0] in (b"/", b"")
                body = self.body if found else b"Not found\n"
                head = (f"HTTP/1.1 {'200 OK' if found else '404 Not Found'}\r\n"
                        f"Content-Type: {'text/html' if found else 'text/plain'}; charset=utf-8\r\n"
                        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n{MARK}: 1\r\n"
                        "Connection: close\r\n\r\n").encode()
                conn.sendall(head if method == b"HEAD" else head + body)
            except OSError:  # the browser went away or sent nothing in time
                return
