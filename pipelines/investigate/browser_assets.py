"""Serve the Neo4j Browser guide and style sheet in ``browser/`` to Neo4j Browser.

Neo4j Browser 5 (served by the local Neo4j at http://127.0.0.1:7474/browser/) fetches a remote
guide (``:play <url>``) and a remote GRASS style sheet (``:style <url>``) with ``fetch()`` from
the page itself, so the file server must

* be on a host named in the server setting ``browser.remote_content_hostname_whitelist``
  (Browser compares the URL's *hostname* only, ports are ignored; the default is
  ``guides.neo4j.com,localhost``, so ``http://localhost:<port>/`` works with no setting at all),
* answer cross-origin requests (the page's origin is ``http://127.0.0.1:7474``) including the
  CORS preflight: Browser sends ``Pragma`` and ``Cache-Control`` request headers.

Neo4j itself serves no static files (``import/`` is only for ``LOAD CSV``), hence this server.

    .venv/bin/python -m pipelines.investigate.browser_assets            # port 8001, until Ctrl-C
    # then in Neo4j Browser:
    :style http://localhost:8001/style.grass
    :play http://localhost:8001/guide.html
"""

from __future__ import annotations

import argparse
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipelines.settings import PROJECT_ROOT

BROWSER_DIR = PROJECT_ROOT / "browser"
DEFAULT_PORT = 8001
# Browser allows by hostname; "localhost" is in the default allowlist, 127.0.0.1 is not.
URL_HOST = "localhost"

NEO4J_CONF_KEYS = """\
# Neo4j Browser guide and style served by `python -m pipelines.investigate.browser_assets`
# (port 8001).
# Hostnames only (Browser ignores ports). The default is guides.neo4j.com,localhost, which
# already admits http://localhost:8001/; 127.0.0.1 is added so that URL works too.
browser.remote_content_hostname_whitelist=guides.neo4j.com,localhost,127.0.0.1
# Optional: apply the style on every connect (shows an error frame when the asset server is
# not running, so it is left out by default). Commands are separated by ';' without ':'.
# browser.post_connect_cmd=style http://localhost:8001/style.grass
"""


class _AssetHandler(SimpleHTTPRequestHandler):
    """Static files with permissive CORS (read-only, bound to loopback) and no caching."""

    extensions_map = {  # noqa: RUF012 (class attribute of the stdlib handler)
        **SimpleHTTPRequestHandler.extensions_map,
        ".grass": "text/plain; charset=utf-8",
        ".html": "text/html; charset=utf-8",
    }

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        requested = self.headers.get("Access-Control-Request-Headers")
        self.send_header("Access-Control-Allow-Headers", requested or "pragma, cache-control")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests and the CLI print what matters


def serve_browser_assets(
    port: int = DEFAULT_PORT, directory: Path | str = BROWSER_DIR
) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``directory`` (default ``browser/``) on 127.0.0.1:``port`` in a daemon thread.

    Returns the server (call ``server.shutdown(); server.server_close()`` to stop it) and the
    base URL to use in Neo4j Browser, ending with ``/`` (``http://localhost:8001/``). ``port=0``
    picks a free port.
    """
    handler = functools.partial(_AssetHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="browser-assets", daemon=True)
    thread.start()
    return server, f"http://{URL_HOST}:{server.server_address[1]}/"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    server, url = serve_browser_assets(args.port)
    print(f"Serving {BROWSER_DIR} at {url} (Ctrl-C to stop). In Neo4j Browser run:")
    print(f"  :style {url}style.grass")
    print(f"  :play {url}guide.html")
    print("neo4j.conf keys:\n" + NEO4J_CONF_KEYS)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
