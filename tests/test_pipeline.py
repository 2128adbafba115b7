"""The indexing pipeline: overlapping stages, batched JPEG decoding as tensors (the GPU path, run here on the
CPU), the same vectors as the plain path, and the model loading while the first photos decode."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from helpers import draw_folder
from PIL import Image

from photoclip import imageio
from photoclip.library import Library


def with_orientations(folder):
    """Toy JPEGs saved with EXIF orientations 1-8 (the pixels stored turned, as a camera does), a PNG, a
    CMYK JPEG and a damaged JPEG; returns {path: the upright picture}."""
    pics = draw_folder(folder, seed=41, count=10, sizes=((160, 112), (112, 160)), exts=("jpg",))
    inverse = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
               5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
               8: Image.Transpose.ROTATE_270}
    for i, path in enumerate(sorted(pics)[:8]):
        orientation = i + 1
        upright = Image.open(path).convert("RGB")
        exif = Image.Exif()
        exif[0x0112] = orientation
        stored = upright.transpose(inverse[orientation]) if orientation in inverse else upright
        stored.save(path, quality=95, exif=exif.tobytes())
    Image.open(sorted(pics)[8]).save(folder / "plain.png")
    Image.open(sorted(pics)[9]).convert("CMYK").save(folder / "cmyk.jpg", quality=95)
    data = open(sorted(pics)[9], "rb").read()
    (folder / "damaged.jpg").write_bytes(data[: len(data) // 3] + b"\x00" * 500)
    return pics


def index(home, folder, spec, tensor_jpeg: bool):
    from photoclip.encoder import Encoder

    lib = Library(home=home, model=spec, device="cpu")
    lib.encoder = Encoder(spec, device="cpu").load()
    lib.encoder.tensor_jpeg = tensor_jpeg
    lib.add_folders([str(folder)])
    out = lib.index_now()
    return lib, out


def test_jpegs_decoded_as_tensors_give_the_plain_paths_vectors(tmp_path, toy_spec):
    with_orientations(tmp_path / "pics")
    plain, plain_out = index(tmp_path / "a", tmp_path / "pics", toy_spec, False)
    batched, batched_out = index(tmp_path / "b", tmp_path / "pics", toy_spec, True)
    assert batched.encoder.jpeg_decoder is not None and plain.encoder.jpeg_decoder is None
    assert plain_out["indexed"] == batched_out["indexed"] == 12 and plain_out["failed"] == batched_out["failed"] == 1
    assert [p for p, _ in plain.catalog.failures()] == [p for p, _ in batched.catalog.failures()]
    assert "damaged.jpg" in batched.catalog.failures()[0][0]
    facts = {r[1]: r for r in plain.catalog.duplicate_facts(plain.model_id)}
    for row in batched.catalog.duplicate_facts(batched.model_id):
        path, w, h, fingerprint = row[1], row[4], row[5], row[7]
        assert (w, h) == (facts[path][4], facts[path][5]), path  # upright dimensions agree
        assert imageio.fingerprint_distance(fingerprint, facts[path][7]) <= 3.0, path
        a = plain.catalog.vector(plain.catalog.photo_by_path(path).id, plain.model_id)
        b = batched.catalog.vector(batched.catalog.photo_by_path(path).id, batched.model_id)
        assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) >= 0.99, path


def test_pipeline_vectors_match_encoding_each_photo_alone(library, tmp_path, encoder):
    pics = draw_folder(tmp_path / "p", seed=43, count=40)
    library.add_folders([str(tmp_path / "p")])
    out = library.index_now()
    assert out["indexed"] == 40 and set(out["stages"]) == {"decode", "encode", "write"}
    assert all(v > 0 for v in out["stages"].values())
    for path in list(pics)[:6]:
        decoded, _digest, _st = imageio.load(path, max(encoder.input_size, 64))
        alone = encoder.encode_images([encoder._preprocess(decoded.image)])[0]  # open_clip's transforms whole
        got = library.catalog.vector(library.catalog.photo_by_path(path).id, library.model_id)
        assert float(alone @ got / np.linalg.norm(got)) >= 0.999


def test_the_model_loads_while_the_first_photos_decode(tmp_path, toy_spec, monkeypatch):
    from photoclip.encoder import Encoder

    draw_folder(tmp_path / "p", seed=44, count=30)
    lib = Library(home=tmp_path / "h", model=toy_spec, device="cpu")
    decoded_while_loading = threading.Event()
    real_decode, real_load = imageio.decode, Encoder.load

    def decode(f, target=256):
        if not lib.encoder.loaded:
            decoded_while_loading.set()
        return real_decode(f, target)

    def slow_load(self):
        if not self.loaded:
            time.sleep(1.0)  # long enough for the decode threads to get going
        return real_load(self)

    monkeypatch.setattr(imageio, "decode", decode)
    monkeypatch.setattr(Encoder, "load", slow_load)
    lib.add_folders([str(tmp_path / "p")])
    assert lib.index_now()["indexed"] == 30
    assert decoded_while_loading.is_set()


@pytest.mark.parametrize("workers", [1, 3])
def test_any_number_of_decode_workers_gives_the_same_library(library, tmp_path, workers, monkeypatch):
    from photoclip import indexer

    monkeypatch.setattr(indexer, "decode_workers", lambda: workers)
    draw_folder(tmp_path / "p", seed=45, count=70)
    library.add_folders([str(tmp_path / "p")])
    assert library.index_now()["indexed"] == 70
    assert library.status()["photos"] == 70 and library.status()["pending"] == 0


def test_the_opt_in_onnx_image_tower_is_used_when_it_agrees(tmp_path, toy_spec, monkeypatch):
    from photoclip import onnxencode
    from photoclip.encoder import Encoder

    pics = [img for img, _ in __import__("toyworld").draw_set(46, 12, sizes=((120, 90),))]
    monkeypatch.setenv(onnxencode.ENV, "1")  # an opt-in: off unless asked for
    plain = Encoder(toy_spec, device="cpu").load()
    want = plain.encode_images([plain.preprocess(im) for im in pics])  # PyTorch: not prepared for many
    assert plain._onnx is None
    fast = Encoder(toy_spec, device="cpu", cache_dir=tmp_path).load()
    fast.prepare_for_many_images()
    assert isinstance(fast._onnx, onnxencode.OnnxImageTower)
    got = fast.encode_images([fast.preprocess(im) for im in pics])
    assert (got * want).sum(1).min() >= 0.9999
    graphs = list((tmp_path / "onnx").glob("visual-*.onnx"))
    assert len(graphs) == 1
    mtime = graphs[0].stat().st_mtime_ns
    again = Encoder(toy_spec, device="cpu", cache_dir=tmp_path).load()
    again.prepare_for_many_images()  # the cached graph is reused, not exported again
    assert again._onnx and graphs[0].stat().st_mtime_ns == mtime
    monkeypatch.delenv(onnxencode.ENV)
    off = Encoder(toy_spec, device="cpu", cache_dir=tmp_path).load()
    off.prepare_for_many_images()
    assert off._onnx is False  # not asked for: PyTorch


def test_an_onnx_graph_that_disagrees_is_not_used(tmp_path, toy_spec, monkeypatch):
    from photoclip import onnxencode
    from photoclip.encoder import Encoder

    monkeypatch.setenv(onnxencode.ENV, "1")
    monkeypatch.setattr(onnxencode.OnnxImageTower, "__call__", lambda self, x: np.random.rand(len(x), 64))
    enc = Encoder(toy_spec, device="cpu", cache_dir=tmp_path).load()
    enc.prepare_for_many_images()
    assert enc._onnx is False
