"""Events: every photo indexed, moved, removed or failed reaches subscribers with its path and albums, in
process and over the socket (`photoclip events --json`); a subscriber that stops reading loses events (and is
told how many), never slowing the service."""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading

from helpers import TIMEOUT, cli_json, draw_folder, run_cli, wait_for

from photoclip import ipc
from photoclip.client import ServiceClient
from photoclip.events import EventHub
from photoclip.service import LibraryService


def test_a_full_buffer_drops_new_events_for_that_subscriber_alone_and_says_how_many():
    hub = EventHub()
    slow, fast = hub.subscribe(maxsize=10), hub.subscribe()
    for i in range(25):
        hub.publish({"event": "notice", "message": str(i)})
    hub.publish({"event": "idle"})  # arrives after the slow one has room again? no: still full, dropped too
    got = [slow.get(0) for _ in range(10)]
    assert [g["message"] for g in got] == [str(i) for i in range(10)]
    hub.publish({"event": "notice", "message": "after"})
    assert slow.get(0) == {"event": "overflow", "dropped": 16, "seq": None}  # said where the gap is
    assert slow.get(0)["message"] == "after"
    assert [fast.get(0)["seq"] for _ in range(27)] == list(range(1, 28))  # the other subscriber lost nothing
    hub.close()
    assert slow.get(0)["event"] == "stopped" and list(slow) == []


def _collect(subscription, into: list):
    for ev in subscription:  # until the service stops
        into.append(ev)


