"""The HNSW index: exact on small sets, grows, deletes, saves atomically, rebuilds and re-syncs from the catalog."""
import json

import numpy as np
import pytest

from photoclip.catalog import Catalog
from photoclip.index import VectorIndex

DIM = 16


@pytest.fixture
def catalog(tmp_path):
    cat = Catalog(tmp_path / "catalog.sqlite3")
    yield cat
    cat.close()


def _fill(cat, n, seed=0):
    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((n, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    fid = cat.add_folder("/p")
    with cat.write() as c:
        c.executemany("INSERT INTO photos(id, path, folder_id, status, updated) VALUES(?, ?, ?, 'indexed', 0)",
                      [(i + 1, f"/p/{i}.jpg", fid) for i in range(n)])
        cat.put_vectors("m", list(range(1, n + 1)), vecs)
    return vecs.astype(np.float16).astype(np.float32)


def _exact(vecs, q, k):
    return [int(i) + 1 for i in np.argsort(-(vecs @ q))[:k]]


def test_results_match_exact_search_and_grow_past_capacity(tmp_path, catalog):
    vecs = _fill(catalog, 1500)  # more than the initial capacity: resize_index must kick in
    idx = VectorIndex(tmp_path / "idx", "m", catalog).ensure_loaded()
    assert len(idx) == 1500
    rng = np.random.default_rng(1)
    for q in rng.standard_normal((20, DIM)).astype(np.float32):
        q /= np.linalg.norm(q)
        got = [i for i, _ in idx.query(q, 10)]
        assert got == _exact(vecs, q, 10)
    hits = idx.query(vecs[0], 3, exclude={1})
    assert 1 not in [i for i, _ in hits] and len(hits) == 3
    assert idx.query(vecs[0], 5)[0][1] == pytest.approx(1.0, abs=1e-3)  # scores are cosine similarities


def test_save_load_and_sync_with_the_catalog(tmp_path, catalog):
    vecs = _fill(catalog, 200)
    idx = VectorIndex(tmp_path / "idx", "m", catalog).ensure_loaded()
    idx.save()
    # The catalog moves on without the index: a photo deleted, one re-encoded, one added.
    with catalog.write() as c:
        c.execute("DELETE FROM photos WHERE id=5")
        catalog.put_vectors("m", [7], -vecs[7:8])
        c.execute("INSERT INTO photos(id, path, folder_id, status, updated) VALUES(201, '/p/new.jpg', 1, 'indexed', 0)")
        catalog.put_vectors("m", [201], vecs[9:10])
    again = VectorIndex(tmp_path / "idx", "m", catalog).ensure_loaded()
    assert 5 not in again.alive and 201 in again.alive and len(again) == 200
    assert again.query(-vecs[7], 1)[0][0] == 7  # the re-encoded vector, not the stale one
    assert 5 not in [i for i, _ in again.query(vecs[5], 5)]


def test_corrupt_or_missing_files_are_rebuilt_from_the_catalog(tmp_path, catalog):
    vecs = _fill(catalog, 100)
    idx = VectorIndex(tmp_path / "idx", "m", catalog).ensure_loaded()
    idx.save()
    state = json.loads(next((tmp_path / "idx").glob("*.state.json")).read_text())
    (tmp_path / "idx" / state["graph"]).write_bytes(b"garbage")
    rebuilt = VectorIndex(tmp_path / "idx", "m", catalog).ensure_loaded()
    assert len(rebuilt) == 100 and rebuilt.query(vecs[3], 1)[0][0] == 4
    for p in (tmp_path / "idx").iterdir():
        p.unlink()
    assert len(VectorIndex(tmp_path / "idx", "m", catalog).ensure_loaded()) == 100


def test_a_save_with_no_saved_graph_builds_it_from_the_catalog(tmp_path, catalog):
    # A kill after the catalog committed but before the graph was saved: the next run that saves, even one that
    # had nothing to do and never loaded the graph, writes it, so later starts do not rebuild it each time.
    vecs = _fill(catalog, 120)
    untouched = VectorIndex(tmp_path / "idx", "m", catalog)
    untouched.save()
    state = json.loads(next((tmp_path / "idx").glob("*.state.json")).read_text())
    assert state["elements"] == state["alive"] == 120
    loaded = VectorIndex(tmp_path / "idx", "m", catalog).ensure_loaded()
    assert loaded.query(vecs[10], 1)[0][0] == 11
    bare = Catalog(tmp_path / "other.sqlite3")
    VectorIndex(tmp_path / "empty", "m", bare).save()  # no vectors: nothing to write
    bare.close()
    assert not (tmp_path / "empty").exists()


def test_an_empty_index_answers_nothing(tmp_path, catalog):
    idx = VectorIndex(tmp_path / "idx", "m", catalog).ensure_loaded()
    assert idx.query(np.ones(DIM, np.float32) / 4, 5) == []


def test_vectors_of_different_models_never_mix(tmp_path, catalog):
    _fill(catalog, 50)
    other = VectorIndex(tmp_path / "idx", "other-model", catalog).ensure_loaded()
    assert len(other) == 0
    assert catalog.set_library_model("other-model") == 50  # a model change means re-encoding, not mixing
    assert catalog.count_pending() == 50 and catalog.library_model() == "other-model"
