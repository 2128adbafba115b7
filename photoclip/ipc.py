"""The service's local socket: one small JSON request and one JSON answer per connection.

`multiprocessing.connection` does the framing and the authentication (an HMAC challenge with the library's
key, which only the user can read) on a Unix socket in the user's runtime folder (mode 0600, in a 0700
folder) or a Windows named pipe; nothing listens on a network port.  Messages are JSON bytes, never pickles,
so even an authenticated peer can only ask, not run code.  Paths that are not valid UTF-8 cross as JSON
surrogate escapes and arrive unchanged.

Request: {"v": 1, "op": NAME, "params": {...}, "model": SPEC|null, "switch_model": BOOL}
Answer:  {"ok": true, "data": {...}} or {"ok": false, "error": "one sentence", "usage": BOOL}

The request {"op": "events"} is a subscription: the answer {"ok": true, "data": {"subscribed": true}} is
followed by one message per event (events.py) on the same connection until either side closes it.  Each
stream has a thread of its own (at most STREAMS at once); a subscriber that stops reading fills its socket
and then its bounded buffer in the hub, and loses events (counted), never slowing the service.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener, answer_challenge, deliver_challenge
from typing import Callable

from . import holder
from .paths import AppPaths
from .errors import PhotoclipError

log = logging.getLogger(__name__)

PROTOCOL = 1
MAX_MESSAGE = 64 * 1024 * 1024
# A peer has this long to authenticate and send its request (and the service to authenticate itself to a
# client): one that connects and goes quiet is dropped, never waited for.
RECEIVE_TIMEOUT_S = 5.0
READERS = 16  # connections authenticating or sending at once; answers are worked on a pool of their own
STREAMS = 32  # event subscribers at once
STREAM_DRAIN_S = 2.0  # at stop, how long a subscriber gets to read the events still buffered for it


class ServiceUnavailable(PhotoclipError):
    """str(e) is one sentence for the user."""


class RemoteError(PhotoclipError):
    """The service answered with an error; str(e) is its sentence, `usage` its kind."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


def encode(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=True).encode("ascii")


def decode(data: bytes) -> dict:
    return json.loads(data.decode("ascii"))


