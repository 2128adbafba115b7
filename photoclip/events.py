"""What the library service tells its clients, as JSON-ready dicts, and the hub that hands them out.

Every event is a dict with "event" (its kind) and "seq" (a number that grows by one per event the service
publishes, so a subscriber can tell it missed some).  The kinds and their fields (README, "Events"):

    indexed   id, path, taken, albums[, duration]   a new photo is searchable (albums: the smart albums it is
                                          in; duration: a video's length in seconds)
    moved     id, path, from, taken, albums[, duration]   a known photo was moved or renamed; it keeps its
                                          vector and tags
    removed   id, path                    a photo left the library (deleted, moved out, or its folder removed)
    failed    id, path, reason            a file was skipped; reason is one sentence
    albums    albums: [{name, count}]     album membership or the albums themselves changed
    folders   folders: [{path, online}]   folders were added or removed, or went offline or came back
    progress  done, total, rate, eta, pending, reencode   indexing (or re-encoding for a new model)
    text      id, path, state, lines, count, pending   the text stage read a photo (state: read, skipped,
                                          failed; lines: how many); id and path are null for a batch of `count`
                                          photos the indexer's first look found without text
    faces     id, path, state, faces, people, pending   the faces stage looked at a photo (state: looked, failed)
    people    people, faces, unsorted      people changed (a clustering pass, or the user's word)
    places    looked, placed, pending      the places stage read a batch of positions and metadata
    frames    id, path, state, frames, pending   the video stage sampled a video's frames (state: sampled, failed)
    idle      pending                     nothing left to do for now
    paused / resumed                      indexing was paused or resumed (by anyone)
    model     model                       the library now uses this model
    notice    message                     something the user should know, one sentence
    error     message, fatal              something failed; fatal: indexing cannot go on
    pending   pending                     the number of photos waiting to be indexed changed
    stopped                               the service stopped; no more events follow
    overflow  dropped                     this subscriber read too slowly and missed `dropped` events

The hub never blocks the service: each subscriber has a bounded buffer; when it is full, newer events are
dropped for that subscriber alone and counted, and the next event it reads is an "overflow" event.
"""
from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

from . import ops

BUFFER = 10_000  # events kept per subscriber before it starts to miss them


def _overflow(dropped: int) -> dict:
    return {"event": "overflow", "dropped": dropped, "seq": None}


