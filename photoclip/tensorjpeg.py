"""JPEGs decoded in batches as tensors (nvjpeg on a CUDA GPU, through torchvision.io.decode_jpeg), turned
upright, resized, cropped and normalised as tensor operations, and fingerprinted, all on the model's device.

The indexer uses this on a GPU, where it is several times faster than decoding on the CPU; the same code runs on
the CPU (torchvision's libjpeg decoder), which is how the tests cover it.  Anything it cannot do (another format,
an image the decoder rejects, a transform it does not know) goes the CPU way through Pillow instead.
"""
from __future__ import annotations

import logging

import numpy as np

from . import imageio

log = logging.getLogger(__name__)


def supported(preprocess_cfg: dict | None) -> bool:
    """Whether the model's preprocessing is one this module reproduces (resize modes of open_clip)."""
    cfg = preprocess_cfg or {}
    return cfg.get("resize_mode", "shortest") in ("shortest", "squash") and cfg.get("interpolation", "bicubic") in (
        "bicubic", "bilinear") and "size" in cfg


def _upright(t, orientation: int):
    """EXIF orientation on a C x H x W tensor: the same turns as Pillow's transposes in imageio._upright."""
    import torch

    if orientation == 2:
        return t.flip(-1)
    if orientation == 3:
        return t.flip(-1, -2)
    if orientation == 4:
        return t.flip(-2)
    if orientation == 5:
        return t.transpose(-1, -2)
    if orientation == 6:
        return torch.rot90(t, -1, dims=(-2, -1))
    if orientation == 7:
        return t.transpose(-1, -2).flip(-1, -2)
    if orientation == 8:
        return torch.rot90(t, 1, dims=(-2, -1))
    return t


class TensorJpeg:
    def __init__(self, device: str, preprocess_cfg: dict, dtype, mean, std):
        """mean, std: the model's normalisation as 1 x 3 x 1 x 1 tensors on `device` (the encoder's own)."""
        self.device = device
        self.cfg = dict(preprocess_cfg)
        size = self.cfg["size"]
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.mode = "bicubic" if self.cfg.get("interpolation", "bicubic") == "bicubic" else "bilinear"
        self.mean, self.std = mean, std
        self.dtype = dtype

    def decode(self, datas: list[bytes]) -> list:
        """uint8 C x H x W tensors on the device, or an exception per image the decoder rejects."""
        import torch
        from torchvision.io import ImageReadMode, decode_jpeg

        raw = [torch.frombuffer(bytearray(d), dtype=torch.uint8) for d in datas]
        try:
            return list(decode_jpeg(raw, mode=ImageReadMode.RGB, device=self.device))
        except Exception:  # one bad file fails the whole call: find it, decode the rest
            out = []
            for r in raw:
                try:
                    out.append(decode_jpeg(r, mode=ImageReadMode.RGB, device=self.device))
                except Exception as e:
                    out.append(e)
            return out

    def _resized(self, t):
        """The model's resize and crop (open_clip's 'shortest' or 'squash'), as float 1 x 3 x H x W."""
        import torch.nn.functional as F

        h, w = t.shape[-2:]
        x = t.unsqueeze(0).float()
        if self.cfg.get("resize_mode", "shortest") == "squash":
            return F.interpolate(x, size=self.size, mode=self.mode, antialias=True, align_corners=False)
        short = min(self.size)
        nh, nw = (short, int(short * w / h)) if h <= w else (int(short * h / w), short)
        x = F.interpolate(x, size=(nh, nw), mode=self.mode, antialias=True, align_corners=False)
        top, left = int(round((nh - self.size[0]) / 2.0)), int(round((nw - self.size[1]) / 2.0))
        return x[..., top:top + self.size[0], left:left + self.size[1]]

    def _fingerprint(self, t) -> bytes:
        """imageio.fingerprint of an upright C x H x W uint8 tensor (box averages, as Pillow's BOX filter)."""
        import torch.nn.functional as F

        h, w = t.shape[-2:]
        x = t.unsqueeze(0).float()
        n = imageio.FINGERPRINT_GRID
        parts = []
        for c in imageio.FINGERPRINT_CROPS:
            crop = x[..., int(round(h * c)):h - int(round(h * c)), int(round(w * c)):w - int(round(w * c))]
            grid = F.adaptive_avg_pool2d(crop, (n, n)).round().clamp(0, 255).to("cpu").numpy().astype(np.uint8)
            parts.append(grid[0].transpose(1, 2, 0).tobytes())  # H x W x RGB, as Image.tobytes
        return b"".join(parts)

    def batch(self, datas: list[bytes], orientations: list[int]):
        """(normalised model input for the images that decoded, their fingerprints, {index: reason} for the
        ones that did not).  Rows of the input follow the order of the images that decoded."""
        import torch

        images, prints, failed = [], [], {}
        for i, (t, orientation) in enumerate(zip(self.decode(datas), orientations)):
            if isinstance(t, Exception):
                failed[i] = f"corrupt image ({t})"
                continue
            t = _upright(t, orientation)
            prints.append(self._fingerprint(t))
            images.append(self._resized(t))
        if not images:
            return None, prints, failed
        x = torch.cat(images).clamp_(0, 255).div_(255.0)
        return ((x - self.mean) / self.std).to(self.dtype), prints, failed
