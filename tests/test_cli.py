"""End-to-end: the real `photoclip` command on real files, SQLite, hnswlib and the toy model."""
import json
import os
import shutil
import stat
import subprocess
import sys
import time

import pytest
from helpers import cli_json, draw_folder, run_cli

from photoclip.cli import build_parser


def _bad_files(folder):
    """Every kind of bad input the core-engine issue lists; returns name -> expected reason fragment."""
    good = next(p for p in folder.iterdir() if p.suffix == ".jpg")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "truncated.jpg").write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    (folder / "random.jpg").write_bytes(os.urandom(5000))
    (folder / "notes.jpg").write_text("just some text, not a photo\n")
    (folder / "page.jpg").write_text("<!doctype html><html><body>404</body></html>")
    from PIL import Image

    Image.new("1", (15000, 15000)).save(folder / "bomb.png")  # 225 MP: over the pixel limit
    os.mkfifo(folder / "pipe.jpg")
    (folder / "folder.jpg").mkdir()
    os.symlink(folder / "does-not-exist.jpg", folder / "dangling.jpg")
    return {"empty.jpg": "empty", "truncated.jpg": "truncated", "random.jpg": "not an image",
            "notes.jpg": "not an image", "page.jpg": "not an image", "bomb.png": "too large",
            "pipe.jpg": "pipe", "folder.jpg": "folder", "dangling.jpg": "broken link"}


