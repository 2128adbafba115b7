"""The image tower on the CPU through ONNX Runtime, an opt-in (PHOTOCLIP_ONNX=1): exported once from the same
open_clip weights, cached in the models folder, and used only if its vectors agree with PyTorch's (cosine >=
AGREEMENT on a check batch).

Not on by default, by measurement (benchmarks/bench_index.py reports it in every run): on the development
machine (2 cores of an AMD EPYC, ViT-B/32, batch 16) ONNX Runtime gave 1.18x PyTorch fp32's images per second
at cosine 0.99999, under the 1.3x that issue 12 asks of a second engine; bfloat16 autocast ran at 0.49x.  CPUs
where it measures faster can turn it on.  The text tower stays in PyTorch: a query is one short sequence.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

AGREEMENT = 0.999
ENV = "PHOTOCLIP_ONNX"


def wanted() -> bool:
    if os.environ.get(ENV, "0").strip().lower() not in ("1", "yes", "true", "on"):
        return False
    try:
        import onnx  # noqa: F401 - the exporter needs it
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _key(spec: str, visual, size: int) -> str:
    """Names the exported graph: the model, the versions that made it and a sample of the weights."""
    import onnxruntime
    import open_clip
    import torch

    params = list(visual.parameters())
    sample = float(sum(p.detach().flatten()[:64].double().sum() for p in params[:: max(1, len(params) // 16)]))
    text = f"{spec}|{size}|{open_clip.__version__}|{torch.__version__}|{onnxruntime.__version__}|{sample:.10e}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


class OnnxImageTower:
    def __init__(self, session):
        self.session = session
        self.input = session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input: np.ascontiguousarray(x, dtype=np.float32)})[0]

    @classmethod
    def build(cls, spec: str, visual, size: int, folder: str | os.PathLike, threads: int | None) -> "OnnxImageTower | None":
        """Export (or reuse) the graph for `visual` and check it against PyTorch; None if it does not agree or
        cannot be built (PyTorch then stays in use)."""
        import onnxruntime as ort
        import torch

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"visual-{_key(spec, visual, size)}.onnx"
        probe = torch.randn(4, 3, size, size, generator=torch.Generator().manual_seed(0))
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".onnx.tmp")
            os.close(fd)
            try:
                # With gradients on, attention takes its plain path (the fused inference kernel has no ONNX op).
                with torch.inference_mode(False), torch.enable_grad():
                    torch.onnx.export(visual, probe, tmp, input_names=["x"], output_names=["y"],
                                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=17, dynamo=False)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        tower = cls(ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"]))
        with torch.inference_mode():
            ref = visual(probe).float().numpy()
        got = tower(probe.numpy())
        cos = (ref * got).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(got, axis=1)
        if float(cos.min()) < AGREEMENT:
            log.warning("the ONNX image tower disagrees with PyTorch (cosine %.5f); using PyTorch", float(cos.min()))
            return None
        log.info("image tower on ONNX Runtime (%s), cosine %.6f to PyTorch", path.name, float(cos.min()))
        return tower
