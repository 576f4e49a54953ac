#!/usr/bin/python3
"""Peak memory (and rate) of `ragdb ingest` of 1,000 images into a knowledge base that stores
and embeds pictures with a CLIP model at openai/clip-vit-base-patch32's size (random weights,
scripts/gen_clip_fixture.py --size base). Images are 640 x 480 JPEGs of smooth random colour;
with --ocr auto each is also run through OCR (slow; the default here is --ocr never, so the
figure is the image path: decode, thumbnail, CLIP embedding, write).

Measured at the CLI with /usr/bin/time -v (maximum resident set size).

Usage: /usr/bin/python3 bench/image_ingest_bench.py [--build build] [--images 1000]
                                                    [--ocr never|auto]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--ocr", default="never")
    ap.add_argument("--work", default="/tmp/ragdb-clip-bench")
    args = ap.parse_args()
    model = os.path.join(args.work, "clip-base")
    if not os.path.exists(os.path.join(model, "model.safetensors")):
        subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "gen_clip_fixture.py"),
                        "--out", model, "--size", "base"], check=True)
    folder = os.path.join(args.work, f"ingest{args.images}")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(3)
    total = 0
    for i in range(args.images):
        path = os.path.join(folder, f"photo{i:05d}.jpg")
        if not os.path.exists(path):
            small = rng.integers(0, 256, size=(30, 40, 3), dtype=np.uint8)
            Image.fromarray(small).resize((640, 480), Image.BICUBIC).save(path, quality=88)
        total += os.path.getsize(path)
    with tempfile.TemporaryDirectory() as data:
        cmd = ["/usr/bin/time", "-v", os.path.join(args.build, "ragdb"), "--data", data, "ingest",
               "kb", folder, "--quiet", "--ocr", args.ocr, "--image-embedder", "clip:" + model]
        p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    summary = json.loads(p.stdout)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    print(json.dumps({"layer": "CLI (ragdb ingest --image-embedder clip:MODEL)",
                      "images": args.images, "ocr": args.ocr, "input_mb": round(total / 1e6, 1),
                      "added": summary["added"], "seconds": round(summary["seconds"], 1),
                      "images_per_s": round(summary["added"] / summary["seconds"], 2),
                      "max_rss_mb": round(rss_kb / 1024, 1)}))


if __name__ == "__main__":
    main()