class Subscription:
    """One subscriber's bounded buffer.  Iterate it (or call `get`) on the subscriber's thread."""

    def __init__(self, hub: "EventHub", maxsize: int):
        self._hub = hub
        self._buffer: collections.deque[dict] = collections.deque()
        self._maxsize = maxsize
        self._dropped = 0
        self._cond = threading.Condition()
        self.closed = False

    def offer(self, event: dict) -> None:  # the publisher's thread: never blocks
        with self._cond:
            if self.closed:
                return
            if len(self._buffer) >= self._maxsize:
                self._dropped += 1
                return
            if self._dropped:  # the gap is said where it happened, before the events after it
                self._buffer.append(_overflow(self._dropped))
                self._dropped = 0
            self._buffer.append(event)
            self._cond.notify()

    def get(self, timeout: float | None = None) -> dict | None:
        """The next event, or None after `timeout` seconds without one (or once closed)."""
        with self._cond:
            if not self._buffer and not self._dropped and not self.closed:
                self._cond.wait(timeout)
            if self._buffer:
                return self._buffer.popleft()
            if self._dropped:
                dropped, self._dropped = self._dropped, 0
                return _overflow(dropped)
            return None

    def __iter__(self):
        """Every event until the subscription is closed and what it held was read."""
        while True:
            ev = self.get(None)  # close() wakes it
            if ev is not None:
                yield ev
            elif self.closed:
                return

    def close(self) -> None:
        """No more events arrive; those already buffered can still be read."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()
        self._hub._remove(self)


class EventHub:
    def __init__(self):
        self._lock = threading.Lock()
        self._subscribers: list[Subscription] = []
        self.seq = 0

    def __len__(self) -> int:
        """Subscribers now."""
        with self._lock:
            return len(self._subscribers)

    def subscribe(self, maxsize: int = BUFFER) -> Subscription:
        sub = Subscription(self, maxsize)
        with self._lock:
            self._subscribers.append(sub)
        return sub

    def publish(self, event: dict) -> None:
        with self._lock:
            self.seq += 1
            event = {**event, "seq": self.seq}
            subscribers = list(self._subscribers)
        for sub in subscribers:
            sub.offer(event)

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def close(self) -> None:
        """The service stops: subscribers get a last "stopped" event, then their iteration ends."""
        self.publish({"event": "stopped"})
        with self._lock:
            subscribers, self._subscribers = self._subscribers, []
        for sub in subscribers:
            sub.close()


@dataclass
class LiveEvent:
    """What the service reports: progress counts, notices for the user, state changes, and what happened to
    photos, albums and folders.  `as_json()` is the event as clients receive it (events.py lists the kinds)."""
    kind: str  # progress | notice | changed | idle | error | paused | resumed | model | indexed | moved | ...
    progress: object = None  # indexer.Progress
    message: str = ""
    pending: int = 0
    fatal: bool = False  # indexing cannot go on (the model cannot load)
    data: dict | None = None  # the fields of a photo, albums or folders event

    def as_json(self) -> dict:
        if self.data is not None:
            return {"event": self.kind, **self.data}
        if self.kind == "progress":
            p = self.progress
            eta = getattr(p, "eta", None)
            return {"event": "progress", "done": getattr(p, "done", 0), "total": getattr(p, "total", 0),
                    "rate": round(getattr(p, "rate", 0.0), 2), "eta": None if eta is None else round(eta, 1),
                    "pending": self.pending, "reencode": self.message == "reencode"}
        if self.kind == "changed":
            return {"event": "pending", "pending": self.pending}
        if self.kind == "idle":
            return {"event": "idle", "pending": self.pending}
        if self.kind == "model":
            return {"event": "model", "model": self.message}
        if self.kind == "error":
            return {"event": "error", "message": self.message, "fatal": self.fatal}
        if self.kind == "notice":
            return {"event": "notice", "message": self.message}
        return {"event": self.kind}


class NewsDesk:
    """Mixed into LibraryService: turns the journal of what the worker did to which photo (Indexer.journal,
    ChangeTracker.journal) into events, with each photo's path and albums, and the albums' and folders' state
    when it changed."""

    def _publish_news(self, albums_now: bool) -> None:
        """Tell clients what happened to which photos since the last time (one event per photo, with its path
        and albums), then the albums' counts and the folders when they changed (albums at most once a second
        while indexing)."""
        news, self._journal[:] = list(self._journal), []
        if news:
            facts = self.lib.catalog.photo_facts({i for _, i, _ in news})
            for kind, photo_id, old in news:
                f = facts.get(photo_id)
                if f is None:
                    continue
                data = {"id": photo_id, "path": f["path"]}
                if kind in ("indexed", "moved"):
                    data.update(taken=f["taken"], albums=f["albums"], **({"from": old} if kind == "moved" else {}),
                                **({"duration": f["duration"]} if f["duration"] is not None else {}))
                elif kind == "failed":
                    data["reason"] = f["reason"]
                self._emit(LiveEvent(kind, data=data))
        now = self.clock()
        if albums_now or (news and now - self._albums_at >= 1.0):
            self._albums_at = now
            self._publish_if_changed("albums", ops.albums_list(self.lib)["albums"])
            if self.lib.settings.album_sidecars != "off":  # albums given back: sidecars follow (sidecars.py)
                try:
                    self.lib.sync_sidecars()
                except Exception as e:  # a sidecar that cannot be written must not stop indexing
                    self._emit(LiveEvent("error", message=f"An album's sidecar could not be written: {e}"))
        if albums_now:
            self._publish_if_changed("folders", [{"path": f["path"], "online": f["online"]}
                                                 for f in ops.folders_list(self.lib)["folders"]])

    def _publish_if_changed(self, kind: str, value) -> None:
        if self._published.get(kind) != value:
            self._published[kind] = value
            self._emit(LiveEvent(kind, data={kind: value}))
