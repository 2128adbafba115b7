"""The on-device CLIP encoder: open_clip models on CUDA, MPS or the CPU, loaded lazily.

torch and open_clip are imported only when a model is loaded, so the CLI's cheap commands and the GUI's
first paint never pay for them.  Embeddings come back as L2-normalised float32 numpy arrays.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlparse

import numpy as np

from .models import DEFAULT_MODEL, MODEL_ENV, normalize_spec, parse_spec  # noqa: F401 - re-exported
from .errors import PhotoclipError

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")
OFFLINE_HINT = ("To work offline, put a model folder (open_clip_config.json and open_clip_model.safetensors) "
                "on this machine and run with --model local-dir:/path/to/folder.")


class ModelLoadError(PhotoclipError):
    """The model could not be loaded; str(e) is one sentence for the user.  `kind` says what kind of trouble it
    is, for front ends that say it in their own words (the window, in its language): "offline", "folder" (a
    model folder that is missing or holds no model), "damaged", "unknown" (no such model) or "other"."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind


def pick_device(requested: str = "auto") -> str:
    import torch

    if requested not in DEVICES:
        raise ModelLoadError(f"Unknown device {requested!r}; use one of {', '.join(DEVICES)}.")
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("--device cuda was asked for, but PyTorch sees no CUDA GPU on this machine.")
    if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ModelLoadError("--device mps was asked for, but this machine has no Apple GPU available to PyTorch.")
    return requested


