"""A local stand-in for the model hub: enough of its HTTP interface (HEAD and GET of
/{repo}/resolve/{revision}/{file}, byte ranges, the commit and ETag headers) for huggingface_hub's client to
download from it as from the real one.  Point HF_ENDPOINT (or huggingface_hub.constants.ENDPOINT) at `url`."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class HubStandIn:
    def __init__(self, repos: dict[str, dict[str, bytes]], chunk_delay: float = 0.0, chunk: int = 64 * 1024):
        self.repos = repos
        self.chunk_delay = chunk_delay  # seconds between chunks: a slow network, so a stop lands mid-file
        self.chunk = chunk
        self.corrupt: set[str] = set()  # file names served with their bytes changed (not what the ETag says)
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Range header)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def _find(self):
                m = re.match(r"^/(.+)/resolve/([^/]+)/(.+)$", self.path.split("?")[0])
                if not m or m.group(1) not in hub.repos or m.group(3) not in hub.repos[m.group(1)]:
                    return None, None
                return m.group(3), hub.repos[m.group(1)][m.group(3)]

            def _headers(self, name, data, status=200, start=0):
                self.send_response(status)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(data) - start))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()

            def _missing(self):
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("X-Error-Message", "Entry not found")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_HEAD(self):  # noqa: N802
                hub.requests.append(("HEAD", self.path, None))
                name, data = self._find()
                if name is None:
                    return self._missing()
                self._headers(name, data)

            def do_GET(self):  # noqa: N802
                rng = self.headers.get("Range")
                hub.requests.append(("GET", self.path, rng))
                name, data = self._find()
                if name is None:
                    return self._missing()
                start = int(re.match(r"bytes=(\d+)-", rng).group(1)) if rng else 0
                body = data if name not in hub.corrupt else bytes(b ^ 0x5A for b in data)
                self._headers(name, data, 206 if start else 200, start)
                try:
                    for i in range(start, len(body), hub.chunk):
                        self.wfile.write(body[i:i + hub.chunk])
                        self.wfile.flush()
                        if hub.chunk_delay:
                            time.sleep(hub.chunk_delay)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "HubStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def toy_files() -> dict[str, bytes]:
    """The files of the small model that ships in the package: what the stand-in serves."""
    toy = os.path.join(os.path.dirname(__file__), "..", "photoclip", "data", "toyclip")
    return {name: open(os.path.join(toy, name), "rb").read() for name in os.listdir(toy)}


@contextlib.contextmanager
def hub_client_at(url: str, chunk: int | None = None):
    """Point huggingface_hub's client at `url` (and, given `chunk`, photoclip's downloader at that many bytes a
    read), online, for the duration; everything is as it was afterwards."""
    import huggingface_hub.constants as hub

    from photoclip import download

    saved = (hub.ENDPOINT, hub.HUGGINGFACE_CO_URL_TEMPLATE, hub.HF_HUB_OFFLINE, download.CHUNK)
    hub.HUGGINGFACE_CO_URL_TEMPLATE = hub.HUGGINGFACE_CO_URL_TEMPLATE.replace(hub.ENDPOINT, url)
    hub.ENDPOINT, hub.HF_HUB_OFFLINE = url, False
    if chunk is not None:
        download.CHUNK = chunk
    try:
        yield
    finally:
        hub.ENDPOINT, hub.HUGGINGFACE_CO_URL_TEMPLATE, hub.HF_HUB_OFFLINE, download.CHUNK = saved
