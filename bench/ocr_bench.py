#!/usr/bin/python3
"""OCR pages per second and ingest throughput of text vs scanned vs mixed folders, at the CLI.

Makes three folders (nothing downloaded; pages drawn by Pillow with DejaVu Sans):
  text/     24 Markdown files and 6 three-page PDFs with a text layer
  scanned/  24 A4 pages as PNG (150 dpi, ~30 lines each) and 2 image-only three-page PDFs
  mixed/    both
and ingests each with `ragdb ingest` (hash embedder, --ocr auto, languages eng+chi_sim) into a
fresh data folder, reading the command's own summary (files, pages, seconds).

Peer: the `tesseract` command (Debian's tesseract-ocr, the same libtesseract and models) on the
24 PNG pages with -l eng+chi_sim, beside `ragdb ingest` of those same 24 pages alone; rounds
alternate, medians are printed. Both include their process start and model loading once per
run for ragdb and once per page for tesseract (it takes one image per run), so the page rate of
tesseract is also given without its start-up (`--psm` default, timed on a blank page).

Usage: /usr/bin/python3 bench/ocr_bench.py [--build build] [--rounds 2]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures", "docs"))
from make_fixtures import write_pdf  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WORDS = ("harbour berth vessel cargo crane container terminal schedule inspection pallet "
         "warehouse freight manifest customs tariff quay tugboat pilot anchor draught").split()


def sentence(i, n=9):
    return " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(n)).capitalize() + "."


def scan_page(seed):
    img = Image.new("RGB", (1240, 1754), "white")
    d = ImageDraw.Draw(img)
    f = ImageFont.truetype(FONT, 26)
    for line in range(30):
        d.text((110, 120 + line * 48), sentence(seed * 31 + line), fill="black", font=f)
    return img


def make_corpus(root):
    text, scanned = os.path.join(root, "text"), os.path.join(root, "scanned")
    png_only = os.path.join(root, "pages")
    for d in (text, scanned, png_only):
        os.makedirs(d, exist_ok=True)
    for i in range(24):
        with open(os.path.join(text, f"note{i:02d}.md"), "w") as f:
            f.write(f"# Note {i}\n\n" + "\n\n".join(
                " ".join(sentence(i * 50 + p * 5 + k) for k in range(5)) for p in range(8)))
    for i in range(6):
        pages = [[(72, 720 - 20 * k, 11, sentence(i * 100 + p * 30 + k)) for k in range(30)]
                 for p in range(3)]
        write_pdf(os.path.join(text, f"report{i}.pdf"), pages, f"Report {i}")
    for i in range(24):
        page = scan_page(i)
        page.save(os.path.join(scanned, f"page{i:02d}.png"))
        page.save(os.path.join(png_only, f"page{i:02d}.png"))
    for i in range(2):
        pages = [scan_page(100 + i * 3 + p) for p in range(3)]
        pages[0].save(os.path.join(scanned, f"scan{i}.pdf"), save_all=True,
                      append_images=pages[1:], resolution=150.0)
    mixed = os.path.join(root, "mixed")
    shutil.copytree(text, os.path.join(mixed, "text"))
    shutil.copytree(scanned, os.path.join(mixed, "scanned"))
    return {"text": text, "scanned": scanned, "mixed": mixed, "pages": png_only}


def ragdb_ingest(build, folder):
    with tempfile.TemporaryDirectory() as data:
        start = time.perf_counter()
        out = subprocess.run([os.path.join(build, "ragdb"), "--data", data, "ingest", "kb", folder,
                              "--quiet", "--ocr", "auto"], check=True, capture_output=True,
                             text=True).stdout
        wall = time.perf_counter() - start
    s = json.loads(out)
    return s, wall


def tesseract_pages(folder):
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    start = time.perf_counter()
    for f in files:
        subprocess.run(["tesseract", f, "stdout", "-l", "eng+chi_sim"], check=True,
                       capture_output=True)
    return len(files) / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="ragdb-ocr-bench-")
    c = make_corpus(root)
    # Start-up of the tesseract command (model loading) on a blank page.
    blank = os.path.join(root, "blank.png")
    Image.new("RGB", (200, 100), "white").save(blank)
    t0 = time.perf_counter()
    subprocess.run(["tesseract", blank, "stdout", "-l", "eng+chi_sim"], capture_output=True)
    startup = time.perf_counter() - t0

    ours, theirs = [], []
    for r in range(args.rounds):
        s, wall = ragdb_ingest(args.build, c["pages"])
        ours.append(s["files"] / wall)
        theirs.append(tesseract_pages(c["pages"]))
        print(f"round {r + 1}: ragdb ingest {ours[-1]:.2f} pages/s, tesseract {theirs[-1]:.2f} "
              f"pages/s", flush=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    per_page = 1 / b - startup
    result = {"layer": "CLI (ragdb ingest --ocr auto vs the tesseract command), eng+chi_sim",
              "pages": 24, "ragdb_pages_per_s": round(a, 2), "tesseract_pages_per_s": round(b, 2),
              "tesseract_startup_s": round(startup, 2),
              "tesseract_pages_per_s_without_startup": round(1 / per_page, 2) if per_page > 0
              else None, "ratio": round(a / b, 2)}
    print(json.dumps(result))
    for name in ("text", "scanned", "mixed"):
        s, wall = ragdb_ingest(args.build, c[name])
        print(json.dumps({"folder": name, "layer": "CLI (ragdb ingest --ocr auto)",
                          "files": s["files"], "pages": s["pages"], "bytes": s["bytes"],
                          "seconds": round(wall, 2), "files_per_s": round(s["files"] / wall, 2),
                          "mb_per_s": round(s["bytes"] / wall / 1e6, 3),
                          "parse_ms": round(s["timings_ms"]["parse"])}), flush=True)
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