def test_service_events_name_each_photo_with_its_albums(library, tmp_path):
    root = tmp_path / "p"
    draw_folder(root, seed=9401, count=2)
    library.add_folders([str(root)])
    svc = LibraryService(library, settle_s=0.2, serve=False).start()
    client = ServiceClient(svc)
    got = []
    stalled = client.events()  # subscribed, never read: must not hold anything up
    sub = client.events()
    reader = threading.Thread(target=_collect, args=(sub, got), daemon=True)
    reader.start()
    try:
        assert svc.wait_idle(TIMEOUT)
        client.query("albums_add", name="Receipts", prompts=["a receipt"])
        receipts = draw_folder(root / "new", seed=9402, count=6, scenes=["receipt"])
        other = draw_folder(root / "other", seed=9403, count=4, scenes=["forest"])
        wait_for(lambda: {e["path"] for e in got if e["event"] == "indexed"} >= set(receipts) | set(other),
                 what="an indexed event per new photo")
        indexed = {e["path"]: e for e in got if e["event"] == "indexed"}
        for path in receipts:
            facts = library.catalog.photo_facts([indexed[path]["id"]])[indexed[path]["id"]]
            assert indexed[path]["albums"] == facts["albums"]  # the tags as committed, not a guess
        assert sum("Receipts" in indexed[p]["albums"] for p in receipts) >= 5
        assert not any("Receipts" in indexed[p]["albums"] for p in other)
        wait_for(lambda: any(e["event"] == "albums" and e["albums"] and e["albums"][0]["name"] == "Receipts"
                             and e["albums"][0]["count"] == library.albums.count(library.albums.get("Receipts"))
                             for e in got), what="the album's count")

        moved_from = next(iter(receipts))
        moved_to = str(root / "renamed.jpg")
        os.rename(moved_from, moved_to)
        gone = next(iter(other))
        os.remove(gone)
        (root / "broken.jpg").write_bytes(b"not a jpeg at all")
        wait_for(lambda: any(e["event"] == "moved" for e in got) and any(e["event"] == "removed" for e in got)
                 and any(e["event"] == "failed" for e in got), what="moved, removed and failed events")
        moved = next(e for e in got if e["event"] == "moved")
        assert (moved["path"], moved["from"], moved["id"]) == (moved_to, moved_from, indexed[moved_from]["id"])
        assert "Receipts" in moved["albums"] or "Receipts" not in indexed[moved_from]["albums"]
        assert next(e for e in got if e["event"] == "removed")["path"] == gone
        failed = next(e for e in got if e["event"] == "failed")
        assert failed["path"] == str(root / "broken.jpg") and failed["reason"]

        client.query("pause")
        client.query("resume")
        wait_for(lambda: [e["event"] for e in got if e["event"] in ("paused", "resumed")] == ["paused", "resumed"],
                 what="pause and resume events")
        seqs = [e["seq"] for e in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    finally:
        assert svc.stop()
    reader.join(TIMEOUT)
    assert got[-1]["event"] == "stopped"
    assert list(stalled)[-1]["event"] == "stopped"  # it still holds what was published, then the end


def test_photoclip_events_json_reports_a_burst_and_a_stalled_subscriber_slows_nothing(tmp_path, toy_spec):
    home, root = tmp_path / "home", tmp_path / "pics"
    env = {**os.environ, "PHOTOCLIP_HOME": str(home), "PHOTOCLIP_MODEL": toy_spec}
    root.mkdir()
    cli_json("folders", "add", root, home=home)
    cli_json("albums", "add", "Night", "--prompt", "the night sky", home=home, env=env)
    watch = subprocess.Popen([sys.executable, "-m", "photoclip", "watch"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    events = None
    stalled = None
    try:
        wait_for(lambda: cli_json("status", home=home, env=env)["watching"], what="the watch to start")
        stalled = ipc.subscribe(_paths(home))  # subscribed over the socket (the service said so), never read
        events = subprocess.Popen([sys.executable, "-m", "photoclip", "events", "--json"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: list[dict] = []
        reader = threading.Thread(target=lambda: lines.extend(json.loads(x) for x in events.stdout), daemon=True)
        reader.start()
        wait_for(lambda: _subscribers(home) == 2, what="the second subscriber")
        staging = tmp_path / "staging"
        burst = draw_folder(staging, seed=9501, count=200, sizes=((64, 48), (48, 64)),
                            scenes=["night", "forest", "beach", "receipt"])
        shutil.move(str(staging), str(root / "burst"))  # 200 photos arrive at once
        arrived = {p.replace(str(staging), str(root / "burst")) for p in burst}
        wait_for(lambda: cli_json("status", home=home, env=env)["photos"] == 200, what="the burst indexed")
        wait_for(lambda: {e.get("path") for e in lines if e["event"] == "indexed"} >= arrived,
                 what="an indexed event for each of the 200")
        some = sorted(arrived)[:3]
        os.rename(some[0], str(root / "moved.jpg"))
        os.remove(some[1])
        wait_for(lambda: any(e["event"] == "moved" and e["path"] == str(root / "moved.jpg") for e in lines)
                 and any(e["event"] == "removed" and e["path"] == some[1] for e in lines),
                 what="the move and the removal")
        night = [p for p in arrived if burst[p.replace(str(root / "burst"), str(staging))].scene == "night"]
        tagged = {e["path"] for e in lines if e["event"] == "indexed" and "Night" in e["albums"]}
        members = {m["path"] for m in cli_json("albums", "show", "Night", home=home, env=env)["members"]}
        still = arrived - set(some[:2])  # the moved and the removed one are no longer there
        assert tagged & still == members & still and len(tagged & set(night)) >= 0.8 * len(night)
    finally:
        watch.send_signal(signal.SIGTERM)
        _, err = watch.communicate(timeout=TIMEOUT)
        if events is not None:
            events.wait(TIMEOUT)  # the service's last event, "stopped", ends the command
    assert watch.returncode == 0, err
    assert events.returncode == 0, events.stderr.read()
    assert lines[-1]["event"] == "stopped"
    # The subscriber that never read: the socket and its buffer took what they could, the watch never waited.
    rest = list(stalled)
    assert rest[-1]["event"] == "stopped"


def test_events_without_a_service_is_one_clear_line(tmp_path):
    r = run_cli("events", home=tmp_path / "home", check=False)
    assert r.returncode == 1 and "No photoclip watch or window is running" in r.stderr


def _subscribers(home) -> int:
    return cli_json("status", home=home)["subscribers"]


def _paths(home):
    from photoclip.paths import AppPaths

    return AppPaths.resolve(home)
