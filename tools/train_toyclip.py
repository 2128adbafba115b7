"""Train the small CLIP that tests and benchmarks use, on pictures of the toy world (tools/toyworld.py).

    python tools/train_toyclip.py --out photoclip/data/toyclip [--device cpu|cuda] [--steps N]

Deterministic: fixed seeds for the data, the captions and the weights (bit-identical on one device
type; CPU and GPU runs differ in rounding).  The result is an open_clip `local-dir:` folder
(open_clip_config.json + open_clip_model.safetensors, weights stored in float16 to stay small) that loads
through open_clip's own code and tokenizer.  `--siglip --chinese` trains the bilingual SigLIP-style fixture
(tests/fixtures/toysiglip): sigmoid loss with a learned logit bias, captions in English and Chinese.  The defaults are the settings of the committed fixture: about 7 minutes on one
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

    cfg = model_cfg(args.siglip)
    model = open_clip.CLIP(**cfg).to(device)
    tokenizer = open_clip.SimpleTokenizer(context_length=cfg["text_cfg"]["context_length"])
    # SigLIP: a sigmoid per image-text pair with a learned bias, instead of a softmax over the batch.
    loss_fn = open_clip.loss.SigLipLoss() if args.siglip else open_clip.ClipLoss()
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
        texts = tokenizer([caption(pics[i], rng, args.chinese) for i in idx.tolist()]).to(device)
        out = model(batch, texts)
        img_f, txt_f, scale = out[:3]
        loss = loss_fn(*out)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.3f} scale {scale.item():.1f} {time.time() - t0:.0f}s", flush=True)
    save(model.cpu().eval(), Path(args.out), cfg, ["en", "zh"] if args.chinese else ["en"])
    print(f"saved to {args.out} after {time.time() - t0:.0f}s", flush=True)


def model_cfg(siglip: bool) -> dict:
    # A SigLIP-style model learns a logit bias next to its scale; open_clip starts it at -10, as SigLIP does.
    # Chinese takes two or three byte-level tokens per character in CLIP's BPE: a longer context.
    if not siglip:
        return MODEL_CFG
    return {**MODEL_CFG, "text_cfg": {**MODEL_CFG["text_cfg"], "context_length": 64},
            "init_logit_scale": math.log(10), "init_logit_bias": -10.0}


def caption(pic, rng: random.Random, chinese: bool) -> str:
    """An English caption, or with --chinese half of the time a Chinese one."""
    if chinese and rng.random() < 0.5:
        return toyworld.caption_zh(pic, rng)
    return toyworld.caption(pic, rng)


def save(model, out: Path, cfg: dict = MODEL_CFG, languages: list[str] = ("en",)) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "open_clip_model.safetensors"))
    # "languages" is photoclip's own key (open_clip ignores it): what the text tower was trained on.
    config = {"model_cfg": cfg, "preprocess_cfg": PREPROCESS_CFG, "languages": list(languages)}
    (out / "open_clip_config.json").write_text(json.dumps(config, indent=2) + "\n")


def evaluate(model_dir: str, seed: int = 987_654) -> dict:
    """Zero-shot scene accuracy and colour-shape precision@5 on freshly drawn pictures, in English and, for a
    bilingual model, in Chinese."""
    import open_clip

    model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{model_dir}")
    tokenizer = open_clip.get_tokenizer(f"local-dir:{model_dir}")
    languages = json.loads((Path(model_dir) / "open_clip_config.json").read_text()).get("languages", ["en"])
    model.eval()
    pics = toyworld.draw_set(seed, 360, sizes=((200, 150), (120, 160), (90, 90)))
    scenes = {"en": ["a photo of " + toyworld.SCENE_PHRASES[s][0] for s in toyworld.SCENES],
              "zh": [toyworld.SCENE_PHRASES_ZH[s][0] for s in toyworld.SCENES]}
    objects = {"en": lambda c, s: f"a {c} {s}",
               "zh": lambda c, s: f"{toyworld.COLORS_ZH[c]}的{toyworld.SHAPES_ZH[s]}"}
    out = {}
    with torch.no_grad():
        img = model.encode_image(torch.stack([preprocess(im) for im, _ in pics]), normalize=True)
        for lang in languages:
            txt = model.encode_text(tokenizer(scenes[lang]), normalize=True)
            pred = (img @ txt.T).argmax(1).tolist()
            acc = float(np.mean([toyworld.SCENES[p] == pic.scene for p, (_, pic) in zip(pred, pics)]))
            precs = []
            for color in toyworld.COLORS:
                for shape in toyworld.SHAPES:
                    q = model.encode_text(tokenizer([objects[lang](color, shape)]), normalize=True)
                    top = (img @ q.T).squeeze(1).argsort(descending=True)[:5].tolist()
                    precs.append(np.mean([pics[i][1].has(color, shape) for i in top]))
            suffix = "" if lang == "en" else f"_{lang}"
            out[f"scene_accuracy{suffix}"] = acc
            out[f"precision_at_5{suffix}"] = float(np.mean(precs))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="photoclip/data/toyclip")
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--images", type=int, default=150_000)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-only", action="store_true", help="only evaluate the model in --out")
    p.add_argument("--siglip", action="store_true", help="a SigLIP-style model: sigmoid loss and a logit bias")
    p.add_argument("--chinese", action="store_true", help="captions in English and Simplified Chinese")
    args = p.parse_args()
    if not args.eval_only:
        train(args)
    print(json.dumps(evaluate(args.out)))


if __name__ == "__main__":
    main()