class Server:
    """Accepts connections on a thread; each peer authenticates and sends its request on a reader thread
    (bounded, with a receive timeout, so a silent or slow peer holds a reader for RECEIVE_TIMEOUT_S at most and
    never the accept loop), and requests are answered on a small fixed pool (bounded threads and catalog
    connections; two clients at once never wait for each other's slow search)."""

    def __init__(self, paths: AppPaths, handle: Callable[[dict], dict], workers: int = 4,
                 subscribe: Callable[[], object] | None = None):
        self.paths = paths
        self.handle = handle
        self.subscribe = subscribe  # a new events.Subscription, for {"op": "events"}
        self._streams: dict[threading.Thread, object] = {}  # stream thread -> its connection
        self._streams_lock = threading.Lock()
        self.family, self.address = paths.service_address
        self._listener: Listener | None = None
        self._key = b""
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="photoclip-ipc-read")
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="photoclip-ipc")
        self._reading = threading.BoundedSemaphore(READERS)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> "Server":
        self._key = holder.auth_key(self.paths)
        if self.family == "AF_UNIX":
            folder = os.path.dirname(self.address)
            os.makedirs(folder, mode=0o700, exist_ok=True)
            with contextlib.suppress(OSError):
                os.chmod(folder, 0o700)
            # We hold the library's lock, so a socket file here was left by a service that crashed.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.address)
        # No authkey here: the challenge runs on a reader thread, with a timeout, not inside accept().
        self._listener = Listener(self.address, family=self.family)
        if self.family == "AF_UNIX":
            os.chmod(self.address, 0o600)
        self._thread = threading.Thread(target=self._accept_loop, name="photoclip-ipc-accept", daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn = self._listener.accept()
            except Exception as e:  # the listener closing, or a peer that vanished at once
                if self._stopping.is_set():
                    return
                log.debug("accept failed: %s", e)
                continue
            if self._stopping.is_set():
                conn.close()
                return
            if not self._reading.acquire(blocking=False):  # every reader busy: refuse rather than queue
                conn.close()
                continue
            self._readers.submit(self._read, conn)

    def _read(self, conn) -> None:
        """On a reader: authenticate the peer and read its request, each bounded in time; then answer it on
        the pool."""
        try:
            set_receive_timeout(conn, RECEIVE_TIMEOUT_S)
            deliver_challenge(conn, self._key)
            answer_challenge(conn, self._key)
            data = conn.recv_bytes(MAX_MESSAGE)
        except Exception as e:  # a peer without the key, a silent one, or one that hung up
            log.debug("dropped a connection: %s", e)
            conn.close()
            return
        finally:
            self._reading.release()
        if self.subscribe is not None and _is_subscription(data):
            self._start_stream(conn)
            return
        try:
            self._pool.submit(self._serve, conn, data)
        except RuntimeError:  # stopping
            conn.close()

    def _start_stream(self, conn) -> None:
        with self._streams_lock:
            if self._stopping.is_set() or len(self._streams) >= STREAMS:
                with contextlib.suppress(OSError):
                    conn.send_bytes(encode({"ok": False, "error": "The service has as many event subscribers as "
                                                                  "it takes; close one and try again."}))
                conn.close()
                return
            thread = threading.Thread(target=self._stream, args=(conn, self.subscribe()),
                                      name="photoclip-ipc-events", daemon=True)
            self._streams[thread] = conn
        thread.start()

    def _stream(self, conn, subscription) -> None:
        try:
            conn.send_bytes(encode({"ok": True, "data": {"subscribed": True}}))
            for event in subscription:
                conn.send_bytes(encode(event))
        except (OSError, EOFError, ValueError):  # the subscriber went away (or stop() cut it off)
            pass
        finally:
            subscription.close()
            conn.close()
            with self._streams_lock:
                self._streams.pop(threading.current_thread(), None)

    def end_streams(self, timeout: float = STREAM_DRAIN_S) -> None:
        """After the hub closed: each subscriber gets `timeout` seconds to read what is left; one that does not
        read is cut off."""
        deadline = time.monotonic() + timeout
        with self._streams_lock:
            streams = dict(self._streams)
        for thread, conn in streams.items():
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                _shut(conn)
                thread.join(1.0)

    def _serve(self, conn, data: bytes) -> None:
        with conn:
            try:
                answer = self.handle(decode(data))
            except Exception as e:  # never let one bad request end the server, nor show its insides
                log.exception("service request failed")
                answer = {"ok": False, "error": f"The service could not answer that request ({type(e).__name__}: "
                                                f"{str(e)[:200]}); its log has the details."}
            with contextlib.suppress(OSError):
                conn.send_bytes(encode(answer))

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            # accept() does not wake when its socket closes on every OS: knock once so it sees the flag.
            with contextlib.suppress(Exception):
                if self.family == "AF_UNIX":
                    with socket.socket(socket.AF_UNIX) as s:
                        s.settimeout(1)
                        s.connect(self.address)
                else:  # pragma: no cover - Windows
                    Client(self.address, family=self.family).close()
            if self._thread is not None:
                self._thread.join(5)
            with contextlib.suppress(Exception):
                self._listener.close()
            self._listener = None
        self._readers.shutdown(wait=True, cancel_futures=True)  # each read ends within RECEIVE_TIMEOUT_S
        self._pool.shutdown(wait=True, cancel_futures=False)


def _is_subscription(data: bytes) -> bool:
    try:
        return decode(data).get("op") == "events"
    except (ValueError, AttributeError):
        return False


def _shut(conn) -> None:
    """Wake a thread blocked sending on `conn` (a full socket) by shutting the socket down under it."""
    if os.name == "nt":  # pragma: no cover - a pipe: closing it is what there is
        with contextlib.suppress(OSError):
            conn.close()
        return
    with contextlib.suppress(OSError, ValueError):
        s = socket.socket(fileno=os.dup(conn.fileno()))
        try:
            s.shutdown(socket.SHUT_RDWR)
        finally:
            s.close()


def set_receive_timeout(conn, seconds: float | None) -> None:
    """A receive on `conn` (a Unix-socket Connection) fails with an OSError after `seconds` of silence; None
    waits forever.  Windows pipes are left as they are."""
    if os.name == "nt":  # pragma: no cover
        return
    sec = int(seconds or 0)
    usec = int(((seconds or 0) - sec) * 1e6)
    s = socket.socket(fileno=os.dup(conn.fileno()))
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", sec, usec))
    finally:
        s.close()


def call(paths: AppPaths, op: str, params: dict, *, model: str | None = None, switch_model: bool = False,
         timeout: float | None = None) -> dict | None:
    """Ask the running service; None when no process holds the library (the caller works in-process)."""
    conn, state = _connect(paths)
    if conn is None:
        return None
    with conn:
        conn.send_bytes(encode({"v": PROTOCOL, "op": op, "params": params, "model": model,
                                "switch_model": switch_model}))
        if timeout is not None and not conn.poll(timeout):
            raise ServiceUnavailable(f"{holder.describe(state).capitalize()} did not answer within {timeout:g}s.")
        try:
            answer = decode(conn.recv_bytes(MAX_MESSAGE))
        except EOFError:
            raise ServiceUnavailable(f"{holder.describe(state).capitalize()} closed the connection "
                                     "without answering.") from None
    if not answer.get("ok"):
        raise RemoteError(answer.get("error", "The service refused the request."), bool(answer.get("usage")))
    return answer["data"]


def subscribe(paths: AppPaths):
    """The running service's events (an EventStream of dicts) until it stops (its last event is "stopped") or
    the caller closes the stream; None when no process holds the library."""
    conn, state = _connect(paths)
    if conn is None:
        return None
    try:
        conn.send_bytes(encode({"v": PROTOCOL, "op": "events", "params": {}}))
        answer = decode(conn.recv_bytes(MAX_MESSAGE))
    except (OSError, EOFError) as e:
        conn.close()
        raise ServiceUnavailable(f"{holder.describe(state).capitalize()} did not accept a subscription ({e}).") \
            from None
    if not answer.get("ok"):
        conn.close()
        raise RemoteError(answer.get("error", "The service refused the subscription."))
    return EventStream(conn)


class EventStream:
    """A subscription over the socket: iterate it for the events; `close()` from any thread ends the iteration."""

    def __init__(self, conn):
        self._conn = conn
        self.closed = False

    def __iter__(self):
        try:
            while not self.closed:
                try:
                    event = decode(self._conn.recv_bytes(MAX_MESSAGE))
                except (EOFError, OSError):  # the service ended without a word (killed), or close() was called
                    if not self.closed:
                        yield {"event": "stopped", "seq": None}
                    return
                yield event
                if event.get("event") == "stopped":
                    return
        finally:
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            _shut(self._conn)  # wakes a reader blocked in recv on another thread
            with contextlib.suppress(OSError):
                self._conn.close()


def _connect(paths: AppPaths, patience: float = 5.0):
    """(connection, holder state), or (None, None) when nobody holds the library.  A holder that is starting
    (or that replaced one that crashed) may not answer yet, or its state file may still name the old socket:
    wait a little for it rather than fail."""
    deadline = time.monotonic() + patience
    while True:
        state = holder.current(paths)
        if state is None or not state.get("address"):
            return None, None
        try:
            conn = Client(state["address"], family=state.get("family", "AF_UNIX"))
        except OSError as e:
            if time.monotonic() >= deadline:
                raise ServiceUnavailable(f"{holder.describe(state).capitalize()} holds this library but does not "
                                         f"answer ({e.strerror or e}); wait a moment, or stop it.") from None
            time.sleep(0.1)
            continue
        try:  # the same challenges as Client(authkey=...), bounded in time: a hung service is not waited for
            set_receive_timeout(conn, RECEIVE_TIMEOUT_S)
            answer_challenge(conn, holder.auth_key(paths))
            deliver_challenge(conn, holder.auth_key(paths))
            set_receive_timeout(conn, None)
        except (OSError, EOFError, AuthenticationError) as e:
            conn.close()
            raise ServiceUnavailable(f"{holder.describe(state).capitalize()} holds this library but did not "
                                     f"complete the handshake ({e}); wait a moment, or stop it.") from None
        return conn, state