def _unreachable(endpoint: str, timeout: float = 3.0) -> str | None:
    """Why the model hub cannot be reached, or None when it can (or a proxy decides)."""
    if any(os.environ.get(k) for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return None
    url = urlparse(endpoint)
    host = url.hostname or "huggingface.co"
    try:  # the endpoint's own port: a mirror (HF_ENDPOINT) may listen elsewhere than 443
        socket.create_connection((host, url.port or (80 if url.scheme == "http" else 443)), timeout=timeout).close()
    except OSError as e:
        return f"{host} cannot be reached: {e.strerror or e}"
    return None


# What a damaged weights file (or weights of another shape than the config) says when open_clip loads it.
_DAMAGED = ("safetensor", "header", "deserializ", "corrupt", "unexpected end", "invalid", "size mismatch",
            "error(s) in loading state_dict", "unpickling", "truncated", "incomplete metadata")


def _explain(spec: str, err: BaseException, cache_dir: str | None = None) -> tuple[str, str]:
    """(one sentence for the user, its ModelLoadError kind)."""
    text = f"{type(err).__name__}: {err}".lower()
    if spec.startswith("local-dir:"):
        folder = spec[len("local-dir:"):]
        if "not found" in text or isinstance(err, FileNotFoundError):
            cause = f"the folder {folder} does not exist or holds no open_clip_config.json"
        else:
            cause = f"the folder {folder} does not hold a valid open_clip model ({str(err).splitlines()[0][:160]})"
        return f"Could not load the model {spec}: {cause}.", "folder"
    if any(k in text for k in _DAMAGED):  # before the network words: a cache path under "hub" is no download
        where = f" (photoclip's models folder, {cache_dir})" if cache_dir else ""
        return (f"Could not load the model {spec}: its weights on this machine are damaged or do not fit its "
                f"config ({str(err).splitlines()[0][:160]}); delete them from the models folder{where} and photoclip "
                "downloads them again."), "damaged"
    if any(k in text for k in ("connect", "network", "resolve", "offline", "timed out", "download",
                               "max retries", "ssl", "hub", "http", "localentrynotfound")):
        cause, kind = "its weights are not on this machine and could not be downloaded", "offline"
    elif "not found in built-ins" in text or "unknown model" in text or "pretrained" in text and "tag" in text:
        cause, kind = "open_clip knows no such model or pretrained tag", "unknown"
    else:
        cause, kind = (str(err).splitlines()[0][:200] if str(err) else type(err).__name__), "other"
    return f"Could not load the model {spec}: {cause}. {OFFLINE_HINT}", kind


class Encoder:
    """Loads an open_clip model once and encodes batches of images and texts."""

    def __init__(self, spec: str = DEFAULT_MODEL, device: str = "auto", cache_dir: str | os.PathLike | None = None,
                 threads: int | None = None):
        self.spec = normalize_spec(spec)
        self.requested_device = device
        self.cache_dir = str(cache_dir) if cache_dir else None
        self.threads = threads
        self.device: str | None = None
        self._model = None
        self._tokenizer = None
        self._preprocess = None
        self._pil_stage = None
        self._jpeg = None
        self.tensor_jpeg: bool | None = None  # None: on a CUDA GPU only
        self._onnx = None  # onnxencode.OnnxImageTower once built (None: not yet, False: not used)
        self._dtype = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.spec

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load_in_background(self) -> None:
        """Start loading on a thread of its own, so the first photos decode meanwhile; callers that need the
        model (load, preprocess, input_size) wait for it, and get its ModelLoadError if it fails."""
        if self._model is not None or self._lock.locked():
            return

        def run():
            try:
                self.load()
            except BaseException:  # the next load() says what went wrong
                log.debug("background model load failed", exc_info=True)

        threading.Thread(target=run, name="photoclip-model-load", daemon=True).start()

    def load(self) -> "Encoder":
        with self._lock:
            if self._model is not None:
                return self
            # Decode threads share the cores with PyTorch's: its OpenMP threads should sleep when idle rather
            # than spin (read once, when OpenMP starts; measured in bench_index.py).
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import open_clip
                import torch
            except ImportError as e:  # pragma: no cover - a broken install
                raise ModelLoadError(f"PyTorch or open_clip is not installed ({e}).") from None
            if self.threads:
                torch.set_num_threads(self.threads)
            device = pick_device(self.requested_device)
            name, tag = parse_spec(self.spec)
            precision = "fp16" if device == "cuda" else "fp32"
            def create():
                # require_pretrained: open_clip would otherwise go on with random weights when a folder or a hub
                # repository has a config but no weights (it only logs a warning), and index nonsense.
                model, _, preprocess = open_clip.create_model_and_transforms(
                    name, pretrained=tag, device=device, precision=precision, cache_dir=self.cache_dir,
                    require_pretrained=True)
                return model, preprocess, open_clip.get_tokenizer(name, cache_dir=self.cache_dir)

            try:
                model, preprocess, tokenizer = self._offline_first(create)
            except (KeyboardInterrupt, SystemExit):
                raise
            except ModelLoadError:
                raise
            except BaseException as e:
                log.debug("model load failed", exc_info=True)
                message, kind = _explain(self.spec, e, self.cache_dir)
                raise ModelLoadError(message + self._partial_download(), kind) from None
            model.eval()
            self._model, self._tokenizer, self._preprocess = model, tokenizer, preprocess
            self._dtype = torch.float16 if precision == "fp16" else torch.float32
            self.device = device
            self._split_transforms()
            log.info("loaded %s on %s", self.spec, device)
            return self

    def _offline_first(self, create):
        """Weights already on disk load with the hub switched to offline mode: no network call at all.  Only
        when they are not there, and only if the hub can be reached, is the network used (a machine without
        one gets its answer in seconds, not after a minute of retries)."""
        if self.spec.startswith("local-dir:"):
            return create()
        import huggingface_hub.constants as hub

        if hub.HF_HUB_OFFLINE:
            return create()
        hub.HF_HUB_OFFLINE = True
        try:
            return create()
        except Exception:
            log.debug("the weights are not on disk yet", exc_info=True)
        finally:
            hub.HF_HUB_OFFLINE = False
        reason = _unreachable(hub.ENDPOINT)
        if reason:
            raise ModelLoadError(f"Could not load the model {self.spec}: its weights are not on this machine and "
                                 f"cannot be downloaded ({reason}).{self._partial_download()} {OFFLINE_HINT}",
                                 "offline")
        self._download()
        return create()

    def fetch(self, on_progress: Callable, should_stop: Callable[[], bool]) -> None:
        """Download what load() needs, with progress and a stop (the window's first run), when it is not on disk
        yet and the hub can be reached; otherwise nothing, and load() says what it finds.  Raises
        download.Stopped when stopped, ModelLoadError when what arrived is damaged."""
        import huggingface_hub.constants as hub

        from . import download

        if (self.spec.startswith("local-dir:") or hub.HF_HUB_OFFLINE or not download.needed(self.spec, self.cache_dir)
                or _unreachable(hub.ENDPOINT)):
            return
        self._download(on_progress, should_stop)

    def _download(self, on_progress: Callable | None = None, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Fetch the weights through photoclip's own download (download.py: resumable, checked), with a
        progress bar on a terminal; open_clip then finds them on disk."""
        from . import download

        bar = None
        if sys.stderr is not None and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=0, unit="B", unit_scale=True, file=sys.stderr, desc="downloading the model")

        def show(p) -> None:
            if on_progress is not None:
                on_progress(p)
            if bar is not None:
                bar.total, bar.n = p.total, p.done
                bar.refresh()

        try:
            download.download(self.spec, self.cache_dir, show, should_stop)
        except download.DamagedDownload as e:
            raise ModelLoadError(e.sentence(self.spec), "damaged") from None
        finally:
            if bar is not None:
                bar.close()

    def _partial_download(self) -> str:
        """How far an interrupted download got, as a clause for the error message."""
        if not self.cache_dir:
            return ""
        got = sum(p.stat().st_size for p in Path(self.cache_dir).rglob("*.part") if p.is_file())
        return f" (the download had reached {got / 1e6:.0f} MB; it resumes from there)" if got else ""

    @property
    def input_size(self) -> int:
        """The short side the model sees; decoders aim a little above it."""
        self.load()
        size = getattr(self._model.visual, "image_size", 224)
        return int(size[0] if isinstance(size, (tuple, list)) else size)

    @property
    def dim(self) -> int:
        self.load()
        return int(self._model.text_projection.shape[1] if hasattr(self._model, "text_projection")
                   and self._model.text_projection is not None else self.encode_texts(["x"]).shape[1])

    @property
    def logit_scale(self) -> float:
        """The temperature CLIP was trained with (100 for OpenAI's models): turns similarities into logits."""
        self.load()
        scale = getattr(self._model, "logit_scale", None)
        return float(scale.exp().item()) if scale is not None else 100.0

    @property
    def logit_bias(self) -> float | None:
        """SigLIP-style models learn a bias next to the scale and score each image-text pair with a sigmoid,
        sigmoid(scale * cos + bias), a probability on its own; CLIP-style models have none (None)."""
        self.load()
        bias = getattr(self._model, "logit_bias", None)
        return float(bias.item()) if bias is not None else None

    def match_probability(self, cos: np.ndarray) -> np.ndarray:
        """For a sigmoid model: the model's own probability that image and text match, from their cosine."""
        z = self.logit_scale * np.asarray(cos, np.float64) + (self.logit_bias or 0.0)
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    @property
    def languages(self) -> list[str] | None:
        """What the text tower understands, if known: ["en"], ["en", "zh"], ["*"] (many languages), or None."""
        from . import models

        return models.languages(self.spec)

    def preprocess(self, image):
        """PIL image -> what encode_images takes; thread-safe, so decode workers call it.

        The model's own transforms are split where the tensor work begins: the PIL steps (resize, crop, RGB)
        run here and give a uint8 HxWx3 array; ToTensor and Normalize run batched in encode_images (on the
        GPU when there is one).  A transform list of another shape is applied whole (a float tensor)."""
        self.load()
        if self._pil_stage is None:
            return self._preprocess(image)
        return np.asarray(self._pil_stage(image), dtype=np.uint8)

    def _split_transforms(self) -> None:
        """Find [PIL steps..., ToTensor, Normalize] in open_clip's Compose; remember the PIL part and the
        normalisation constants."""
        from torchvision import transforms as T

        self._pil_stage = None
        steps = list(getattr(self._preprocess, "transforms", []))
        if len(steps) >= 2 and isinstance(steps[-2], T.ToTensor) and type(steps[-1]) is T.Normalize:
            import torch

            self._pil_stage = T.Compose(steps[:-2]) if len(steps) > 2 else (lambda im: im)
            norm = steps[-1]
            self._mean = torch.tensor(norm.mean, dtype=torch.float32).view(1, 3, 1, 1).to(self.device)
            self._std = torch.tensor(norm.std, dtype=torch.float32).view(1, 3, 1, 1).to(self.device)

    def _batch(self, items: Sequence):
        """Stack preprocessed items into the model's input batch on its device: uint8 arrays (normalised here,
        as one tensor operation) and ready tensors (already normalised) may be mixed; the order is kept."""
        import torch

        arrays = [i for i, item in enumerate(items) if isinstance(item, np.ndarray)]
        rows = [None] * len(items)
        if arrays:
            cpu = torch.from_numpy(np.stack([items[i] for i in arrays]))  # N x H x W x 3, uint8
            if self.device == "cuda":
                cpu = cpu.pin_memory()  # an asynchronous copy; normalising happens on the GPU
            x = cpu.to(self.device, non_blocking=True).permute(0, 3, 1, 2).float().div_(255.0)
            x = ((x - self._mean) / self._std).to(self._dtype)
            for row, i in enumerate(arrays):
                rows[i] = x[row]
        for i, item in enumerate(items):
            if rows[i] is None:
                rows[i] = item.to(self.device, dtype=self._dtype)
        return torch.stack(rows).contiguous()

    @property
    def jpeg_decoder(self):
        """Batched JPEG decoding on the model's device (tensorjpeg.TensorJpeg) on a CUDA GPU, or when asked for
        (tensor_jpeg = True, as the tests do on the CPU); None otherwise or when the model's transforms are of a
        kind it does not reproduce."""
        self.load()
        if self._jpeg is None:
            from . import tensorjpeg

            cfg = getattr(self._model.visual, "preprocess_cfg", None)
            wanted = self.tensor_jpeg if self.tensor_jpeg is not None else self.device == "cuda"
            # Only for transforms of the usual shape, whose normalisation _split_transforms read: the decoder
            # normalises with those same constants.
            usual = self._pil_stage is not None
            self._jpeg = (tensorjpeg.TensorJpeg(self.device, cfg, self._dtype, self._mean, self._std)
                          if wanted and usual and tensorjpeg.supported(cfg) else False)
        return self._jpeg or None

    def batch_size(self, default: int) -> int:
        """How many photos to encode at once: `default` on the CPU; on a GPU as many as its free memory holds
        comfortably (about 64 MB each, for a 12 MP JPEG decoded there and its activations), up to 256."""
        if self.device != "cuda":
            return default
        import torch

        free, _total = torch.cuda.mem_get_info()
        return int(min(256, max(default, free // (64 * 1024**2) // 2)))

    def prepare_for_many_images(self) -> None:
        """Called by the indexer's encode thread before a run of batches: on the CPU, build (or reuse) the
        ONNX Runtime image tower (onnxencode), which encode_images then uses.  Once per encoder."""
        self.load()
        if self._onnx is not None:
            return
        self._onnx = False
        from . import onnxencode

        if self.device != "cpu" or not onnxencode.wanted():
            return
        folder = os.path.join(self.cache_dir or tempfile.gettempdir(), "onnx")
        try:
            self._onnx = onnxencode.OnnxImageTower.build(self.spec, self._model.visual, self.input_size, folder,
                                                         self.threads) or False
        except Exception:  # an optimisation that fails leaves PyTorch in charge
            log.warning("could not build the ONNX image tower; encoding with PyTorch", exc_info=True)

    def encode_images(self, items: Sequence) -> np.ndarray:
        """Vectors for preprocessed images (what preprocess returns), L2-normalised."""
        import torch

        self.load()
        if len(items) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        with torch.inference_mode():
            batch = self._batch(items)
            if self._onnx:
                return _normalize(self._onnx(batch.float().numpy()))
            feats = self._model.encode_image(batch)
        return _normalize(feats.float().cpu().numpy())

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        self.load()
        tokens = self._tokenizer(list(texts)).to(self.device)
        with torch.inference_mode():
            feats = self._model.encode_text(tokens)
        return _normalize(feats.float().cpu().numpy())

    @property
    def torch_model(self):
        """The open_clip model itself (for callers that build classifiers with open_clip's helpers)."""
        self.load()
        return self._model

    @property
    def tokenizer(self):
        self.load()
        return self._tokenizer


def _normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)
