"""The HNSW vector index (hnswlib, inner product on normalised vectors), derived from the catalog.

Labels are photo ids.  The index is saved atomically as a versioned pair (graph + live ids) named by a
small state file written last, so a crash at any moment leaves the previous consistent pair.  On load it
is brought in step with the catalog (`sync`): vectors the catalog gained since the save (by sequence
number) are added, photos that left are marked deleted; a missing or corrupt file is rebuilt from the
catalog's vectors.  hnswlib's add and query must not run concurrently, so one lock guards the graph.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from pathlib import Path

import hnswlib
import numpy as np

from .catalog import Catalog
from .fsutil import atomic_write, atomic_write_bytes

log = logging.getLogger(__name__)

# Shipped settings; benchmarks/bench_search.py measures recall@10 >= 0.99 with them at 100k and 1M.
M = 32
EF_CONSTRUCTION = 200
EF_SEARCH = 128
# Below this many photos the search visits the whole graph (ef = n): exact answers, still sub-millisecond.
EXACT_BELOW = 2000


def index_slug(model_id: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id.rsplit("/", 1)[-1])[:40]
    return f"{readable}-{hashlib.sha1(model_id.encode()).hexdigest()[:10]}"


class VectorIndex:
    """The graph for one model.  It loads lazily, on the first query or change that needs it, so commands
    that only remove photos (or find nothing to do) never read it; its dimension comes from the catalog's
    vectors, so loading it never needs the model itself."""

    def __init__(self, directory: str | os.PathLike, model_id: str, catalog: Catalog | None, *,
                 ef_search: int = EF_SEARCH, threads: int = 1):
        self.directory = Path(directory)
        self.model_id = model_id
        self.catalog = catalog
        self.dim: int | None = None
        self.ef_search = ef_search
        self.threads = threads
        self.slug = index_slug(model_id)
        self.seq = 0  # highest catalog vector sequence number reflected in the graph
        self.alive: set[int] = set()
        self._lock = threading.RLock()
        self._dirty = False
        self._graph = None
        self._loaded = False

    @property
    def loaded(self) -> bool:
        return self._loaded

    # -- construction -----------------------------------------------------------------------------
    def _new_graph(self, dim: int, capacity: int = 1024) -> None:
        self.dim = dim
        self._graph = hnswlib.Index(space="ip", dim=dim)
        self._graph.init_index(max_elements=capacity, ef_construction=EF_CONSTRUCTION, M=M)
        self._graph.set_ef(self.ef_search)
        self._graph.set_num_threads(self.threads)
        self.alive = set()
        self.seq = 0

    @property
    def _state_path(self) -> Path:
        return self.directory / f"{self.slug}.state.json"

    def ensure_loaded(self) -> "VectorIndex":
        """Load the saved index if it is usable, then bring it in step with the catalog."""
        with self._lock:
            if not self._loaded:
                self._loaded = True
                if self.catalog is None:  # a standalone graph (benchmarks): nothing to load or follow
                    return self
                self.dim = self.catalog.vector_dim(self.model_id)
                if self.dim is not None:
                    self._load()
                    self.sync()
        return self

    def _load(self) -> None:
        for _attempt in range(3):  # another process may replace the pair between our reads: retry
            try:
                self._load_once()
                return
            except FileNotFoundError:
                if not self._state_path.exists():
                    return
        log.warning("the saved search index kept changing while loading; rebuilding it from the catalog")

    def _load_once(self) -> None:
        try:
            state = json.loads(self._state_path.read_text())
            if state["dim"] != self.dim or state["model"] != self.model_id:
                raise ValueError("saved for another model")
            # hnswlib trusts its file: damaged bytes can crash the process inside load_index or a query.
            # So nothing is handed to it unless both files are exactly what was saved.
            for name, digest in ((state["graph"], state.get("graph_hash")), (state["ids"], state.get("ids_hash"))):
                if digest is None or _file_hash(self.directory / name) != digest:
                    raise ValueError(f"{name} does not match its checksum")
            ids = np.load(self.directory / state["ids"])
            graph = hnswlib.Index(space="ip", dim=self.dim)
            graph.load_index(str(self.directory / state["graph"]),
                             max_elements=max(1024, int(state["capacity"])))
            if graph.element_count != int(state["elements"]) or len(ids) != int(state.get("alive", len(ids))):
                raise ValueError("graph and state disagree")
            if not set(ids.tolist()) <= set(graph.get_ids_list()):
                raise ValueError("the graph lacks photos its id list names")
        except FileNotFoundError:
            raise
        except Exception as e:
            log.warning("the saved search index is unusable (%s); rebuilding it from the catalog", e)
            return
        graph.set_ef(self.ef_search)  # hnswlib does not save ef: set it after every load
        graph.set_num_threads(self.threads)
        with self._lock:
            self._graph, self.alive, self.seq = graph, set(int(i) for i in ids), int(state["seq"])

    def sync(self) -> tuple[int, int]:
        """Make the graph hold exactly the catalog's searchable vectors; returns (added, removed)."""
        with self._lock:
            if not self._loaded:
                return 0, 0  # it syncs when it loads
            ids, seqs = self.catalog.searchable(self.model_id)
            want = set(ids.tolist())
            stale = self.alive - want
            fresh = ids[(seqs > self.seq) | ~np.isin(ids, np.fromiter(self.alive, np.int64, len(self.alive)))]
            if stale:
                self.remove(stale)
            if len(fresh):
                fids, mat = self.catalog.vectors_for(self.model_id, fresh.tolist())
                if len(fids):
                    self.add(fids, mat)
            if len(seqs):
                self.seq = max(self.seq, int(seqs.max()))
        if stale or len(fresh):
            log.info("search index synced: %d added, %d removed", len(fresh), len(stale))
        return len(fresh), len(stale)

    # -- changes ----------------------------------------------------------------------------------
    def add(self, ids, vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        with self._lock:
            self.ensure_loaded()
            if self._graph is None:
                self._new_graph(int(vectors.shape[1]))
            need = self._graph.element_count + len(ids)
            if need > self._graph.get_max_elements():
                self._graph.resize_index(max(need, int(self._graph.get_max_elements() * 1.5)))
            self._graph.add_items(np.ascontiguousarray(vectors, dtype=np.float32), ids,
                                  num_threads=self.threads)
            self.alive.update(ids.tolist())
            self._dirty = True

    def remove(self, ids) -> None:
        """Photos leave the results.  Before the graph is loaded there is nothing to do: the catalog already
        says they are gone, and loading syncs with it."""
        with self._lock:
            if self._graph is None:
                return
            for i in ids:
                i = int(i)
                if i in self.alive:
                    self._graph.mark_deleted(i)
                    self.alive.discard(i)
                    self._dirty = True

    def __len__(self) -> int:
        self.ensure_loaded()
        return len(self.alive)

    # -- queries ----------------------------------------------------------------------------------
    def query(self, vector: np.ndarray, k: int, exclude: set[int] | frozenset = frozenset(),
              keep: set[int] | None = None) -> list[tuple[int, float]]:
        """The k nearest photo ids by cosine similarity, best first, skipping `exclude`; with `keep`, only
        those ids (filtered inside hnswlib's search, so the best k of them come back, not fewer)."""
        with self._lock:
            self.ensure_loaded()
            n = len(self.alive)
            if n == 0 or k <= 0:
                return []
            k_eff = min(n, k + len(exclude))
            ef = max(self.ef_search, k_eff, n if n <= EXACT_BELOW else 0)
            self._graph.set_ef(ef)
            try:
                if keep is not None:
                    k_eff = min(k_eff, len(keep & self.alive))
                    if k_eff == 0:
                        return []
                labels, dists = self._graph.knn_query(np.asarray(vector, np.float32).reshape(1, -1), k=k_eff,
                                                      num_threads=1,
                                                      filter=None if keep is None else keep.__contains__)
            finally:
                self._graph.set_ef(self.ef_search)
        out = [(int(i), float(1.0 - d)) for i, d in zip(labels[0], dists[0]) if int(i) not in exclude]
        return out[:k]

    def neighbours(self, ids: np.ndarray, vectors: np.ndarray, k: int, *, chunk: int = 4096,
                   threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """For each row of `vectors` (the vectors of photos `ids`), its k nearest other photos through the graph:
        (labels, cosine similarities), each len(ids) x k, -1 and -inf where there are fewer.  The lock is
        taken per chunk of queries, so the service's writes interleave with a long pass."""
        out_labels = np.full((len(ids), k), -1, dtype=np.int64)
        out_sims = np.full((len(ids), k), -np.inf, dtype=np.float32)
        threads = threads or os.cpu_count() or 1
        for start in range(0, len(ids), chunk):
            with self._lock:
                self.ensure_loaded()
                n = len(self.alive)
                if n < 2:
                    break
                k_eff = min(n, k + 1)  # the photo itself comes back too
                self._graph.set_ef(max(2 * k_eff, 16, n if n <= EXACT_BELOW else 0))
                try:
                    labels, dists = self._graph.knn_query(
                        np.ascontiguousarray(vectors[start:start + chunk], np.float32), k=k_eff, num_threads=threads)
                finally:
                    self._graph.set_ef(self.ef_search)
            labels = labels.astype(np.int64)
            sims = (1.0 - dists).astype(np.float32)
            itself = labels == np.asarray(ids[start:start + chunk], np.int64)[:, None]
            labels[itself], sims[itself] = -1, -np.inf
            order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            rows = slice(start, start + len(labels))
            out_labels[rows, :order.shape[1]] = np.take_along_axis(labels, order, axis=1)
            out_sims[rows, :order.shape[1]] = np.take_along_axis(sims, order, axis=1)
        return out_labels, out_sims

    # -- persistence ------------------------------------------------------------------------------
    def save(self) -> None:
        """Write graph and ids under new names, then the state file naming them, then drop the old pair."""
        with self._lock:
            if not self._loaded and not self._state_path.exists():
                # A kill between the catalog's commit and the index's save leaves vectors with no saved graph.
                # The laziness above would keep it that way (a run with nothing to do never loads the graph), so
                # every later start would rebuild it: build it once now, from the catalog, and save it.
                self.ensure_loaded()
            if self._graph is None or (not self._dirty and self._state_path.exists()):
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            tag = f"{self.slug}-{self.seq}-{os.getpid()}-{threading.get_ident() % 10000}"
            graph_name, ids_name = f"{tag}.hnsw", f"{tag}.ids.npy"
            atomic_write(self.directory / graph_name, self._graph.save_index)
            alive = np.fromiter(self.alive, np.int64, len(self.alive))

            def write_ids(tmp: str) -> None:
                with open(tmp, "wb") as f:
                    np.save(f, alive)

            atomic_write(self.directory / ids_name, write_ids)
            state = {"model": self.model_id, "dim": self.dim, "seq": self.seq, "graph": graph_name,
                     "ids": ids_name, "elements": self._graph.element_count, "alive": len(alive),
                     "capacity": self._graph.get_max_elements(),
                     "graph_hash": _file_hash(self.directory / graph_name),
                     "ids_hash": _file_hash(self.directory / ids_name)}
            atomic_write_bytes(self._state_path, json.dumps(state).encode())
            self._dirty = False
        for p in self.directory.glob(f"{self.slug}-*"):
            if p.name not in (graph_name, ids_name):
                try:
                    p.unlink()
                except OSError:
                    pass


def _file_hash(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
