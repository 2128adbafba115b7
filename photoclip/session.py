"""One command's way to the library (cli.py runs one per command): the running service's client over its socket,
or the library opened in this process when no service runs (client.py)."""
from __future__ import annotations

import os
import sys

# Commands that start a library service check the whole catalog file first (SQLite's quick_check).
THOROUGH = {"index", "watch", "gui"}


class Session:
    """One command's way to the library: a client (client.py) of the running service's socket, or of the
    library opened in this process when no service runs."""

    def __init__(self, args):
        from .client import LocalClient
        from .models import MODEL_ENV, normalize_spec
        from .paths import AppPaths

        self.args = args
        home = getattr(args, "home", None)
        if home is not None and not str(home).strip():
            from .errors import UsageError

            raise UsageError("--home needs a folder; an empty value would silently use the per-user folders.")
        self.paths = AppPaths.resolve(home)
        requested = getattr(args, "model", None) or os.environ.get(MODEL_ENV) or None
        # Resolved here: a relative local-dir: is relative to this terminal, not to a running service's folder.
        self.requested_model = normalize_spec(requested) if requested else None
        self.switch = getattr(args, "switch_model", False)
        self.local = LocalClient(self._open_library, self.paths)

    def _open_library(self):
        from .library import Library

        lib = Library(home=getattr(self.args, "home", None), model=getattr(self.args, "model", None),
                      device=getattr(self.args, "device", None), threads=getattr(self.args, "threads", None),
                      switch_model=self.switch, thorough_check=self.args.command in THOROUGH)
        if lib.recovered:
            print(f"photoclip: {lib.recovered}", file=sys.stderr)
        wanted = lib.requested_switch
        if lib.switch_is_news(wanted):
            self.local._lib = lib
            with self.local.writing():  # loads the model and encodes a first batch, or changes nothing
                d = lib.switch_model(wanted)
            print(switch_message(d), file=sys.stderr)
        return lib

    def library(self):
        """The library opened in this process (commands that run the service themselves: index, watch, gui)."""
        return self.local.library()

    def client(self):
        """The running service's client, or the in-process one."""
        from .client import SocketClient
        from .holder import current

        state = current(self.paths)
        if state is not None and state.get("address"):
            return SocketClient(self.paths, self.requested_model, self.switch)
        return self.local

    def call(self, op: str, **params) -> dict:
        from .client import SocketClient
        from .errors import ServiceStopped

        client = self.client()
        if isinstance(client, SocketClient):
            try:
                return client.query(op, **params)
            except ServiceStopped:  # it stopped between our look and our request: answer here
                client = self.local
        return client.query(op, **params)

    def close(self) -> None:
        self.local.close()


def switch_message(d: dict) -> str:
    """What a started (or cancelled) model switch means, in one sentence."""
    if not d.get("switching_to"):
        return f"photoclip: the library uses {d['model']}; no switch is under way."
    return (f"photoclip: switching the library to {d['switching_to']}: {d['queued']} photos will be re-encoded "
            f"in the background (by photoclip index, a watch or the window); {d['model']} answers until then.")
