"""Train the small CLIP that tests and benchmarks use, on pictures of the toy world (tools/toyworld.py).

    python tools/train_toyclip.py --out tests/fixtures/toyclip [--device cpu|cuda] [--steps N]

Deterministic: fixed seeds for the data, the captions and the weights (bit-identical on one device
type; CPU and GPU runs differ in rounding).  The result is an open_clip `local-dir:` folder
(open_clip_config.json + open_clip_model.safetensors, weights stored in float16 to stay small) that loads
through open_clip's own code and tokenizer.  The defaults are the settings of the committed fixture: about 7 minutes on one
GPU (`--device cuda --workers 16 --threads 8`); on a 2-core CPU, `--steps 1500 --batch 128 --images 40000`
finishes in about 15 minutes but gives a weaker model.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import toyworld  # noqa: E402

MODEL_CFG = {
    "embed_dim": 64,
    "vision_cfg": {"image_size": 64, "layers": 4, "width": 128, "head_width": 32, "patch_size": 8},
    "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": 64, "heads": 4, "layers": 3},
}
PREPROCESS_CFG = {
    "size": 64,
    "mean": [0.5, 0.5, 0.5],
    "std": [0.25, 0.25, 0.25],
    "interpolation": "bicubic",
    # Squash rather than crop: a toy object can sit at any edge, and a crop would cut it away.
    "resize_mode": "squash",
}
TRAIN_SEED = 1234


def _render_chunk(args):
    seed, count = args
    from open_clip.transform import PreprocessCfg, image_transform_v2

    transform = image_transform_v2(PreprocessCfg(**PREPROCESS_CFG), is_train=False)
    rng = random.Random(seed)
    images, pics = [], []
    for _ in range(count):
        pic = toyworld.random_picture(rng)
        w, h = rng.randint(56, 160), rng.randint(56, 160)
        images.append(transform(toyworld.draw_picture(pic, w, h, rng)).numpy().astype(np.float16))
        pics.append(pic)
    return np.stack(images), pics


def render_dataset(count: int, workers: int, chunk: int = 500):
    jobs = [(TRAIN_SEED * 100_003 + i, min(chunk, count - i * chunk)) for i in range((count + chunk - 1) // chunk)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_render_chunk, jobs))
    return np.concatenate([p[0] for p in parts]), [pic for p in parts for pic in p[1]]


def train(args) -> None:
    import open_clip

    torch.manual_seed(TRAIN_SEED)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    t0 = time.time()
    images, pics = render_dataset(args.images, args.workers)
    images_t = torch.from_numpy(images)
    print(f"rendered {len(pics)} pictures in {time.time() - t0:.0f}s", flush=True)

    model = open_clip.CLIP(**MODEL_CFG).to(device)
    tokenizer = open_clip.SimpleTokenizer(context_length=MODEL_CFG["text_cfg"]["context_length"])
    loss_fn = open_clip.ClipLoss()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    warmup = max(1, args.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / args.steps))))
    rng = random.Random(TRAIN_SEED)
    gen = torch.Generator().manual_seed(TRAIN_SEED)
    model.train()
    for step in range(args.steps):
        idx = torch.randint(0, len(pics), (args.batch,), generator=gen)
        batch = images_t[idx].float().to(device)
        texts = tokenizer([toyworld.caption(pics[i], rng) for i in idx.tolist()]).to(device)
        img_f, txt_f, scale = model(batch, texts)
        loss = loss_fn(img_f, txt_f, scale)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.3f} scale {scale.item():.1f} {time.time() - t0:.0f}s", flush=True)
    save(model.cpu().eval(), Path(args.out))
    print(f"saved to {args.out} after {time.time() - t0:.0f}s", flush=True)


def save(model, out: Path) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "open_clip_model.safetensors"))
    config = {"model_cfg": MODEL_CFG, "preprocess_cfg": PREPROCESS_CFG}
    (out / "open_clip_config.json").write_text(json.dumps(config, indent=2) + "\n")


def evaluate(model_dir: str, seed: int = 987_654) -> dict:
    """Zero-shot scene accuracy and colour-shape precision@5 on freshly drawn pictures."""
    import open_clip

    model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{model_dir}")
    tokenizer = open_clip.get_tokenizer(f"local-dir:{model_dir}")
    model.eval()
    pics = toyworld.draw_set(seed, 360, sizes=((200, 150), (120, 160), (90, 90)))
    with torch.no_grad():
        img = model.encode_image(torch.stack([preprocess(im) for im, _ in pics]), normalize=True)
        names = ["a photo of " + toyworld.SCENE_PHRASES[s][0] for s in toyworld.SCENES]
        txt = model.encode_text(tokenizer(names), normalize=True)
        pred = (img @ txt.T).argmax(1).tolist()
        acc = float(np.mean([toyworld.SCENES[p] == pic.scene for p, (_, pic) in zip(pred, pics)]))
        precs = []
        for color in toyworld.COLORS:
            for shape in toyworld.SHAPES:
                q = model.encode_text(tokenizer([f"a {color} {shape}"]), normalize=True)
                top = (img @ q.T).squeeze(1).argsort(descending=True)[:5].tolist()
                precs.append(np.mean([pics[i][1].has(color, shape) for i in top]))
    return {"scene_accuracy": acc, "precision_at_5": float(np.mean(precs))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="tests/fixtures/toyclip")
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--images", type=int, default=150_000)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-only", action="store_true", help="only evaluate the model in --out")
    args = p.parse_args()
    if not args.eval_only:
        train(args)
    print(json.dumps(evaluate(args.out)))


if __name__ == "__main__":
    main()
