#!/usr/bin/python3
"""FLAT (exact) search, bulk import and JSON Lines upsert: ragdb beside Faiss IndexFlat.

Runs on the same data in one process tree: ragdb through its CLI (`import`, `search --queries`,
`upsert`), Faiss through its Python module. Prints a table and the ratio of QPS (ragdb / Faiss)
for one thread and all threads. Usage (Debian's python: numpy and faiss come from apt):

  /usr/bin/python3 bench/flat_bench.py [--ragdb build/ragdb] [--n 200000] [--dim 128] [--nq 200]

Data sets: ../shared/data/ann-sift5k (4,900 x 128, L2), ../shared/data/ann-bright-bge-large-1024
(1,285 x 1024, cosine) and a synthetic Gaussian set of --n x --dim (L2) generated here.
"""
import argparse
import json
import os
# Faiss's OpenMP threads spin for a while after each parallel region by default; the ragdb
# driver then runs (as a child process) on cores that are still busy. Passive waiting makes
# the engines take turns on a quiet machine. It must be set before faiss is imported.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import shutil
import struct
import subprocess
import tempfile
import time

import numpy as np

try:
    import faiss
except ImportError:  # pragma: no cover
    faiss = None


def read_fvecs(path):
    a = np.fromfile(path, dtype=np.int32)
    d = a[0]
    return a.reshape(-1, d + 1)[:, 1:].copy().view(np.float32)


def write_fvecs(path, x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    n, d = x.shape
    out = np.empty((n, d + 1), dtype=np.int32)
    out[:, 0] = d
    out[:, 1:] = x.view(np.int32)
    out.tofile(path)


def read_ivecs(path):
    a = np.fromfile(path, dtype=np.int32)
    k = a[0]
    return a.reshape(-1, k + 1)[:, 1:]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr}")
    return r.stdout


def bench_ragdb(ragdb, base, queries, metric, k, threads_list, tmp):
    data = os.path.join(tmp, "db")
    shutil.rmtree(data, ignore_errors=True)
    base_path, q_path = os.path.join(tmp, "base.fvecs"), os.path.join(tmp, "q.fvecs")
    write_fvecs(base_path, base)
    write_fvecs(q_path, queries)
    run([ragdb, "--data", data, "create", "b", "--dim", str(base.shape[1]), "--metric", metric])
    t = time.perf_counter()
    imp = json.loads(run([ragdb, "--data", data, "import", "b", "--fvecs", base_path]))
    run([ragdb, "--data", data, "optimize", "b"])
    import_s = time.perf_counter() - t
    out = {"import_vps": imp["vectors_per_second"], "import_optimize_s": import_s}
    for th in threads_list:
        best = None
        for _ in range(3):
            r = json.loads(run([ragdb, "--data", data, "search", "b", "--queries", q_path,
                                "--k", str(k), "--threads", str(th), "--out",
                                os.path.join(tmp, "out.ivecs")]))
            best = r["qps"] if best is None else max(best, r["qps"])
        out[f"qps_t{th}"] = best
    out["ids"] = read_ivecs(os.path.join(tmp, "out.ivecs"))
    return out


def bench_faiss(base, queries, metric, k, threads_list):
    d = base.shape[1]
    xb, xq = base, queries
    if metric == "cosine":
        xb = xb / np.linalg.norm(xb, axis=1, keepdims=True)
        xq = xq / np.linalg.norm(xq, axis=1, keepdims=True)
        index = faiss.IndexFlatIP(d)
    else:
        index = faiss.IndexFlatL2(d)
    index.add(np.ascontiguousarray(xb, dtype=np.float32))
    out = {}
    for th in threads_list:
        faiss.omp_set_num_threads(th)
        best = 0
        for _ in range(3):
            t = time.perf_counter()
            _, ids = index.search(np.ascontiguousarray(xq, dtype=np.float32), k)
            best = max(best, len(xq) / (time.perf_counter() - t))
        out[f"qps_t{th}"] = best
    out["ids"] = ids
    return out


def bench_upsert(ragdb, n, dim, tmp):
    data = os.path.join(tmp, "updb")
    shutil.rmtree(data, ignore_errors=True)
    run([ragdb, "--data", data, "create", "u", "--dim", str(dim), "--metric", "l2"])
    rng = np.random.default_rng(3)
    path = os.path.join(tmp, "up.jsonl")
    with open(path, "w") as f:
        for i in range(n):
            v = rng.standard_normal(dim).astype(np.float32)
            f.write(json.dumps({"id": i, "vector": [round(float(x), 6) for x in v],
                                "payload": {"cat": f"c{i % 10}", "n": i}}) + "\n")
    t = time.perf_counter()
    run([ragdb, "--data", data, "upsert", "u", path])
    return n / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ragdb", default="build/ragdb")
    ap.add_argument("--n", type=int, default=200000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--nq", type=int, default=200)
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args()
    threads = [1, os.cpu_count() or 1]
    shared = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
    sets = []
    sift = os.path.join(shared, "ann-sift5k")
    if os.path.isdir(sift):
        sets.append(("sift5k", read_fvecs(f"{sift}/sift5k_base.fvecs"),
                     read_fvecs(f"{sift}/sift5k_query.fvecs"), "l2"))
    bright = os.path.join(shared, "ann-bright-bge-large-1024")
    if os.path.isdir(bright):
        sets.append(("bright-1024", read_fvecs(f"{bright}/bright_base.fvecs"),
                     read_fvecs(f"{bright}/bright_query.fvecs"), "cosine"))
    rng = np.random.default_rng(1)
    sets.append((f"gauss-{args.n // 1000}k-{args.dim}",
                 rng.standard_normal((args.n, args.dim)).astype(np.float32),
                 rng.standard_normal((args.nq, args.dim)).astype(np.float32), "l2"))
    tmp = tempfile.mkdtemp(prefix="ragdb_flat_bench_")
    try:
        print(f"{'data set':<18} {'n':>8} {'dim':>5} {'threads':>7} {'ragdb QPS':>10} "
              f"{'Faiss QPS':>10} {'ratio':>6} {'same top-k':>10}")
        for name, base, queries, metric in sets:
            r = bench_ragdb(args.ragdb, base, queries, metric, args.k, threads, tmp)
            f = bench_faiss(base, queries, metric, args.k, threads) if faiss else None
            agree = float(np.mean([len(set(a) & set(b)) / args.k
                                   for a, b in zip(r["ids"], f["ids"])])) if f else float("nan")
            for th in threads:
                fq = f[f"qps_t{th}"] if f else float("nan")
                print(f"{name:<18} {len(base):>8} {base.shape[1]:>5} {th:>7} "
                      f"{r[f'qps_t{th}']:>10.0f} {fq:>10.0f} {r[f'qps_t{th}'] / fq:>6.2f} "
                      f"{agree:>10.3f}")
            print(f"{'':<18} import {r['import_vps']:,.0f} vectors/s "
                  f"(import + optimize {r['import_optimize_s']:.2f} s)")
        print(f"upsert through JSON Lines (10,000 x 128, payloads): "
              f"{bench_upsert(args.ragdb, 10000, 128, tmp):,.0f} records/s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
