"""A model switch is a transaction: a model that cannot load or encode changes nothing, the library answers
with its current model until every photo is re-encoded, and a kill -9 in the middle leaves it as it was."""
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from helpers import ROOT, TIMEOUT, cli_json, draw_folder, run_cli, wait_for

from photoclip.service import LibraryService


def snapshot(home) -> dict:
    """What a user sees: counts, a search's answer, the albums and their members."""
    status = cli_json("status", home=home)
    return {"status": {k: status[k] for k in ("photos", "pending", "failed", "offline", "model", "switching_to")},
            "search": cli_json("search", "a beach", home=home),
            "albums": cli_json("albums", "show", "Beach", home=home)}


def bad_models(tmp_path, toy_spec) -> dict[str, str]:
    toy = toy_spec[len("local-dir:"):]
    damaged = tmp_path / "damaged"
    shutil.copytree(toy, damaged)
    weights = damaged / "open_clip_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:5000])  # truncated
    corrupt = tmp_path / "corrupt"
    shutil.copytree(toy, corrupt)
    (corrupt / "open_clip_model.safetensors").write_bytes(os.urandom(20000))
    wrong = tmp_path / "wrong-config"
    shutil.copytree(toy, wrong)
    cfg = json.loads((wrong / "open_clip_config.json").read_text())
    cfg["model_cfg"]["embed_dim"] = cfg["model_cfg"]["embed_dim"] * 2  # weights of another shape
    (wrong / "open_clip_config.json").write_text(json.dumps(cfg))
    broken = tmp_path / "broken-config"
    shutil.copytree(toy, broken)
    (broken / "open_clip_config.json").write_text("{ not json")
    (tmp_path / "empty").mkdir()
    return {"offline hub name": "ViT-B-32:laion2b_s34b_b79k", "truncated weights": f"local-dir:{damaged}",
            "corrupt weights": f"local-dir:{corrupt}", "wrong config": f"local-dir:{wrong}",
            "broken config": f"local-dir:{broken}", "empty folder": f"local-dir:{tmp_path / 'empty'}",
            "missing folder": f"local-dir:{tmp_path / 'nowhere'}"}


@pytest.fixture
def small_library(tmp_path, toy_spec):
    home = tmp_path / "home"
    draw_folder(tmp_path / "p", seed=18_001, count=10)
    cli_json("--model", toy_spec, "index", tmp_path / "p", home=home)
    cli_json("albums", "add", "Beach", "--prompt", "a beach", home=home)
    return home


def test_a_switch_to_a_model_that_cannot_load_changes_nothing(small_library, tmp_path, toy_spec):
    home = small_library
    before = snapshot(home)
    for what, spec in bad_models(tmp_path, toy_spec).items():
        r = run_cli("--model", spec, "--switch-model", "index", home=home, check=False,
                    env={"HF_HUB_OFFLINE": "1"})
        assert r.returncode != 0, what
        assert "Traceback" not in r.stderr and r.stderr.strip().count("\n") == 0, (what, r.stderr)
        assert snapshot(home) == before, what  # counts, answers and albums exactly as before


def test_a_switch_reencodes_in_the_background_then_commits_and_back_is_free(small_library, tmp_path, toy_spec):
    home = small_library
    other = tmp_path / "other-model"
    shutil.copytree(toy_spec[len("local-dir:"):], other)  # same weights, another identity
    r = run_cli("--model", f"local-dir:{other}", "--switch-model", "status", "--json", home=home)
    assert "10 photos will be re-encoded" in r.stderr
    st = json.loads(r.stdout)
    assert st["model"] == toy_spec and st["switching_to"] == f"local-dir:{other}" and st["to_reencode"] == 10
    assert st["photos"] == 10  # the current model still answers
    out = cli_json("index", home=home)  # the re-encode runs, then commits
    assert out["reencoded"] == 10 and out["indexed"] == 0
    st = cli_json("status", home=home)
    assert st["model"] == f"local-dir:{other}" and st["switching_to"] is None and st["photos"] == 10
    assert cli_json("albums", "show", "Beach", home=home)["members"]  # retagged with the new model
    back = run_cli("--model", toy_spec, "--switch-model", "index", "--json", home=home)
    assert json.loads(back.stdout)["reencoded"] == 0  # the first model's vectors were kept
    assert cli_json("status", home=home)["model"] == toy_spec