def test_index_mixed_folder_search_similar_and_failures(tmp_path, toy_spec):
    home, pics = tmp_path / "home", tmp_path / "Pictures"
    truth = draw_folder(pics, seed=5001, count=48)
    truth.update(draw_folder(pics / "sub" / "deeper", seed=5002, count=12, exts=("png",)))
    (pics / ".hidden").mkdir()
    shutil.copy(next(iter(truth)), pics / ".hidden" / "secret.jpg")
    os.symlink(pics, pics / "sub" / "loop")  # a symlink loop must not hang the scan
    expected = _bad_files(pics)
    before = {p: (os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in truth}

    out = cli_json("--model", toy_spec, "index", pics, home=home)
    assert set(out) == {"indexed", "reused", "unchanged", "failed", "removed", "seconds", "stages", "reencoded"}
    assert out["indexed"] == 60 and out["failed"] == len(expected) and out["removed"] == 0
    assert isinstance(out["seconds"], float)

    failures = cli_json("failures", home=home, env={"PHOTOCLIP_MODEL": toy_spec})["failures"]
    by_name = {os.path.basename(f["path"]): f["reason"] for f in failures}
    assert set(by_name) == set(expected)
    for name, fragment in expected.items():
        assert fragment in by_name[name], (name, by_name[name])
    assert all(f["reason"].count("\n") == 0 for f in failures)

    status = cli_json("--model", toy_spec, "status", home=home)
    assert status["photos"] == 60 and status["failed"] == len(expected) and status["pending"] == 0
    assert status["folders"] == [str(pics)] and status["model"] == f"local-dir:{os.path.realpath(toy_spec[10:])}"

    res = cli_json("--model", toy_spec, "search", "the night sky", "--limit", "5", "--all", home=home)["results"]
    assert len(res) == 5 and all(os.path.isabs(r["path"]) for r in res)
    assert [r["score"] for r in res] == sorted((r["score"] for r in res), reverse=True)
    night = [r for r in res if truth.get(r["path"]) and truth[r["path"]].scene == "night"]
    assert len(night) >= 4, res

    query = next(p for p, pic in truth.items() if pic and pic.scene == "receipt")
    sim = cli_json("--model", toy_spec, "similar", query, "--limit", "5", home=home)["results"]
    assert query not in [r["path"] for r in sim]
    assert sum(truth[r["path"]].scene == "receipt" for r in sim) >= 4

    # Nothing in the photo folder was written.
    assert {p: (os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in truth} == before
    assert not any(n.endswith((".tmp", ".sqlite3", ".hnsw")) for _, _, fs in os.walk(pics) for n in fs)

    # Human-readable output too.
    text = run_cli("--model", toy_spec, "search", "a receipt", "--limit", "3", home=home).stdout
    assert len(text.strip().splitlines()) == 3 and "receipt" in text


def test_reindex_only_changed_and_moves_keep_vectors(tmp_path, toy_spec):
    from photoclip.catalog import Catalog

    home, pics = tmp_path / "home", tmp_path / "pics"
    truth = draw_folder(pics, seed=6001, count=20)
    env = {"PHOTOCLIP_MODEL": toy_spec}
    assert cli_json("index", pics, home=home, env=env)["indexed"] == 20

    again = cli_json("index", home=home, env=env)
    assert again["indexed"] == 0 and again["unchanged"] == 20

    cat = Catalog(home / "data" / "catalog.sqlite3")
    paths = sorted(truth)
    moved_src = paths[0]
    moved_dst = str(pics / "renamed" / "moved.jpg" if moved_src.endswith(".jpg") else pics / "renamed" / "m.png")
    os.makedirs(os.path.dirname(moved_dst))
    before = cat.photo_by_path(moved_src)
    seq_before = cat.conn.execute("SELECT seq FROM vectors WHERE photo_id=?", (before.id,)).fetchone()[0]
    os.rename(moved_src, moved_dst)
    touched = paths[1]
    os.utime(touched, None)  # mtime changes, content does not: no re-encode
    deleted = paths[2]
    os.unlink(deleted)
    edited = paths[3]
    from PIL import Image

    Image.open(edited).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(edited + ".new.png")
    os.replace(edited + ".new.png", edited)  # real content change

    out = cli_json("index", home=home, env=env)
    assert out["removed"] == 1 and out["failed"] == 0
    # Only the edit is encoded; the move reuses its vector; the touched file's content had not changed.
    assert (out["indexed"], out["reused"], out["unchanged"]) == (1, 1, 17), out
    after = cat.photo_by_path(moved_dst)
    assert after is not None and after.id == before.id and cat.photo_by_path(moved_src) is None
    seq_after = cat.conn.execute("SELECT seq FROM vectors WHERE photo_id=?", (after.id,)).fetchone()[0]
    assert seq_after == seq_before, "a moved photo must keep its vector, not be re-encoded"
    assert cat.photo_by_path(deleted) is None
    sims = cli_json("similar", moved_dst, "--limit", "30", home=home, env=env)["results"]
    assert deleted not in [r["path"] for r in sims]
    assert cli_json("status", home=home, env=env)["photos"] == 19
    cat.close()


def test_folders_commands_and_usage_errors(tmp_path, toy_spec):
    home = tmp_path / "home"
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    out = cli_json("folders", "add", a, b, home=home)
    assert out["folders"] == sorted([str(a), str(b)])
    listed = cli_json("folders", "list", home=home)["folders"]
    assert [f["path"] for f in listed] == sorted([str(a), str(b)])
    cli_json("folders", "remove", b, home=home)
    assert [f["path"] for f in cli_json("folders", "list", home=home)["folders"]] == [str(a)]

    missing = run_cli("folders", "add", tmp_path / "nope", home=home, check=False)
    assert missing.returncode == 1 and missing.stderr.strip().count("\n") == 0 and "not a folder" in missing.stderr
    usage = run_cli("search", home=home, check=False)
    assert usage.returncode == 2
    empty = run_cli("--model", toy_spec, "search", "   ", home=home, check=False)
    assert empty.returncode == 2 and "empty" in empty.stderr and "Traceback" not in empty.stderr


def test_missing_model_is_one_clear_sentence(tmp_path):
    home = tmp_path / "home"
    draw_folder(tmp_path / "p", seed=7201, count=1)  # with nothing to encode, index never loads the model
    r = run_cli("--model", f"local-dir:{tmp_path / 'no-model'}", "index", tmp_path / "p", home=home, check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "no-model" in r.stderr

    # A named model whose weights are not on disk, with no network: name, cause and the offline way out.
    r = run_cli("--model", "ViT-B-32-256:datacomp_s34b_b86k", "search", "dog", home=home, check=False,
                env={"HF_HUB_OFFLINE": "1"})
    assert r.returncode == 1 and "Traceback" not in r.stderr and r.stderr.strip().count("\n") == 0
    assert "ViT-B-32-256:datacomp_s34b_b86k" in r.stderr and "local-dir:" in r.stderr
    assert "switch-model" not in r.stderr  # a model that never loaded did not become the library's model


def _all_parsers(parser, prefix=()):
    yield prefix, parser
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield from _all_parsers(sub, prefix + (name,))


def test_every_command_has_help(tmp_path):
    parsers = list(_all_parsers(build_parser()))
    assert len(parsers) > 20
    for prefix, parser in parsers:
        assert parser.format_help().strip()
        if prefix:
            assert parser.description, f"photoclip {' '.join(prefix)} has no description"
    r = run_cli("albums", "add", "--help", home=tmp_path / "h")
    assert "--prompt" in r.stdout and "--negative" in r.stdout
    assert run_cli("--version").stdout.startswith("photoclip ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_file_is_recorded(tmp_path, toy_spec):
    pics = tmp_path / "pics"
    draw_folder(pics, seed=7001, count=2)
    locked = next(pics.iterdir())
    locked.chmod(0)
    try:
        out = cli_json("--model", toy_spec, "index", pics, home=tmp_path / "home")
        assert out["failed"] == 1
        fails = cli_json("failures", home=tmp_path / "home")["failures"]
        assert "permission denied" in fails[0]["reason"]
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_an_unplugged_folder_is_hidden_not_deleted(tmp_path, toy_spec):
    home, pics = tmp_path / "home", tmp_path / "drive"
    draw_folder(pics, seed=7101, count=6)
    env = {"PHOTOCLIP_MODEL": toy_spec}
    assert cli_json("index", pics, home=home, env=env)["indexed"] == 6
    pics.rename(tmp_path / "elsewhere")  # the drive is unplugged
    r = run_cli("index", "--json", home=home, env=env)
    assert json.loads(r.stdout)["removed"] == 0 and "offline" in r.stderr
    st = cli_json("status", home=home, env=env)
    assert st["photos"] == 0 and st["offline"] == 6
    assert cli_json("search", "a photo", home=home, env=env)["results"] == []
    assert cli_json("folders", "list", home=home)["folders"] == [{"path": str(pics), "online": False, "photos": 0}]
    (tmp_path / "elsewhere").rename(pics)  # plugged back in: nothing is re-encoded
    back = cli_json("index", home=home, env=env)
    assert back["indexed"] == 0 and back["unchanged"] == 6 and back["removed"] == 0
    assert cli_json("status", home=home, env=env)["photos"] == 6


@pytest.mark.parametrize("damage", ["flip16", "zero4k"])
def test_a_damaged_index_file_is_rebuilt_not_trusted(tmp_path, toy_spec, damage):
    """hnswlib crashes (exit 139) on a damaged graph file: it is checked against its checksum first."""
    home, pics = tmp_path / "home", tmp_path / "pics"
    truth = draw_folder(pics, seed=7301, count=24)
    env = {"PHOTOCLIP_MODEL": toy_spec}
    cli_json("index", pics, home=home, env=env)
    index_dir = home / "data" / "index"
    state = json.loads(next(index_dir.glob("*.state.json")).read_text())
    graph = index_dir / state["graph"]
    data = bytearray(graph.read_bytes())
    middle = len(data) // 2
    if damage == "flip16":
        data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    else:
        data[middle:middle + 4096] = bytes(min(4096, len(data) - middle))
    graph.write_bytes(bytes(data))
    r = run_cli("search", "a photo", "--limit", "100", "--all", "--json", home=home, env=env, check=False)
    assert r.returncode == 0, r.stderr
    assert {x["path"] for x in json.loads(r.stdout)["results"]} == set(truth)  # nothing silently dropped
    assert "rebuilding it from the catalog" in r.stderr and r.stderr.count("\n") == 1
    again = run_cli("similar", sorted(truth)[0], "--json", home=home, env=env)  # a reader repairs in memory only
    assert again.returncode == 0 and "rebuilding" in again.stderr
    draw_folder(tmp_path / "more", seed=7302, count=2)
    cli_json("index", tmp_path / "more", home=home, env=env)  # the service loads the index: it saves a good one
    third = run_cli("similar", sorted(truth)[0], "--json", home=home, env=env)
    assert "rebuilding" not in third.stderr


def test_usage_errors_exit_2_with_one_line(tmp_path):
    home = tmp_path / "home"
    for args in (["search", "x", "--limit", "-1"], ["search", "x", "--limit", "0"], ["similar", "p", "--limit", "0"],
                 ["--threads", "-1", "status"], ["folders", "add", ""], ["--home", "", "status"]):
        r = run_cli(*args, home=None if "--home" in args else home, check=False)
        assert r.returncode == 2 and "Traceback" not in r.stderr and "unexpected" not in r.stderr, (args, r.stderr)


def test_an_unwritable_home_is_named_in_one_line(tmp_path):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    r = run_cli("status", home=tmp_path / "blocker" / "home", check=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and str(tmp_path / "blocker") in r.stderr
    assert "--home" in r.stderr and "unexpected" not in r.stderr


def test_nested_library_folders_are_refused_in_both_orders(tmp_path):
    home, parent = tmp_path / "home", tmp_path / "parent"
    (parent / "child").mkdir(parents=True)
    cli_json("folders", "add", parent / "child", home=home)
    r = run_cli("folders", "add", parent, home=home, check=False)
    assert r.returncode == 1 and "contains the library folder" in r.stderr
    cli_json("folders", "remove", parent / "child", home=home)
    cli_json("folders", "add", parent, home=home)
    r = run_cli("folders", "add", parent / "child", home=home, check=False)
    assert r.returncode == 1 and "already inside the library folder" in r.stderr


def test_output_into_a_closed_pipe_ends_quietly(tmp_path, toy_spec):
    pics = tmp_path / "pics"
    pics.mkdir()
    for i in range(1500):  # more failure lines than a pipe holds
        (pics / f"empty-file-number-{i:05d}-with-a-long-name.jpg").write_bytes(b"")
    home = tmp_path / "home"
    cli_json("index", pics, home=home, env={"PHOTOCLIP_MODEL": toy_spec})
    r = subprocess.run(f"{sys.executable} -m photoclip failures | head -1", shell=True, capture_output=True, text=True,
                       env={**os.environ, "PHOTOCLIP_HOME": str(home)})
    assert r.stdout.count("\n") == 1 and r.stderr == ""


def test_the_app_without_a_display_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, "-m", "photoclip", "gui"], capture_output=True, text=True, timeout=120,
                       env={**env, "PHOTOCLIP_HOME": str(tmp_path / "home")})
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no display" in r.stderr
    from photoclip.gui.app import display_problem

    x11 = {"DISPLAY": ":0"}
    assert "libxcb-cursor0" in display_problem(x11, "linux", find_library=lambda name: None)
    assert display_problem(x11, "linux", find_library=lambda name: f"lib{name}.so.0") is None
    # Only the ones missing are named (a machine with xcb-cursor but not the icccm and keysyms libraries).
    partly = display_problem(x11, "linux", find_library=lambda name: None if name in ("xcb-icccm", "xcb-keysyms")
                             else f"lib{name}.so.0")
    assert "libxcb-icccm4, libxcb-keysyms1 " in partly and "libxcb-cursor0" not in partly
    assert display_problem({}, "darwin") is None and display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None


def test_two_index_runs_do_not_both_encode(tmp_path, toy_spec):
    home, pics = tmp_path / "home", tmp_path / "pics"
    draw_folder(pics, seed=7401, count=150, sizes=((400, 300),))
    env = {**os.environ, "PHOTOCLIP_HOME": str(home), "PHOTOCLIP_MODEL": toy_spec}
    cli_json("folders", "add", pics, home=home)
    first = subprocess.Popen([sys.executable, "-m", "photoclip", "index", "--json"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    live = home / "data" / "live.json"
    deadline = time.monotonic() + 120
    while not (live.exists() and json.loads(live.read_text() or "{}").get("kind") == "index"):
        assert time.monotonic() < deadline and first.poll() is None, "the first index never held the library"
        time.sleep(0.05)
    second = run_cli("index", home=home, env={"PHOTOCLIP_MODEL": toy_spec}, check=False)
    assert second.returncode == 1 and f"Another photoclip index (pid {first.pid})" in second.stderr
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert json.loads(out)["indexed"] == 150


def test_readers_never_wait_for_a_writer(tmp_path, toy_spec):
    import sqlite3

    home, pics = tmp_path / "home", tmp_path / "pics"
    draw_folder(pics, seed=7501, count=5)
    env = {"PHOTOCLIP_MODEL": toy_spec}
    cli_json("index", pics, home=home, env=env)
    writer = sqlite3.connect(home / "data" / "catalog.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE photos SET updated=updated+1")
    try:  # another process holds the write lock for as long as it likes: reading still answers at once
        t = time.monotonic()
        st = cli_json("status", home=home, env=env, timeout=25)
        assert st["photos"] == 5 and time.monotonic() - t < 20
        assert len(cli_json("search", "a photo", "--all", home=home, env=env, timeout=25)["results"]) == 5
        assert cli_json("failures", home=home, env=env, timeout=25) == {"failures": []}
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def _hub_cache_with_toy_weights(home, toy_spec, repo="photoclip/toy"):
    """The toy model laid out as the model hub's cache does, as if downloaded on an earlier run."""
    commit = "0" * 40
    folder = home / "cache" / "models" / f"models--{repo.replace('/', '--')}"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text(commit)
    shutil.copytree(toy_spec[len("local-dir:"):], folder / "snapshots" / commit)


def test_weights_on_disk_load_without_any_network_call(tmp_path, toy_spec):
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    calls = []
    threading.Thread(target=lambda: calls.append(server.accept()), daemon=True).start()
    home = tmp_path / "home"
    _hub_cache_with_toy_weights(home, toy_spec)
    draw_folder(tmp_path / "pics", seed=7601, count=3)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "PHOTOCLIP_MODEL")}
    env.update(PHOTOCLIP_HOME=str(home), HF_ENDPOINT=f"http://127.0.0.1:{server.getsockname()[1]}")
    r = subprocess.run([sys.executable, "-m", "photoclip", "--model", "hf-hub:photoclip/toy", "index",
                        str(tmp_path / "pics"), "--json"], capture_output=True, text=True, env=env, timeout=300)
    server.close()
    assert r.returncode == 0 and json.loads(r.stdout)["indexed"] == 3, r.stderr
    assert calls == [] and r.stderr == ""  # the hub was never contacted, and nothing was printed


def test_no_network_and_no_weights_is_one_quick_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(PHOTOCLIP_HOME=str(tmp_path / "home"), HF_ENDPOINT="http://127.0.0.1:9")  # nothing listens there
    partial = tmp_path / "home" / "cache" / "models" / "models--laion--x" / "blobs" / "abc.part"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"\0" * 2_000_000)
    r = subprocess.run([sys.executable, "-m", "photoclip", "--model", "ViT-B-32-256:datacomp_s34b_b86k", "search",
                        "dog"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr  # no retry noise from the hub
    assert "cannot be reached" in r.stderr and "reached 2 MB" in r.stderr and "local-dir:" in r.stderr


def test_self_test_passes_and_says_so_in_one_line(tmp_path):
    """The installed package checks itself with its bundled model, outside any checkout or library."""
    env = {k: v for k, v in os.environ.items() if k not in ("PHOTOCLIP_HOME", "PHOTOCLIP_MODEL")}
    r = subprocess.run([sys.executable, "-m", "photoclip", "--self-test"], capture_output=True, text=True,
                       timeout=600, cwd=tmp_path, env={**env, "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("\n") == 1 and r.stdout.startswith("photoclip self-test: OK (indexed 24")
    assert r.stderr == ""
    assert not (tmp_path / ".local").exists() and not (tmp_path / ".cache").exists()  # nothing in the user's home


def test_self_test_names_the_step_that_failed(monkeypatch, capsys):
    from photoclip import selftest

    monkeypatch.setattr(selftest, "model_spec", lambda: "local-dir:/nonexistent/model")
    assert selftest.run() == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("photoclip self-test: FAILED at index: ")


def test_the_first_download_resumes_after_kill_9_and_is_checked(tmp_path):
    """The CLI fetches the weights through photoclip's own download: killed in the middle, the next run asks
    the hub only for the rest (a byte-range request) and then indexes, offline from there on."""
    import signal as sig

    from helpers import wait_for
    from hubstandin import HubStandIn, toy_files

    files = toy_files()
    draw_folder(tmp_path / "pics", seed=8801, count=3)
    home = tmp_path / "home"
    with HubStandIn({"photoclip/toyclip": files}, chunk_delay=0.004, chunk=32 * 1024) as hub:
        env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
        env.update(PHOTOCLIP_HOME=str(home), HF_ENDPOINT=hub.url)
        argv = [sys.executable, "-m", "photoclip", "--model", "hf-hub:photoclip/toyclip", "index", str(tmp_path / "pics"),
                "--json"]
        # The first process only downloads (what the CLI does before it loads the model; it spares this test a
        # PyTorch import), and dies in the middle.
        fetch = ("import sys; from photoclip import download; from photoclip.paths import AppPaths; "
                 "download.download('hf-hub:photoclip/toyclip', str(AppPaths.resolve(sys.argv[1]).models_dir))")
        first = subprocess.Popen([sys.executable, "-c", fetch, str(home)], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        part = lambda: [p for p in home.rglob("*.part") if p.stat().st_size > 256 * 1024]  # noqa: E731
        wait_for(part, what="the download under way")
        first.send_signal(sig.SIGKILL)
        first.wait()
        arrived = part()[0].stat().st_size
        r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and json.loads(r.stdout)["indexed"] == 3, r.stderr
    ranged = [rng for method, _, rng in hub.requests if method == "GET" and rng and rng != "bytes=0-"]
    assert ranged and int(ranged[-1][len("bytes="):-1]) >= arrived, hub.requests  # only the rest was asked for
    assert not list(home.rglob("*.part"))


def test_the_one_line_start_indexes_the_pictures_folder_or_says_what_to_do(tmp_path, toy_spec):
    """The README's first command: `photoclip index` with no folder takes the system's Pictures folder and says
    what the library now holds; on a machine without one nothing fails: it says, in one line, what to type
    instead, and so does the search that follows it in the one-liner."""
    user = tmp_path / "user"
    user.mkdir()
    env = {"HOME": str(user), "XDG_CONFIG_HOME": str(user / ".config"), "PHOTOCLIP_MODEL": toy_spec}
    r = run_cli("index", home=tmp_path / "home-a", env=env, check=False)
    assert r.returncode == 0 and r.stderr.count("\n") == 1 and "photoclip index PATH" in r.stderr, r.stderr
    assert r.stdout.strip() == "indexed 0"
    r = run_cli("search", "dog on a beach at sunset", home=tmp_path / "home-a", env=env)
    assert r.stdout.strip() == "no results" and "the library is empty" in r.stderr and "index PATH" in r.stderr
    truth = draw_folder(user / "Pictures", seed=8901, count=5)
    r = run_cli("index", home=tmp_path / "home-b", env=env)
    assert f"adding your Pictures folder, {user / 'Pictures'}" in r.stderr
    assert f"the library holds 5 photos from {user / 'Pictures'}" in r.stderr and r.stdout.startswith("indexed 5")
    found = cli_json("search", "a photo", "--all", home=tmp_path / "home-b", env=env)["results"]
    assert {x["path"] for x in found} == set(truth)
