import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"  # tests never touch the network, even by accident
# Reading the text in photos costs a tenth of a second or more per photo: the tests of text in photos
# (test_text.py and the others that name it) turn it on for their own libraries; the rest leave it off.
os.environ["PHOTOCLIP_READ_TEXT"] = "0"
# Finding faces likewise: test_people.py turns it on for its own libraries.
os.environ["PHOTOCLIP_FIND_FACES"] = "0"

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TOY_MODEL = ROOT / "photoclip" / "data" / "toyclip"
TOY_SPEC = f"local-dir:{TOY_MODEL}"


@pytest.fixture(scope="session")
def toy_spec() -> str:
    return TOY_SPEC


@pytest.fixture(scope="session")
def encoder():
    from photoclip.encoder import Encoder

    return Encoder(TOY_SPEC, device="cpu").load()


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("PHOTOCLIP_HOME", str(h))
    monkeypatch.setenv("PHOTOCLIP_MODEL", TOY_SPEC)
    return h


@pytest.fixture
def people_library(library, tmp_path, monkeypatch):
    """`library` with faces found in test_people.draw_people's photos of two people: (library, their paths)."""
    pytest.importorskip("dlib")
    from test_people import draw_people

    monkeypatch.setenv("PHOTOCLIP_FIND_FACES", "1")
    pics = draw_people(tmp_path / "pics")
    library.add_folders([str(tmp_path / "pics")])
    library.index_now()
    return library, pics


@pytest.fixture
def library(home, encoder):
    """A real Library in a temporary home, sharing the session's loaded toy model."""
    from photoclip.library import Library

    lib = Library(home=home, model=TOY_SPEC, device="cpu")
    lib.encoder = encoder
    yield lib
    lib.close()
