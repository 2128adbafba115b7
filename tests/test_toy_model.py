"""The committed test model really understands the toy world (fresh pictures, unseen seed and sizes)."""
import numpy as np
import toyworld

from photoclip.albums import ensemble, template_set

FRESH_SEED = 31_337  # never used in training (training draws from TRAIN_SEED-derived seeds)
SIZES = ((211, 157), (140, 190), (97, 97), (320, 180))


def _encode(encoder, pics):
    return encoder.encode_images([encoder.preprocess(img) for img, _ in pics])


def test_loads_through_open_clip_local_dir(encoder, toy_spec):
    assert encoder.model_id.startswith("local-dir:") and encoder.device == "cpu"
    v = encoder.encode_texts(["a red circle"])
    assert v.shape == (1, 64)
    assert abs(float(np.linalg.norm(v[0])) - 1.0) < 1e-5


def test_zero_shot_scene_classification_at_least_90_percent(encoder):
    pics = toyworld.draw_set(FRESH_SEED, 300, sizes=SIZES)
    img = _encode(encoder, pics)
    names = {"beach": "a beach", "forest": "a forest", "snow": "snow", "night": "the night sky",
             "receipt": "a receipt", "room": "a room"}
    classes = ensemble(encoder, [names[s] for s in toyworld.SCENES], template_set("personal"))
    pred = (img @ classes.T).argmax(axis=1)
    acc = np.mean([toyworld.SCENES[p] == pic.scene for p, (_, pic) in zip(pred, pics)])
    assert acc >= 0.90, acc


def test_text_to_image_retrieval_precision_at_5(encoder):
    pics = toyworld.draw_set(FRESH_SEED + 1, 400, sizes=SIZES)
    img = _encode(encoder, pics)
    precisions = []
    for color in toyworld.COLORS:
        for shape in toyworld.SHAPES:
            q = encoder.encode_texts([f"a {color} {shape}"])[0]
            top = np.argsort(-(img @ q))[:5]
            precisions.append(np.mean([pics[i][1].has(color, shape) for i in top]))
    assert np.mean(precisions) >= 0.8, np.mean(precisions)


def test_toyworld_has_a_command_line(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    r = subprocess.run([sys.executable, str(ROOT / "tools" / "toyworld.py"), str(tmp_path / "w"), "--count", "4",
                        "--scene", "snow", "--size", "64x48", "--captions"], capture_output=True, text=True, check=True)
    files = sorted(p.name for p in (tmp_path / "w").iterdir())
    assert files == [f"000{i}_snow.jpg" for i in range(4)] and len(r.stdout.splitlines()) == 4
    bad = subprocess.run([sys.executable, str(ROOT / "tools" / "toyworld.py"), str(tmp_path), "--size", "big"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--size" in bad.stderr
