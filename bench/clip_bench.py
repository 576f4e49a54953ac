#!/usr/bin/python3
"""CLIP image embeddings per second: ragdb's embedded API beside PyTorch, same model, same images.

The model is a random-weight CLIP at openai/clip-vit-base-patch32's size (ViT-B/32 vision tower,
224 x 224 inputs, 512-d projection), written by scripts/gen_clip_fixture.py --size base in
Hugging Face layout. Both sides start from the encoded JPEG files and do all the work: decode,
resize the shorter side to 224 (bicubic), center crop, normalize, the vision tower and the
projection, in batches of --batch images.

  ragdb:   build/clip_bench (Embedder::EmbedImages, --threads 2; decoding and resizing run in
           parallel over the same threads)
  PyTorch: Pillow preprocessing as transformers' CLIPImageProcessor does it, then a batched
           float32 forward pass in plain PyTorch (torch.set_num_threads(2)), no_grad

Rounds alternate (ragdb, PyTorch, ragdb, ...) so a busy machine slows both alike; the medians
and their ratio are printed.

Usage: /usr/bin/python3 bench/clip_bench.py [--build build] [--images 64] [--batch 32]
                                            [--rounds 3] [--seconds 10]
"""
import argparse
import json
import math
import os
import statistics
import struct
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import gen_clip_fixture as clip  # noqa: E402


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype="<f4").copy()).view(
            info["shape"])
    return out


def batched_image_features(W, cfg, pixels):
    """The vision tower on a batch [B, 3, S, S] in float32 (batched attention)."""
    v = cfg["vision_config"]
    h, nh, eps = v["hidden_size"], v["num_attention_heads"], v["layer_norm_eps"]
    hd = h // nh
    B = pixels.shape[0]
    x = F.conv2d(pixels, W["vision_model.embeddings.patch_embedding.weight"],
                 stride=v["patch_size"]).flatten(2).transpose(1, 2)
    cls = W["vision_model.embeddings.class_embedding"].expand(B, 1, h)
    x = torch.cat([cls, x], 1) + W["vision_model.embeddings.position_embedding.weight"]
    x = F.layer_norm(x, (h,), W["vision_model.pre_layrnorm.weight"],
                     W["vision_model.pre_layrnorm.bias"], eps)
    L = x.shape[1]
    for l in range(v["num_hidden_layers"]):
        g = lambda n: W[f"vision_model.encoder.layers.{l}.{n}"]
        lin = lambda t, n: F.linear(t, g(n + ".weight"), g(n + ".bias"))
        r = F.layer_norm(x, (h,), g("layer_norm1.weight"), g("layer_norm1.bias"), eps)
        q = (lin(r, "self_attn.q_proj") * hd ** -0.5).view(B, L, nh, hd).transpose(1, 2)
        k = lin(r, "self_attn.k_proj").view(B, L, nh, hd).transpose(1, 2)
        val = lin(r, "self_attn.v_proj").view(B, L, nh, hd).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2), -1) @ val
        x = x + lin(a.transpose(1, 2).reshape(B, L, h), "self_attn.out_proj")
        r = F.layer_norm(x, (h,), g("layer_norm2.weight"), g("layer_norm2.bias"), eps)
        m = lin(r, "mlp.fc1")
        x = x + lin(m * torch.sigmoid(1.702 * m), "mlp.fc2")
    pooled = F.layer_norm(x[:, 0], (h,), W["vision_model.post_layernorm.weight"],
                          W["vision_model.post_layernorm.bias"], eps)
    out = F.linear(pooled, W["visual_projection.weight"])
    return out / out.norm(dim=-1, keepdim=True)


def torch_round(W, cfg, files, batch, seconds):
    def once():
        for i in range(0, len(files), batch):
            px = np.stack([clip.preprocess(f, 224, 224) for f in files[i:i + batch]])
            batched_image_features(W, cfg, torch.from_numpy(px))
    with torch.no_grad():
        once()  # warm-up
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            once()
            done += len(files)
        return done / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--work", default="/tmp/ragdb-clip-bench")
    args = ap.parse_args()
    model = os.path.join(args.work, "clip-base")
    if not os.path.exists(os.path.join(model, "model.safetensors")):
        subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "gen_clip_fixture.py"),
                        "--out", model, "--size", "base"], check=True)
    img_dir = os.path.join(args.work, "images")
    os.makedirs(img_dir, exist_ok=True)
    rng = np.random.default_rng(1)
    files = []
    for i in range(args.images):
        path = os.path.join(img_dir, f"img{i:04d}.jpg")
        if not os.path.exists(path):
            # Smooth random "photos" of a few sizes, as JPEG (quality 90).
            w, h = [(640, 480), (800, 600), (480, 640)][i % 3]
            small = rng.integers(0, 256, size=(h // 16, w // 16, 3), dtype=np.uint8)
            Image.fromarray(small).resize((w, h), Image.BICUBIC).save(path, quality=90)
        files.append(path)

    torch.set_num_threads(2)
    cfg = json.load(open(os.path.join(model, "config.json")))
    W = load_safetensors(os.path.join(model, "model.safetensors"))
    ours, theirs = [], []
    for r in range(args.rounds):
        out = subprocess.run([os.path.join(args.build, "src", "model", "clip_bench"), "--model",
                              model, "--batch", str(args.batch), "--threads", "2", "--seconds",
                              str(args.seconds), "--images"] + files,
                             check=True, capture_output=True, text=True).stdout
        ours.append(json.loads(out)["images_per_s"])
        theirs.append(torch_round(W, cfg, files, args.batch, args.seconds))
        print(f"round {r + 1}: ragdb {ours[-1]:.1f} images/s, PyTorch {theirs[-1]:.1f} images/s",
              flush=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(json.dumps({"layer": "embedded API (Embedder::EmbedImages) vs PyTorch in-process",
                      "model": "random-weight CLIP ViT-B/32 (224, 512-d)", "batch": args.batch,
                      "threads": 2, "images": args.images, "ragdb_images_per_s": round(a, 2),
                      "pytorch_images_per_s": round(b, 2), "ratio": round(a / b, 2),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
