#!/usr/bin/python3
"""The Python package (issue #17) against the C++ API and against hnswlib / Faiss in Python.

  PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py \\
      --driver build/python/python_bench_driver [--n 100000] [--nq 1000] [--rounds 3]

1. Search through Python (ragdb.open, search_batch / search) against the C++ API
   (python_bench_driver: Collection::SearchBatch / Search) on the same database folder and the
   same queries: batches (target >= 0.95x the C++ QPS) and single queries (the per-call overhead
   in microseconds). HNSW (m 16, ef_construction 200, ef 64) and exact (FLAT) search. The two take
   turns for --rounds rounds; medians. Both must return the same ids (checksums compared).
2. ragdb through Python against hnswlib and Faiss (IndexHNSWFlat) through Python, in this process,
   one thread, same m / ef_construction: an ef sweep, recall@10 against exact ground truth, and
   the QPS at recall 0.95 / 0.99 (interpolated, as bench/ann_bench.py does), for batches and for
   one call per query.
3. Upsert throughput of numpy batches (each durable before the next) against the C++ API with the
   same batches.

Data: ann-sift5k (4,900 x 128, real) and a synthetic clustered 128-d L2 set of --n rows.
Throughput on a shared machine is noisy; read the ratios, not the absolute numbers.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ann_bench import (K, ground_truth, interp_qps, read_vecs, recall,  # noqa: E402
                       synthetic, write_vecs)

import faiss  # noqa: E402
import hnswlib  # noqa: E402
import numpy as np  # noqa: E402

import ragdb  # noqa: E402

M, EFC, EF = 16, 200, 64
SWEEP = [10, 16, 24, 32, 48, 64, 96, 128, 256]


def checksum(ids):
    """As python_bench_driver computes it from its results (ids -1 count 0)."""
    i = np.arange(ids.shape[0])[:, None] % 1000 + 1
    j = np.arange(ids.shape[1])[None, :] + 1
    total = sum(int(x) for x in ((ids.astype(np.int64) + 1) * j * i).ravel())
    return total % ((1 << 61) - 1)


def measure(fn, nq, min_seconds):
    """(QPS, CPU microseconds per query) of fn() (nq queries per call), repeated for at least
    min_seconds after a warm-up (python_bench_driver times its side the same way). CPU time is
    the steadier figure on a shared machine: it does not count time spent descheduled."""
    fn()
    done, t, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        fn()
        done += nq
        el = time.perf_counter() - t
        if el >= min_seconds:
            return done / el, (time.process_time() - cpu) * 1e6 / done


def driver(args, *argv):
    out = subprocess.run([args.driver, *map(str, argv)], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout)


def build_index(path, base):
    """Loads `base` into an HNSW collection; returns the seconds of the load and index build
    (segments build their graph when they seal, during the upserts, and in optimize)."""
    t = time.perf_counter()
    with ragdb.open(path, sync_writes=False) as db:
        col = db.create_collection("items", dim=base.shape[1], metric="l2", index="hnsw", m=M,
                                   ef_construction=EFC)
        for s in range(0, len(base), 50_000):
            col.upsert(ids=np.arange(s, min(len(base), s + 50_000)), vectors=base[s:s + 50_000])
        col.optimize()
        build = time.perf_counter() - t
        assert all(s["indexes"] for s in col.info()["segments"] if s["sealed"] and s["rows"])
    return build


def python_vs_cpp(args, name, path, queries):
    """Python and C++ take turns on the same folder, case by case: batch and single queries,
    HNSW and exact. (The folder is one process's at a time, so Python closes it for the C++
    driver.)"""
    qpath = os.path.join(os.path.dirname(path), f"{name}-q.fvecs")
    write_vecs(qpath, queries)
    nq = len(queries)
    cases = [("hnsw batch, 1 thread", "batch", EF, 1, False),
             ("hnsw batch, 2 threads", "batch", EF, 2, False),
             ("hnsw single query", "single", EF, 1, False),
             ("exact batch, 2 threads", "batch", 0, 2, True),
             ("exact single query", "single", 0, 1, True)]
    py = {c[0]: [] for c in cases}
    cpp = {c[0]: [] for c in cases}
    for rnd in range(args.rounds):
        for label, mode, ef, threads, exact in cases:
            with ragdb.open(path) as db:
                col = db.get_collection("items")
                if mode == "batch":
                    def run():
                        return col.search_batch(queries, k=K, threads=threads, ef=ef, exact=exact)
                else:
                    def run():
                        return [col.search(vector=q, k=K, ef=ef, exact=exact, with_payload=False)
                                for q in queries]
                py[label].append(measure(run, nq, args.seconds))
                out = run()
            ids = out[0] if mode == "batch" else np.array(
                [[h.id for h in hits] + [-1] * (K - len(hits)) for hits in out])
            j = driver(args, "search", path, "items", qpath, K, ef, threads, args.seconds, mode,
                       "exact" if exact else "")
            cpp[label].append((j["qps"], j["cpu_us"]))
            assert j["checksum"] == checksum(ids), (label, "Python and C++ results differ")
    print(f"\n--- {name}: Python (ragdb.open) vs the C++ API on the same index, {nq} queries, "
          f"k={K}; medians of {args.rounds} rounds, each Python run next to a C++ run; the ratios "
          "are medians of the per-round ratios (same results: checked)")
    print(f"{'case':24s} {'Py QPS':>8s} {'C++ QPS':>8s} {'ratio':>6s} {'Py CPU us/q':>12s} "
          f"{'C++ CPU us/q':>13s} {'ratio':>6s} {'overhead/call':>14s}")
    rows = []
    for label, mode, *_ in cases:
        pq, pc = np.median([r[0] for r in py[label]]), np.median([r[1] for r in py[label]])
        cq, cc = np.median([r[0] for r in cpp[label]]), np.median([r[1] for r in cpp[label]])
        qps_ratio = np.median([a[0] / b[0] for a, b in zip(py[label], cpp[label])])
        cpu_ratio = np.median([b[1] / a[1] for a, b in zip(py[label], cpp[label])])
        # per-call overhead of one query through Python: the CPU time it adds
        over = np.median([a[1] - b[1] for a, b in zip(py[label], cpp[label])])
        print(f"{label:24s} {pq:8.0f} {cq:8.0f} {qps_ratio:6.3f} {pc:12.1f} {cc:13.1f} "
              f"{cpu_ratio:6.3f} " + (f"{over:11.1f} us" if mode == "single" else ""))
        rows.append((label, pq, cq, qps_ratio, pc, cc, cpu_ratio, over))
    return rows


def peers(args, name, path, base, queries, gt):
    """ragdb (Python) vs hnswlib vs Faiss HNSWFlat, one thread, ef sweep, interleaved rounds."""
    nq = len(queries)
    h = hnswlib.Index("l2", base.shape[1])
    h.init_index(len(base), M, EFC, random_seed=100)
    h.set_num_threads(2)
    t = time.perf_counter()
    h.add_items(base)
    h_build = time.perf_counter() - t
    f = faiss.IndexHNSWFlat(base.shape[1], M)
    f.hnsw.efConstruction = EFC
    faiss.omp_set_num_threads(2)
    t = time.perf_counter()
    f.add(base)
    f_build = time.perf_counter() - t
    h.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    db = ragdb.open(path)
    col = db.get_collection("items")

    def engines(ef):
        """name -> (batch fn returning ids, single-query fn)."""
        f.hnsw.efSearch = max(ef, K)
        h.set_ef(max(ef, K))
        return {
            "ragdb": (lambda: col.search_batch(queries, k=K, threads=1, ef=ef)[0],
                      lambda: [col.search(vector=q, k=K, ef=ef, with_payload=False)
                               for q in queries]),
            "hnswlib": (lambda: h.knn_query(queries, K)[0],
                        lambda: [h.knn_query(q, K) for q in queries]),
            "faiss": (lambda: f.search(queries, K)[1],
                      lambda: [f.search(q[None, :], K) for q in queries]),
        }

    runs = {e: {ef: {"batch": [], "single": []} for ef in SWEEP} for e in ("ragdb", "hnswlib",
                                                                           "faiss")}
    rec = {e: {} for e in runs}
    for rnd in range(args.rounds):
        for ef in SWEEP:
            eng = engines(ef)
            order = list(eng)[rnd % 3:] + list(eng)[:rnd % 3]
            for e in order:
                batch, single = eng[e]
                if rnd == 0:
                    rec[e][ef] = recall(batch(), gt)
                runs[e][ef]["batch"].append(measure(batch, nq, args.seconds / 2))
                runs[e][ef]["single"].append(measure(single, nq, args.seconds / 2))
    db.close()
    print(f"\n--- {name}: one thread, m={M}, ef_construction={EFC}; build (2 threads): "
          f"hnswlib {h_build:.1f} s, Faiss {f_build:.1f} s; medians of {args.rounds} rounds; "
          "QPS by wall clock and by CPU time (1e6 / CPU us per query)")
    print(f"{'engine':8s} {'ef':>4s} {'recall@10':>9s} {'batch QPS':>10s} {'(CPU)':>8s} "
          f"{'single QPS':>11s} {'(CPU)':>8s}")
    curves = {}
    for e in runs:
        curves[e] = []
        for ef in SWEEP:
            b = float(np.median([r[0] for r in runs[e][ef]["batch"]]))
            bc = 1e6 / float(np.median([r[1] for r in runs[e][ef]["batch"]]))
            s = float(np.median([r[0] for r in runs[e][ef]["single"]]))
            sc = 1e6 / float(np.median([r[1] for r in runs[e][ef]["single"]]))
            curves[e].append({"recall": rec[e][ef], "batch": b, "single": s, "batch_cpu": bc,
                              "single_cpu": sc})
            print(f"{e:8s} {ef:4d} {rec[e][ef]:9.3f} {b:10.0f} {bc:8.0f} {s:11.0f} {sc:8.0f}")
    out = []
    for target in (0.95, 0.99):
        line = {"target": target}
        for e in curves:
            for mode in ("batch", "single", "batch_cpu", "single_cpu"):
                line[(e, mode)] = interp_qps(curves[e], target, mode)
        out.append(line)
        for mode in ("batch", "single", "batch_cpu", "single_cpu"):
            r, hq, fq = line[("ragdb", mode)], line[("hnswlib", mode)], line[("faiss", mode)]
            fmt = lambda x: "n/a" if x is None else f"{x:.0f}"
            ratio = lambda a, b: "n/a" if a is None or b is None else f"{a / b:.2f}x"
            print(f"recall {target}: {mode:10s} ragdb {fmt(r)} QPS, hnswlib {fmt(hq)} "
                  f"({ratio(r, hq)}), Faiss {fmt(fq)} ({ratio(r, fq)})")
    return out


def upserts(args, name, base, tmp):
    """Vectors per second (and CPU time per vector) of numpy batches through Python against the
    C++ API with the same batches; the two alternate which goes first."""
    bpath = os.path.join(tmp, f"{name}-base.fvecs")
    write_vecs(bpath, base)
    print(f"\n--- {name}: upsert throughput, {len(base)} x {base.shape[1]} float32, each batch "
          "fsynced before the next (medians of rounds)")
    print(f"{'batch':>7s} {'Py vec/s':>9s} {'C++ vec/s':>10s} {'ratio':>6s} {'Py CPU us/v':>12s} "
          f"{'C++ CPU us/v':>13s} {'ratio':>6s}")
    rows = []
    for batch in (1000, 10000):
        py, cpp = [], []
        for rnd in range(args.rounds):
            path = os.path.join(tmp, f"up-{name}-{batch}-{rnd}")

            def python():
                with ragdb.open(path + "-py") as db:
                    col = db.create_collection("c", dim=base.shape[1], metric="l2")
                    t, cpu = time.perf_counter(), time.process_time()
                    for s in range(0, len(base), batch):
                        col.upsert(ids=np.arange(s, min(len(base), s + batch)),
                                   vectors=base[s:s + batch])
                    py.append((len(base) / (time.perf_counter() - t),
                               (time.process_time() - cpu) * 1e6 / len(base)))

            def cxx():
                j = driver(args, "upsert", path + "-cpp", "c", bpath, batch)
                cpp.append((j["vectors_per_s"], j["cpu_us"]))

            for fn in ((python, cxx) if rnd % 2 == 0 else (cxx, python)):
                fn()
        pq, pc = np.median([r[0] for r in py]), np.median([r[1] for r in py])
        cq, cc = np.median([r[0] for r in cpp]), np.median([r[1] for r in cpp])
        print(f"{batch:7d} {pq:9.0f} {cq:10.0f} {pq / cq:6.3f} {pc:12.2f} {cc:13.2f} "
              f"{cc / pc:6.3f}")
        rows.append((batch, pq, cq, pc, cc))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", default="build/python/python_bench_driver")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=0.5, help="minimum time of each measurement")
    ap.add_argument("--data", default="../shared/data", help="the shared data folder")
    args = ap.parse_args()
    print(f"ragdb {ragdb.__version__} from {os.path.dirname(ragdb.__file__)}; numpy "
          f"{np.__version__}, hnswlib, faiss {faiss.__version__}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    sift = os.path.join(args.data, "ann-sift5k")
    sets = [("sift5k", read_vecs(os.path.join(sift, "sift5k_base.fvecs"), np.float32),
             read_vecs(os.path.join(sift, "sift5k_query.fvecs"), np.float32))]
    base, queries = synthetic(args.n, args.nq, 128)
    sets.append((f"synthetic {args.n // 1000}k", base, queries))
    with tempfile.TemporaryDirectory() as tmp:
        for name, base, queries in sets:
            path = os.path.join(tmp, name.replace(" ", "-"))
            build = build_index(path, base)
            print(f"\n=== {name}: n={len(base)} d={base.shape[1]} queries={len(queries)} l2; "
                  f"ragdb load + HNSW build {build:.1f} s")
            gt = ground_truth(base, queries, "l2")
            python_vs_cpp(args, name, path, queries)
            peers(args, name, path, base, queries, gt)
        upserts(args, sets[1][0].replace(" ", "-"), sets[1][1], tmp)


if __name__ == "__main__":
    main()