def test_asking_for_the_current_model_cancels_a_switch(small_library, tmp_path, toy_spec):
    home = small_library
    other = tmp_path / "other-model"
    shutil.copytree(toy_spec[len("local-dir:"):], other)
    run_cli("--model", f"local-dir:{other}", "--switch-model", "status", home=home)
    assert cli_json("status", home=home)["switching_to"] == f"local-dir:{other}"
    run_cli("--model", toy_spec, "--switch-model", "status", home=home)
    st = cli_json("status", home=home)
    assert st["switching_to"] is None and st["model"] == toy_spec


def test_kill_9_in_the_middle_of_a_reencode_leaves_the_library_as_it_was(tmp_path, toy_spec):
    home = tmp_path / "home"
    draw_folder(tmp_path / "p", seed=18_101, count=240, sizes=((800, 600),))
    cli_json("--model", toy_spec, "index", tmp_path / "p", home=home)
    cli_json("albums", "add", "Beach", "--prompt", "a beach", home=home)
    before = snapshot(home)
    other = tmp_path / "other-model"
    shutil.copytree(toy_spec[len("local-dir:"):], other)
    env = {**os.environ, "PHOTOCLIP_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "photoclip", "--model", f"local-dir:{other}", "--switch-model",
                             "watch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    catalog = home / "data" / "catalog.sqlite3"

    def reencoded() -> int:  # read straight from the catalog: a CLI call per poll would be too slow to catch it
        import sqlite3

        with contextlib.closing(sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)) as db:
            return db.execute("SELECT count(*) FROM vectors WHERE model=?", (f"local-dir:{other}",)).fetchone()[0]

    try:
        wait_for(lambda: 0 < reencoded() < 200, what="part of the re-encode")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    after = snapshot(home)
    left = after["status"].pop("switching_to")
    assert left == f"local-dir:{other}"  # accepted, and resumes at the next start
    before["status"].pop("switching_to")
    assert after == before  # the old model answers exactly as before
    announced = cli_json("status", home=home)["to_reencode"]
    done = cli_json("index", home=home)  # resumes: only what was not re-encoded yet
    assert 0 < done["reencoded"] < 240 and done["reencoded"] == announced  # one count, the true one
    assert cli_json("status", home=home)["model"] == f"local-dir:{other}"


def test_a_watch_keeps_running_when_a_switch_fails_and_search_works_during_a_switch(library, tmp_path, toy_spec):
    """Over the socket: a failed switch is one sentence and the watch goes on; during a switch, searches answer."""
    from photoclip import ipc

    draw_folder(tmp_path / "p", seed=18_201, count=12)
    library.add_folders([str(tmp_path / "p")])
    svc = LibraryService(library, kind="watch", settle_s=0.2).start()
    try:
        assert svc.wait_idle(TIMEOUT)
        before = ipc.call(library.paths, "search", {"query": "a beach"})
        with pytest.raises(ipc.RemoteError, match="Could not load the model"):
            ipc.call(library.paths, "switch_model", {"model": f"local-dir:{tmp_path / 'nowhere'}"})
        time.sleep(1)
        assert svc._thread is not None and svc._thread.is_alive()
        assert ipc.call(library.paths, "search", {"query": "a beach"}) == before
        status = ipc.call(library.paths, "status", {})
        assert status["model"] == library.model_id and status["switching_to"] is None  # nothing was recorded
        other = tmp_path / "other-model"
        shutil.copytree(toy_spec[len("local-dir:"):], other)
        svc.pause().result(TIMEOUT)  # hold the re-encode so the switch is visibly under way
        started = ipc.call(library.paths, "switch_model", {"model": f"local-dir:{other}"})
        assert started["switching_to"] == f"local-dir:{other}" and started["queued"] == 12
        assert ipc.call(library.paths, "search", {"query": "a beach"}) == before  # old vectors answer
        svc.resume().result(TIMEOUT)
        wait_for(lambda: library.model_id == f"local-dir:{other}", what="the switch to commit")
        assert ipc.call(library.paths, "status", {})["switching_to"] is None
    finally:
        svc.stop()


def test_the_windows_switch_to_a_broken_model_says_why_and_changes_nothing(library, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from photoclip.gui.window import MainWindow

    draw_folder(tmp_path / "p", seed=18_301, count=8)
    library.add_folders([str(tmp_path / "p")])
    library.index_now()
    before = library.status()
    w = MainWindow(library, settle_s=0.2)
    qtbot.addWidget(w)
    w.show()
    warnings = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    with qtbot.waitSignal(w.command_done, timeout=60_000):
        w.switch_model(f"local-dir:{tmp_path / 'nowhere'}")
    assert len(warnings) == 1 and "keeps its current model" in warnings[0] and "nowhere" in warnings[0]
    assert library.status() == before
    w.close()
